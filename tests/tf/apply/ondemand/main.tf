# On-demand starts, applied against moto by tier 43-on-demand: an ingress
# bucket with EventBridge notifications, an ECS cluster with a Service
# Connect namespace, and ecs-on-demand in both modes. The scalable target
# and its service stand in for ecs-service's (applied by tier 35); the task
# mode's task definition and roles are plain resources for the same reason.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region = "eu-west-2"
}

resource "aws_vpc" "this" {
  cidr_block = "10.43.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.this.id
  cidr_block = "10.43.0.0/20"
}

resource "aws_security_group" "tasks" {
  name   = "sfd-t43-tasks"
  vpc_id = aws_vpc.this.id
}

module "ingress" {
  source = "../../../../stdlib/modules/s3-bucket"

  name        = "sfd-t43-ingress"
  tls_only    = false
  eventbridge = true
}

module "cluster" {
  source = "../../../../stdlib/modules/ecs-cluster"

  name                      = "sfd-t43"
  container_insights        = "disabled"
  service_connect_namespace = "sfd-t43"
}

# A stand-in for ecs-service's service and scalable target (tier 35 applies
# ecs-service itself): Application Auto Scaling needs the service to exist.
resource "aws_ecs_service" "daemon" {
  name            = "daemon"
  cluster         = module.cluster.cluster_arn
  task_definition = aws_ecs_task_definition.loader.arn
  desired_count   = 0

  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }

  network_configuration {
    subnets          = [aws_subnet.private.id]
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }
}

resource "aws_appautoscaling_target" "daemon" {
  service_namespace  = "ecs"
  resource_id        = "service/${module.cluster.cluster_name}/${aws_ecs_service.daemon.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 0
  max_capacity       = 2
}

module "daemon_ingress" {
  source = "../../../../stdlib/modules/ecs-on-demand"

  name         = "sfd-t43-daemon-ingress"
  bucket_name  = module.ingress.bucket
  key_prefix   = "incoming/"
  cluster_name = module.cluster.cluster_name
  cluster_arn  = module.cluster.cluster_arn
  service_name = "daemon"
  min_capacity = 0
  max_capacity = 2
  idle_minutes = 30

  depends_on = [aws_appautoscaling_target.daemon]
}

data "aws_iam_policy_document" "tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "loader" {
  name               = "sfd-t43-loader-task"
  assume_role_policy = data.aws_iam_policy_document.tasks_assume.json
}

resource "aws_ecs_task_definition" "loader" {
  family                   = "sfd-t43-loader"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.loader.arn
  task_role_arn            = aws_iam_role.loader.arn
  container_definitions    = jsonencode([{ name = "loader", image = "busybox", essential = true }])
}

module "loader_ingress" {
  source = "../../../../stdlib/modules/ecs-on-demand"

  name                       = "sfd-t43-loader-ingress"
  bucket_name                = module.ingress.bucket
  mode                       = "task"
  cluster_name               = module.cluster.cluster_name
  cluster_arn                = module.cluster.cluster_arn
  service_name               = "loader"
  task_definition_arn        = aws_ecs_task_definition.loader.arn
  task_definition_family     = aws_ecs_task_definition.loader.family
  pass_role_arns             = [aws_iam_role.loader.arn]
  capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1 }]
  subnet_ids                 = [aws_subnet.private.id]
  security_group_ids         = [aws_security_group.tasks.id]
  iam_role_name_prefix       = "sfd-t43-loader"
}

output "bucket" {
  value = module.ingress.bucket
}

output "cluster_name" {
  value = module.cluster.cluster_name
}

output "namespace_arn" {
  value = module.cluster.service_connect_namespace_arn
}

output "daemon_rule" {
  value = module.daemon_ingress.rule_name
}

output "loader_rule" {
  value = module.loader_ingress.rule_name
}

output "events_role_arn" {
  value = module.loader_ingress.events_role_arn
}
