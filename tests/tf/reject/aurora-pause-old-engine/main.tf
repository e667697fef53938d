# Rejection case for tier 30-tf-modules: auto-pause (0 ACU) on an engine version that cannot pause.
# expect: min_capacity 0 (auto-pause) needs aurora-postgresql 13.15, 14.12, 15.7, 16.3 or later

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/aurora"

  name           = "la-dagster"
  vpc_id         = "vpc-0123456789abcdef0"
  subnet_ids     = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  engine_version = "16.2"
  min_capacity   = 0
}
