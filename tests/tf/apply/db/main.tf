# Apply test (tier 36-tf-apply-rds): the database choices of one account,
# Aurora PostgreSQL Serverless v2 scaling to zero and the plain RDS
# alternative, in the database subnets, applied against moto. Slow (the
# provider waits ~30 s per cluster and instance), hence its own tier.

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

  default_tags {
    tags = {
      ManagedBy = "sfdc"
      Test      = "36-tf-apply-rds"
    }
  }
}

locals {
  vpn_cidr = "10.100.0.0/16"
}

module "network" {
  source = "../../../../stdlib/modules/network"

  name = "db-test"
  cidr = "10.2.0.0/16"
  azs  = ["eu-west-2a", "eu-west-2b"]
}

module "aurora" {
  source = "../../../../stdlib/modules/aurora"

  name                     = "db-test-dagster"
  engine_version           = "16.4"
  database_name            = "dagster"
  min_capacity             = 0
  max_capacity             = 4
  seconds_until_auto_pause = 1800
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.database_subnet_ids
  allowed_cidrs            = concat(module.network.private_subnet_cidrs, [local.vpn_cidr])
  deletion_protection      = false
  skip_final_snapshot      = true
  apply_immediately        = true
}

module "rds" {
  source = "../../../../stdlib/modules/rds"

  name                = "db-test-plain"
  engine_version      = "16.4"
  database_name       = "dagster"
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.database_subnet_ids
  allowed_cidrs       = module.network.private_subnet_cidrs
  deletion_protection = false
  skip_final_snapshot = true
  apply_immediately   = true
}

output "aurora_id" {
  value = module.aurora.cluster_identifier
}

output "aurora_secret_arn" {
  value = module.aurora.master_user_secret_arn
}

output "aurora_sg" {
  value = module.aurora.security_group_id
}

output "aurora_clients_sg" {
  value = module.aurora.client_security_group_id
}

output "rds_id" {
  value = module.rds.instance_identifier
}

output "rds_secret_arn" {
  value = module.rds.master_user_secret_arn
}
