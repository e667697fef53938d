# Rejection case for tier 30-tf-modules: one strategy cannot mix Fargate and Auto Scaling group providers.
# expect: a strategy cannot mix them

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}

module "m" {
  source = "../../../../stdlib/modules/ecs-service"

  name                       = "daemon"
  cluster_name               = "la"
  cluster_arn                = "arn:aws:ecs:eu-west-2:222222222222:cluster/la"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0123456789abcdef0"]
  image                      = "111111111111.dkr.ecr.eu-west-2.amazonaws.com/dagster:v1"
  capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT" }, { capacity_provider = "la-spot" }]
}
