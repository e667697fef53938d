# Apply test (tier 37-tf-recreate): what a torn-down stage re-creates under
# the same names — a database that takes its final snapshot on every
# destroy, and a secret deleted without a recovery window (an environment's
# `secret_recovery = 0d`). Applied, destroyed, applied and destroyed again.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
}

provider "aws" {
  region = "eu-west-2"
}

# Two database subnets are all Aurora needs: no network module (its NAT
# and route tables would only slow the four runs down).
resource "aws_vpc" "this" {
  cidr_block = "10.9.0.0/16"
}

resource "aws_subnet" "db" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet("10.9.0.0/16", 8, count.index)
  availability_zone = ["eu-west-2a", "eu-west-2b"][count.index]
}

# The plain RDS instance: the aurora module names its final snapshot by the
# same rule (tier 30 validates both), and one instance waits less than a
# cluster plus its instance.
module "rds" {
  source = "../../../../stdlib/modules/rds"

  name                = "redo-stage-db"
  engine_version      = "16.4"
  vpc_id              = aws_vpc.this.id
  subnet_ids          = aws_subnet.db[*].id
  deletion_protection = false
  apply_immediately   = true
}

module "secrets" {
  source = "../../../../stdlib/modules/secrets"

  name_prefix = "redo/stage/"
  secrets = {
    api_token = { description = "re-created under its own name", recovery_window_in_days = 0 }
  }
}
