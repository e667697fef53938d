# Rejection case for tier 30-tf-modules: S3 bucket names are lowercase without underscores.
# expect: name must be a valid S3 bucket name

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/s3-bucket"

  name = "LA_Camden_Shared"
}
