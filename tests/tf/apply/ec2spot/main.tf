# Apply test (tier 35-tf-apply): ECS on EC2 spot instances. An Auto Scaling
# group of spot instances (0% on-demand) that may shrink to zero, its
# capacity provider with managed scaling and termination protection, the
# cluster using it as default strategy, and a service placed on it through
# its capacity provider strategy, applied against moto.

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

module "network" {
  source = "../../../../stdlib/modules/network"

  name = "spot-test"
  cidr = "10.3.0.0/16"
  azs  = ["eu-west-2a", "eu-west-2b"]
}

# Applied before the cluster: it needs only the cluster's name.
module "capacity" {
  source = "../../../../stdlib/modules/ec2-spot-capacity"

  name                      = "spot-test-asg"
  cluster_name              = "spot-test"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  instance_types            = ["t3.medium", "t3a.medium", "m5.large"]
  min_size                  = 0
  max_size                  = 4
  target_capacity           = 100
  minimum_scaling_step_size = 1
}

module "cluster" {
  source = "../../../../stdlib/modules/ecs-cluster"

  name                               = "spot-test"
  container_insights                 = "disabled"
  fargate_capacity_providers         = []
  ec2_capacity_providers             = [module.capacity.capacity_provider_name]
  default_capacity_provider_strategy = [{ capacity_provider = module.capacity.capacity_provider_name }]
}

module "worker" {
  source = "../../../../stdlib/modules/ecs-service"

  name                       = "worker"
  compatibility              = "EC2"
  cluster_name               = module.cluster.cluster_name
  cluster_arn                = module.cluster.cluster_arn
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  image                      = "111111111111.dkr.ecr.eu-west-2.amazonaws.com/sfdata/dagster:v1"
  cpu                        = 256
  memory                     = 512
  capacity_provider_strategy = [{ capacity_provider = module.capacity.capacity_provider_name, weight = 1 }]
  desired_count              = 0
  autoscaling                = { min_capacity = 0, max_capacity = 2 }
}

output "cluster_name" {
  value = module.cluster.cluster_name
}

output "capacity_provider" {
  value = module.capacity.capacity_provider_name
}

output "asg_name" {
  value = module.capacity.autoscaling_group_name
}
