# Rejection case for tier 30-tf-modules: an internal (VPN-only) load balancer open to the world.
# expect: an internal (VPN-only) load balancer cannot admit 0.0.0.0/0

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/load-balancer"

  name          = "la-dagit"
  vpc_id        = "vpc-0123456789abcdef0"
  vpc_cidr      = "10.1.0.0/16"
  subnet_ids    = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  target_port   = 3000
  ingress_cidrs = ["0.0.0.0/0"]
}
