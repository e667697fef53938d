# Rejection case for tier 30-tf-modules: account IDs have 12 digits.
# expect: pull_account_ids entries must be 12-digit AWS account IDs

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/ecr"

  name             = "dagster"
  pull_account_ids = ["22222222222"]
}
