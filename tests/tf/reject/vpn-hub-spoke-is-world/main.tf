# Rejection case for tier 30-tf-modules: a spoke "range" of 0.0.0.0/0 would
# send all of the hub VPC's traffic, internet included, to the LAs.
# expect: spoke_cidrs must be IPv4 CIDRs, never 0.0.0.0/0.

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/transit-gateway"

  name              = "p-vpn"
  vpc_id            = "vpc-0123456789abcdef0"
  subnet_ids        = ["subnet-0123456789abcdef0"]
  spoke_account_ids = ["222222222222"]
  spoke_cidrs       = ["0.0.0.0/0"]
}
