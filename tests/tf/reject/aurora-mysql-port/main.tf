# Rejection case for tier 30-tf-modules: port 3306 on a PostgreSQL cluster.
# expect: not 3306, MySQL's port on a PostgreSQL engine

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/aurora"

  name       = "la-dagster"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  port       = 3306
}
