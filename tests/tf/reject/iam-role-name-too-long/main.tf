# Rejection case for tier 30-tf-modules: IAM role names are at most 64 characters.
# expect: name must be 1-64 characters

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/cross-account-role"

  name                = "la-camden-organisation-reader-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  trusted_account_ids = ["111111111111"]
}
