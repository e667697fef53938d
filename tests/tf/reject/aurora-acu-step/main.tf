# Rejection case for tier 30-tf-modules: ACUs come in steps of 0.5.
# expect: min_capacity must be 0-256 ACU in steps of 0.5

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/aurora"

  name         = "la-dagster"
  vpc_id       = "vpc-0123456789abcdef0"
  subnet_ids   = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  min_capacity = 0.25
}
