# Acceptance case for tier 30-tf-modules: every module called with its
# non-default branches (NAT per zone, interface endpoints, EC2 services
# behind HTTPS, SSM and JSON-key secrets, unmanaged spot groups, KMS
# everywhere, cross-account readers...) must plan offline. `validate` never
# evaluates expressions with real values; a plan does, so this catches
# errors such as arithmetic on a null that only one branch reaches.

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

locals {
  kms = "arn:aws:kms:eu-west-2:222222222222:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
}

module "network" {
  source = "../../../../stdlib/modules/network"

  name                  = "full"
  cidr                  = "10.9.0.0/20"
  azs                   = ["eu-west-2a", "eu-west-2b", "eu-west-2c"]
  public_subnet_cidrs   = ["10.9.0.0/24", "10.9.1.0/24", "10.9.2.0/24"]
  private_subnet_cidrs  = ["10.9.4.0/23", "10.9.6.0/23", "10.9.8.0/23"]
  database_subnet_cidrs = ["10.9.12.0/25", "10.9.12.128/25", "10.9.13.0/25"]
  enable_nat_gateway    = true
  single_nat_gateway    = false
  gateway_endpoints     = ["s3", "dynamodb"]
  interface_endpoints   = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]
  enable_flow_logs      = true
}

module "ecr" {
  source = "../../../../stdlib/modules/ecr"

  name                 = "sfdata/dagster-code"
  immutable_tags       = false
  encryption_type      = "KMS"
  kms_key_arn          = local.kms
  pull_organization_id = "o-abcdefghij"
}

module "secrets" {
  source = "../../../../stdlib/modules/secrets"

  name_prefix      = "sfdata/la-full/"
  secrets          = { "api-token" = { kms_key_id = local.kms, recovery_window_in_days = 7 } }
  reader_role_arns = ["arn:aws:iam::333333333333:role/org-reader"]
}

module "capacity" {
  source = "../../../../stdlib/modules/ec2-spot-capacity"

  name                            = "full-od"
  cluster_name                    = "full"
  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.private_subnet_ids
  instance_types                  = ["m6g.large"]
  ami_id                          = "ami-0123456789abcdef0"
  instance_profile_name           = "existing-profile"
  min_size                        = 1
  max_size                        = 2
  desired_capacity                = 1
  on_demand_base_capacity         = 1
  on_demand_percentage_above_base = 50
  managed_scaling                 = false
  managed_termination_protection  = false
}

module "cluster" {
  source = "../../../../stdlib/modules/ecs-cluster"

  name                               = "full"
  container_insights                 = "enhanced"
  fargate_capacity_providers         = ["FARGATE"]
  ec2_capacity_providers             = [module.capacity.capacity_provider_name]
  default_capacity_provider_strategy = [{ capacity_provider = module.capacity.capacity_provider_name, weight = 1, base = 1 }]
}

module "lb" {
  source = "../../../../stdlib/modules/load-balancer"

  name            = "full-web"
  vpc_id          = module.network.vpc_id
  vpc_cidr        = "10.9.0.0/20"
  subnet_ids      = module.network.public_subnet_ids
  public          = true
  ingress_cidrs   = ["0.0.0.0/0"]
  certificate_arn = "arn:aws:acm:eu-west-2:222222222222:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
  target_port     = 8080
}

module "web" {
  source = "../../../../stdlib/modules/ecs-service"

  name                          = "web"
  compatibility                 = "EC2"
  cluster_name                  = module.cluster.cluster_name
  cluster_arn                   = module.cluster.cluster_arn
  vpc_id                        = module.network.vpc_id
  subnet_ids                    = module.network.private_subnet_ids
  security_group_ids            = [module.network.endpoints_security_group_id, module.aurora.client_security_group_id]
  image                         = "${module.ecr.repository_url}@sha256:0000000000000000000000000000000000000000000000000000000000000000"
  image_repository_arns         = [module.ecr.repository_arn]
  container_name                = "app"
  container_port                = 8080
  command                       = ["dagster-webserver", "-h", "0.0.0.0"]
  cpu                           = 512
  memory                        = 1536
  cpu_architecture              = "ARM64"
  environment                   = { LOG_LEVEL = "info" }
  secrets                       = { API_TOKEN = "${module.secrets.secret_arns["api-token"]}:token::", DB_HOST = "arn:aws:ssm:eu-west-2:222222222222:parameter/full/db-host", DB_PASSWORD = "${module.aurora.master_user_secret_arn}:password::" }
  secrets_kms_key_arns          = [local.kms]
  task_role_policies            = { s3 = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] }) }
  task_role_managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  iam_role_name_prefix          = "full-web"
  capacity_provider_strategy    = [{ capacity_provider = module.capacity.capacity_provider_name, weight = 1, base = 1 }]
  target_group_arn              = module.lb.target_group_arn
  ingress_security_group_ids    = [module.lb.security_group_id]
  ingress_cidrs                 = ["10.100.0.0/16"]
  desired_count                 = 1
  autoscaling                   = { min_capacity = 1, max_capacity = 4, cpu_target = 60 }
  scheduled_actions = [
    { name = "weekend-off", schedule = "cron(0 20 ? * FRI *)", timezone = "Europe/London", min = 0, max = 0 },
    { name = "monday-on", schedule = "cron(0 6 ? * MON *)", timezone = "Europe/London", min = 1, max = 4 },
  ]
}

module "public_task" {
  source = "../../../../stdlib/modules/ecs-service"

  name             = "public"
  cluster_name     = module.cluster.cluster_name
  cluster_arn      = module.cluster.cluster_arn
  vpc_id           = module.network.vpc_id
  subnet_ids       = module.network.public_subnet_ids
  image            = "public.ecr.aws/nginx/nginx:stable"
  container_port   = 80
  assign_public_ip = true
  ingress_cidrs    = ["0.0.0.0/0"]
  cpu              = 16384
  memory           = 122880
  desired_count    = 1
}

module "aurora" {
  source = "../../../../stdlib/modules/aurora"

  name                            = "full-db"
  engine_version                  = "15.4"
  min_capacity                    = 0.5
  max_capacity                    = 16
  instance_count                  = 2
  vpc_id                          = module.network.vpc_id
  subnet_ids                      = module.network.database_subnet_ids
  allowed_security_group_ids      = [module.lb.security_group_id]
  kms_key_id                      = local.kms
  master_user_secret_kms_key_id   = local.kms
  final_snapshot_identifier       = "full-db-last"
  preferred_backup_window         = "02:00-03:00"
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

module "rds" {
  source = "../../../../stdlib/modules/rds"

  name                       = "full-plain"
  engine_version             = "16"
  instance_class             = "db.m7g.large"
  allocated_storage          = 100
  max_allocated_storage      = 500
  multi_az                   = true
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.database_subnet_ids
  allowed_security_group_ids = [module.lb.security_group_id]
  allowed_cidrs              = ["10.100.0.0/16"]
  kms_key_id                 = local.kms
}

module "reader_role" {
  source = "../../../../stdlib/modules/cross-account-role"

  name                 = "org-reader"
  path                 = "/sfdc/"
  trusted_role_arns    = ["arn:aws:iam::333333333333:role/analyst"]
  trusted_account_ids  = ["444444444444"]
  external_id          = "sfdata-org"
  max_session_duration = 7200
  managed_policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  permissions_boundary = "arn:aws:iam::222222222222:policy/boundary"
}

module "bucket" {
  source = "../../../../stdlib/modules/s3-bucket"

  name                            = "sfdata-la-full-external-data"
  versioning                      = false
  sse_algorithm                   = "aws:kms"
  kms_key_arn                     = local.kms
  abort_incomplete_multipart_days = 2
  reader_role_arns                = [module.reader_role.role_arn]
  reader_account_ids              = ["333333333333"]
}

# The VPN hub with three spokes in a three-zone VPC: routes are the product
# of the route tables and the spoke ranges (count arithmetic a plan checks).
module "vpn_hub" {
  source = "../../../../stdlib/modules/transit-gateway"

  name              = "full-vpn"
  amazon_side_asn   = 4200000000
  vpc_id            = module.network.vpc_id
  subnet_ids        = module.network.private_subnet_ids
  route_table_ids   = module.network.private_route_table_ids
  spoke_account_ids = ["222222222222", "333333333333", "444444444444"]
  spoke_cidrs       = ["10.1.0.0/16", "10.3.0.0/16", "10.4.0.0/16"]
  vpn_cidrs         = ["10.100.0.0/16"]
}
