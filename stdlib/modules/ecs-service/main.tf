# ecs-service: one ECS service in awsvpc mode. Capacity comes only from a
# capacity provider strategy (never launch_type, which would ignore spot);
# there is always a network configuration (private subnets, own security
# group with explicit egress, no public IP unless asked); secrets reach the
# container through `secrets`, never the plain environment; when autoscaled,
# Terraform leaves desired_count to Application Auto Scaling and schedules.

data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  container_name = coalesce(var.container_name, var.name)
  family         = "${var.cluster_name}-${var.name}"
  iam_prefix     = var.iam_role_name_prefix != null ? var.iam_role_name_prefix : "${var.cluster_name}-${var.name}"
  log_group      = "/ecs/${var.cluster_name}/${var.name}"
  fargate        = var.compatibility == "FARGATE"
  autoscaled     = var.autoscaling != null
  has_lb         = var.target_group_arn != null
  # Service Connect name: port name, discovery name and DNS name ("code-server").
  connect_name = replace(lower(var.name), "_", "-")

  strategy_cps = [for s in var.capacity_provider_strategy : s.capacity_provider]
  fargate_cps  = [for p in local.strategy_cps : p if contains(["FARGATE", "FARGATE_SPOT"], p)]

  # Fargate CPU/memory pairs (MiB), as AWS accepts them.
  fargate_sizes_ok = (
    (var.cpu == 256 && contains([512, 1024, 2048], var.memory)) ||
    (var.cpu == 512 && var.memory >= 1024 && var.memory <= 4096 && var.memory % 1024 == 0) ||
    (var.cpu == 1024 && var.memory >= 2048 && var.memory <= 8192 && var.memory % 1024 == 0) ||
    (var.cpu == 2048 && var.memory >= 4096 && var.memory <= 16384 && var.memory % 1024 == 0) ||
    (var.cpu == 4096 && var.memory >= 8192 && var.memory <= 30720 && var.memory % 1024 == 0) ||
    (var.cpu == 8192 && var.memory >= 16384 && var.memory <= 61440 && var.memory % 4096 == 0) ||
    (var.cpu == 16384 && var.memory >= 32768 && var.memory <= 122880 && var.memory % 8192 == 0)
  )

  # Secrets Manager valueFrom may carry ":json-key:stage:version"; IAM wants the secret ARN.
  secret_arns = distinct([for v in values(var.secrets) : join(":", slice(split(":", v), 0, 7)) if can(regex("^arn:[^:]+:secretsmanager:", v))])
  ssm_arns    = distinct([for v in values(var.secrets) : v if can(regex("^arn:[^:]+:ssm:", v))])

  container = merge(
    {
      name        = local.container_name
      image       = var.image
      essential   = true
      environment = [for k, v in var.environment : { name = k, value = v }]
      secrets     = [for k, v in var.secrets : { name = k, valueFrom = v }]
      portMappings = var.container_port == null ? [] : [merge({
        containerPort = var.container_port
        hostPort      = var.container_port
        protocol      = "tcp"
      }, var.discoverable ? { name = local.connect_name } : {})]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = data.aws_region.current.name
          awslogs-stream-prefix = "ecs"
        }
      }
    },
    var.command == null ? {} : { command = var.command },
  )
}

# --- logs ---------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# --- execution role: pull images (cross-account too), write logs, read secrets -

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "EcrPull"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = length(var.image_repository_arns) > 0 ? sort(var.image_repository_arns) : ["*"]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = length(local.secret_arns) > 0 ? [1] : []
    content {
      sid       = "SecretsManager"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = sort(local.secret_arns)
    }
  }

  dynamic "statement" {
    for_each = length(local.ssm_arns) > 0 ? [1] : []
    content {
      sid       = "SsmParameters"
      actions   = ["ssm:GetParameters"]
      resources = sort(local.ssm_arns)
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = sort(var.secrets_kms_key_arns)
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.iam_prefix}-exec"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = length(local.iam_prefix) <= 59
      error_message = "IAM role names are limited to 64 characters: set iam_role_name_prefix to at most 59 characters."
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-logs-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- task role: what the application itself may do ---------------------------

resource "aws_iam_role" "task" {
  name               = "${local.iam_prefix}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  for_each = var.task_role_policies

  name   = each.key
  role   = aws_iam_role.task.id
  policy = each.value
}

resource "aws_iam_role_policy_attachment" "task" {
  count = length(var.task_role_managed_policy_arns)

  role       = aws_iam_role.task.name
  policy_arn = var.task_role_managed_policy_arns[count.index]
}

# --- task definition ----------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  family                   = local.family
  network_mode             = "awsvpc"
  requires_compatibilities = [var.compatibility]
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.container])

  dynamic "runtime_platform" {
    for_each = var.cpu_architecture == null ? [] : [1]
    content {
      operating_system_family = "LINUX"
      cpu_architecture        = var.cpu_architecture
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !local.fargate || local.fargate_sizes_ok
      error_message = "cpu/memory is not a valid Fargate pair: 256 takes 512, 1024 or 2048 MiB; 512 takes 1024-4096; 1024 takes 2048-8192; 2048 takes 4096-16384; 4096 takes 8192-30720 (1024 steps); 8192 takes 16384-61440 (4096 steps); 16384 takes 32768-122880 (8192 steps)."
    }
    precondition {
      condition     = length(setintersection(keys(var.environment), keys(var.secrets))) == 0
      error_message = "a variable cannot be both in environment and in secrets."
    }
  }
}

# --- security group -----------------------------------------------------------

resource "aws_security_group" "this" {
  name        = "${var.cluster_name}-${var.name}"
  description = "ECS service ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.cluster_name}-${var.name}" })

  lifecycle {
    precondition {
      condition     = var.assign_public_ip || !anytrue([for c in var.ingress_cidrs : endswith(c, "/0")])
      error_message = "a private service cannot accept ingress from 0.0.0.0/0."
    }
    precondition {
      condition     = var.container_port != null || (length(var.ingress_cidrs) == 0 && length(var.ingress_security_group_ids) == 0)
      error_message = "ingress_cidrs and ingress_security_group_ids need container_port."
    }
  }
}

# count, not for_each: the group IDs usually come from another module and are
# unknown until apply.
resource "aws_vpc_security_group_ingress_rule" "from_groups" {
  count = var.container_port == null ? 0 : length(var.ingress_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "container port from a load balancer or peer"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.ingress_security_group_ids[count.index]
}

resource "aws_vpc_security_group_ingress_rule" "from_cidrs" {
  count = var.container_port == null ? 0 : length(var.ingress_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "container port from an allowed network"
  ip_protocol       = "tcp"
  from_port         = var.container_port
  to_port           = var.container_port
  cidr_ipv4         = var.ingress_cidrs[count.index]
}

# Service Connect clients (services that `connects` to this one) wear this
# group; the service admits it on its port. Clients depend on the server,
# never the reverse, as with a database's client group.
resource "aws_security_group" "clients" {
  count = var.discoverable ? 1 : 0

  name        = "${var.cluster_name}-${var.name}-clients"
  description = "clients of ECS service ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.cluster_name}-${var.name}-clients" })

  lifecycle {
    precondition {
      condition     = var.container_port != null && var.service_connect_namespace != null
      error_message = "discoverable needs container_port and service_connect_namespace."
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  count = var.discoverable ? 1 : 0

  security_group_id            = aws_security_group.this.id
  description                  = "container port from Service Connect clients"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.clients[0].id
}

resource "aws_vpc_security_group_egress_rule" "this" {
  count = length(var.egress_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "images, logs, secrets and AWS APIs"
  ip_protocol       = "-1"
  cidr_ipv4         = var.egress_cidrs[count.index]
}

# --- service ------------------------------------------------------------------
# Two variants because ignore_changes must be static: when autoscaled the
# desired count belongs to Application Auto Scaling, otherwise to Terraform.
# Keep the two blocks identical apart from lifecycle.

resource "aws_ecs_service" "autoscaled" {
  count = local.autoscaled ? 1 : 0

  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  platform_version                   = local.fargate ? var.platform_version : null
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  enable_execute_command             = var.enable_execute_command
  health_check_grace_period_seconds  = local.has_lb ? var.health_check_grace_period_seconds : null
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = concat([aws_security_group.this.id], var.security_group_ids)
    assign_public_ip = var.assign_public_ip
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = local.has_lb ? [1] : []
    content {
      target_group_arn = var.target_group_arn
      container_name   = local.container_name
      container_port   = var.container_port
    }
  }

  dynamic "service_connect_configuration" {
    for_each = var.service_connect_namespace == null ? [] : [1]
    content {
      enabled   = true
      namespace = var.service_connect_namespace

      dynamic "service" {
        for_each = var.discoverable ? [1] : []
        content {
          port_name      = local.connect_name
          discovery_name = local.connect_name
          client_alias {
            port     = var.container_port
            dns_name = local.connect_name
          }
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    ignore_changes = [desired_count]

    precondition {
      condition     = var.desired_count >= var.autoscaling.min_capacity && var.desired_count <= var.autoscaling.max_capacity
      error_message = "desired_count must lie within autoscaling min_capacity..max_capacity."
    }
    precondition {
      condition     = local.fargate ? length(local.fargate_cps) == length(local.strategy_cps) : length(local.fargate_cps) == 0
      error_message = "compatibility FARGATE needs only FARGATE/FARGATE_SPOT providers; EC2 needs only Auto Scaling group providers (a strategy cannot mix them)."
    }
    precondition {
      condition     = !var.assign_public_ip || local.fargate
      error_message = "assign_public_ip is only supported for Fargate tasks."
    }
    precondition {
      condition     = !local.has_lb || var.container_port != null
      error_message = "target_group_arn needs container_port."
    }
  }
}

resource "aws_ecs_service" "fixed" {
  count = local.autoscaled ? 0 : 1

  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  platform_version                   = local.fargate ? var.platform_version : null
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  enable_execute_command             = var.enable_execute_command
  health_check_grace_period_seconds  = local.has_lb ? var.health_check_grace_period_seconds : null
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      weight            = capacity_provider_strategy.value.weight
      base              = capacity_provider_strategy.value.base
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = concat([aws_security_group.this.id], var.security_group_ids)
    assign_public_ip = var.assign_public_ip
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = local.has_lb ? [1] : []
    content {
      target_group_arn = var.target_group_arn
      container_name   = local.container_name
      container_port   = var.container_port
    }
  }

  dynamic "service_connect_configuration" {
    for_each = var.service_connect_namespace == null ? [] : [1]
    content {
      enabled   = true
      namespace = var.service_connect_namespace

      dynamic "service" {
        for_each = var.discoverable ? [1] : []
        content {
          port_name      = local.connect_name
          discovery_name = local.connect_name
          client_alias {
            port     = var.container_port
            dns_name = local.connect_name
          }
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(var.scheduled_actions) == 0
      error_message = "scheduled_actions need autoscaling (they change its bounds)."
    }
    precondition {
      condition     = local.fargate ? length(local.fargate_cps) == length(local.strategy_cps) : length(local.fargate_cps) == 0
      error_message = "compatibility FARGATE needs only FARGATE/FARGATE_SPOT providers; EC2 needs only Auto Scaling group providers (a strategy cannot mix them)."
    }
    precondition {
      condition     = !var.assign_public_ip || local.fargate
      error_message = "assign_public_ip is only supported for Fargate tasks."
    }
    precondition {
      condition     = !local.has_lb || var.container_port != null
      error_message = "target_group_arn needs container_port."
    }
  }
}

locals {
  service_name = one(concat(aws_ecs_service.autoscaled[*].name, aws_ecs_service.fixed[*].name))
  service_arn  = one(concat(aws_ecs_service.autoscaled[*].id, aws_ecs_service.fixed[*].id))
}

# --- Application Auto Scaling -------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  count = local.autoscaled ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${local.service_name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity
}

resource "aws_appautoscaling_policy" "cpu" {
  count = local.autoscaled ? (var.autoscaling.cpu_target != null ? 1 : 0) : 0

  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.autoscaling.cpu_target
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_scheduled_action" "this" {
  for_each = local.autoscaled ? { for a in var.scheduled_actions : a.name => a } : {}

  name               = each.key
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  schedule           = each.value.schedule
  timezone           = each.value.timezone

  scalable_target_action {
    min_capacity = each.value.min
    max_capacity = each.value.max
  }
}
