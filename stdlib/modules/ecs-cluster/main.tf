# ecs-cluster: the ECS cluster of one account and its capacity providers.
# Spot is reached through a capacity provider strategy (FARGATE_SPOT or an EC2
# spot Auto Scaling group from ec2-spot-capacity), never through launch types.

locals {
  providers    = concat(var.fargate_capacity_providers, var.ec2_capacity_providers)
  strategy_cps = [for s in var.default_capacity_provider_strategy : s.capacity_provider]
  fargate_cps  = [for p in local.strategy_cps : p if contains(["FARGATE", "FARGATE_SPOT"], p)]
}

resource "aws_service_discovery_http_namespace" "this" {
  count = var.service_connect_namespace == null ? 0 : 1

  name        = var.service_connect_namespace
  description = "ECS Service Connect of cluster ${var.name}"
  tags        = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  dynamic "service_connect_defaults" {
    for_each = aws_service_discovery_http_namespace.this
    content {
      namespace = service_connect_defaults.value.arn
    }
  }

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = local.providers

  dynamic "default_capacity_provider_strategy" {
    for_each = var.default_capacity_provider_strategy
    content {
      capacity_provider = default_capacity_provider_strategy.value.capacity_provider
      weight            = default_capacity_provider_strategy.value.weight
      base              = default_capacity_provider_strategy.value.base
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for p in local.strategy_cps : contains(local.providers, p)])
      error_message = "every provider in default_capacity_provider_strategy must be associated (listed in fargate_capacity_providers or ec2_capacity_providers)."
    }
    precondition {
      condition     = length(local.fargate_cps) == 0 || length(local.fargate_cps) == length(local.strategy_cps)
      error_message = "a capacity provider strategy cannot mix Fargate providers with Auto Scaling group providers."
    }
    precondition {
      condition     = length(local.providers) == length(distinct(local.providers))
      error_message = "capacity providers must not be listed twice."
    }
  }
}
