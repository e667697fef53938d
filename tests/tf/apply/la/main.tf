# Apply test (tier 35-tf-apply): one local-authority account as the compiler's
# plain-Terraform target would wire it, applied against moto. The provider
# block is what production uses: only the environment points it at moto.
# Module sources are rewritten to absolute paths when the tier copies this
# directory to a temporary one.

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
      Test      = "35-tf-apply"
    }
  }
}

locals {
  vpn_cidr = "10.100.0.0/16"
  core_id  = "111111111111"
  org_id   = "333333333333"
}

module "network" {
  source = "../../../../stdlib/modules/network"

  name               = "la-test"
  cidr               = "10.1.0.0/16"
  azs                = ["eu-west-2a", "eu-west-2b"]
  enable_nat_gateway = true
  single_nat_gateway = true
  gateway_endpoints  = ["s3"]
  enable_flow_logs   = true
}

module "ecr" {
  source = "../../../../stdlib/modules/ecr"

  name             = "sfdata/dagster"
  keep_images      = 30
  pull_account_ids = ["222222222222", local.org_id]
  force_delete     = true
}

module "cluster" {
  source = "../../../../stdlib/modules/ecs-cluster"

  name = "la-test"
}

module "secrets" {
  source = "../../../../stdlib/modules/secrets"

  name_prefix = "la-test/"
  secrets = {
    "db-password" = { recovery_window_in_days = 0 }
  }
}

# The Dagster daemon: Fargate Spot, off by default, on for weekday nights.
module "daemon" {
  source = "../../../../stdlib/modules/ecs-service"

  name                  = "daemon"
  cluster_name          = module.cluster.cluster_name
  cluster_arn           = module.cluster.cluster_arn
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.private_subnet_ids
  image                 = "${module.ecr.repository_url}:v1"
  image_repository_arns = [module.ecr.repository_arn]
  cpu                   = 256
  memory                = 1024
  environment           = { DAGSTER_HOME = "/opt/dagster" }
  secrets               = { DB_PASSWORD = module.secrets.secret_arns["db-password"] }

  capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1 }]
  desired_count              = 0
  autoscaling                = { min_capacity = 0, max_capacity = 1 }
  scheduled_actions = [
    { name = "daemon-on", schedule = "cron(0 23 ? * MON-FRI *)", timezone = "Europe/London", min = 1, max = 1 },
    { name = "daemon-off", schedule = "cron(0 5 ? * TUE-SAT *)", timezone = "Europe/London", min = 0, max = 0 },
  ]
}

# The webserver: VPN-only, behind an internal load balancer.
module "lb" {
  source = "../../../../stdlib/modules/load-balancer"

  name          = "la-test-dagit"
  vpc_id        = module.network.vpc_id
  vpc_cidr      = module.network.vpc_cidr
  subnet_ids    = module.network.private_subnet_ids
  ingress_cidrs = [local.vpn_cidr]
  target_port   = 3000
}

module "webserver" {
  source = "../../../../stdlib/modules/ecs-service"

  name                       = "webserver"
  cluster_name               = module.cluster.cluster_name
  cluster_arn                = module.cluster.cluster_arn
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  image                      = "${module.ecr.repository_url}:v1"
  image_repository_arns      = [module.ecr.repository_arn]
  cpu                        = 512
  memory                     = 1024
  container_port             = 3000
  target_group_arn           = module.lb.target_group_arn
  ingress_security_group_ids = [module.lb.security_group_id]
  capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 3 }, { capacity_provider = "FARGATE", weight = 1, base = 0 }]
  desired_count              = 0
}

# Buckets: "shared" is readable by the organisation account. tls_only is off
# only because moto ignores policy conditions (the Deny would block every
# PutObject); "workspace" keeps the production default to show the policy.
module "shared_bucket" {
  source = "../../../../stdlib/modules/s3-bucket"

  name                   = "la-test-shared"
  tls_only               = false
  reader_account_ids     = [local.org_id]
  expire_days            = 2190
  noncurrent_expire_days = 30
  force_destroy          = true
}

module "workspace_bucket" {
  source = "../../../../stdlib/modules/s3-bucket"

  name          = "la-test-workspace"
  expire_days   = 90
  force_destroy = true
}

module "deploy_role" {
  source = "../../../../stdlib/modules/cross-account-role"

  name                = "la-test-deploy"
  trusted_account_ids = [local.core_id]
  inline_policies = {
    deploy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = ["ecs:*", "s3:*"], Resource = "*" }]
    })
  }
}

output "cluster_name" {
  value = module.cluster.cluster_name
}

output "daemon_service" {
  value = module.daemon.service_name
}

output "daemon_resource_id" {
  value = module.daemon.scalable_target_resource_id
}

output "webserver_service" {
  value = module.webserver.service_name
}

output "vpc_id" {
  value = module.network.vpc_id
}

output "ecr_repository" {
  value = module.ecr.repository_name
}

output "shared_bucket" {
  value = module.shared_bucket.bucket
}

output "workspace_bucket" {
  value = module.workspace_bucket.bucket
}

output "db_secret_arn" {
  value = module.secrets.secret_arns["db-password"]
}
