# ecs-on-demand: starts an ECS service (or one task of it) when an object
# lands in a bucket of the same account, and brings the service back to its
# minimum after an idle period. AWS parts only, no user code:
#
#   S3 (EventBridge notifications on) -> EventBridge rule (bucket + prefix)
#     mode "service": -> CloudWatch Logs -> metric filter (uploads a minute)
#                        -> alarm "upload"  -> step policy: ExactCapacity max
#                        -> alarm "idle"    -> step policy: ExactCapacity min
#     mode "task":    -> ECS RunTask (its role may run only this task family)
#
# The service's scalable target belongs to ecs-service; this module only adds
# policies to it, so the service unit comes first.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  service_mode = var.mode == "service"
  metric_ns    = "sfdc/OnDemand"
  metric_name  = "${var.name}-uploads"
  resource_id  = "service/${var.cluster_name}/${var.service_name}"

  # The S3 "Object Created" event of one bucket, optionally under a prefix.
  pattern = {
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = merge(
      { bucket = { name = [var.bucket_name] } },
      var.key_prefix == null ? {} : { object = { key = [{ prefix = var.key_prefix }] } },
    )
  }
}

resource "aws_cloudwatch_event_rule" "this" {
  name          = var.name
  description   = "uploads to ${var.bucket_name} start ${var.service_name}"
  event_pattern = jsonencode(local.pattern)
  tags          = var.tags
}

# --- mode "service": count uploads, scale up on one, down after idle ----------

resource "aws_cloudwatch_log_group" "events" {
  count = local.service_mode ? 1 : 0

  name              = "/aws/events/sfdc/${var.name}"
  retention_in_days = 1
  tags              = var.tags
}

# EventBridge writes to a log group only if a resource policy lets it.
data "aws_iam_policy_document" "events_to_logs" {
  count = local.service_mode ? 1 : 0

  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.events[0].arn}:*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "events" {
  count = local.service_mode ? 1 : 0

  policy_name     = var.name
  policy_document = data.aws_iam_policy_document.events_to_logs[0].json
}

resource "aws_cloudwatch_event_target" "logs" {
  count = local.service_mode ? 1 : 0

  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "uploads"
  arn       = aws_cloudwatch_log_group.events[0].arn
}

resource "aws_cloudwatch_log_metric_filter" "uploads" {
  count = local.service_mode ? 1 : 0

  name           = local.metric_name
  log_group_name = aws_cloudwatch_log_group.events[0].name
  pattern        = "{ $.source = \"aws.s3\" }"

  metric_transformation {
    name      = local.metric_name
    namespace = local.metric_ns
    value     = "1"
    unit      = "Count"
  }
}

resource "aws_appautoscaling_policy" "up" {
  count = local.service_mode ? 1 : 0

  name               = "${var.name}-up"
  policy_type        = "StepScaling"
  service_namespace  = "ecs"
  resource_id        = local.resource_id
  scalable_dimension = "ecs:service:DesiredCount"

  step_scaling_policy_configuration {
    adjustment_type         = "ExactCapacity"
    cooldown                = 60
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = var.max_capacity
    }
  }
}

resource "aws_appautoscaling_policy" "down" {
  count = local.service_mode ? 1 : 0

  name               = "${var.name}-idle"
  policy_type        = "StepScaling"
  service_namespace  = "ecs"
  resource_id        = local.resource_id
  scalable_dimension = "ecs:service:DesiredCount"

  step_scaling_policy_configuration {
    adjustment_type         = "ExactCapacity"
    cooldown                = 60
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = var.min_capacity
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "upload" {
  count = local.service_mode ? 1 : 0

  alarm_name          = "${var.name}-upload"
  alarm_description   = "an upload to ${var.bucket_name}: ${var.service_name} to ${var.max_capacity} tasks"
  namespace           = local.metric_ns
  metric_name         = local.metric_name
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.up[0].arn]
  tags                = var.tags
}

# No data is no upload: FILL turns the silent minutes into zeros, so the
# alarm (and the step policy it drives) sees a value to compare.
resource "aws_cloudwatch_metric_alarm" "idle" {
  count = local.service_mode ? 1 : 0

  alarm_name          = "${var.name}-idle"
  alarm_description   = "no upload to ${var.bucket_name} for ${var.idle_minutes} min: ${var.service_name} back to ${var.min_capacity}"
  evaluation_periods  = var.idle_minutes
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_appautoscaling_policy.down[0].arn]
  tags                = var.tags

  metric_query {
    id          = "uploads"
    expression  = "FILL(m, 0)"
    label       = "uploads a minute"
    return_data = true
  }

  metric_query {
    id = "m"
    metric {
      namespace   = local.metric_ns
      metric_name = local.metric_name
      stat        = "Sum"
      period      = 60
    }
  }
}

# --- mode "task": one RunTask per upload --------------------------------------

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# RunTask of this family only, and PassRole of the task's two roles only.
data "aws_iam_policy_document" "run_task" {
  count = local.service_mode ? 0 : 1

  statement {
    actions   = ["ecs:RunTask"]
    resources = ["arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:task-definition/${var.task_definition_family}:*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }
  statement {
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns
  }
}

resource "aws_iam_role" "events" {
  count = local.service_mode ? 0 : 1

  name               = "${var.iam_role_name_prefix}-start"
  assume_role_policy = data.aws_iam_policy_document.events_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "events" {
  count = local.service_mode ? 0 : 1

  name   = "run-task"
  role   = aws_iam_role.events[0].id
  policy = data.aws_iam_policy_document.run_task[0].json
}

resource "aws_cloudwatch_event_target" "task" {
  count = local.service_mode ? 0 : 1

  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "run-task"
  arn       = var.cluster_arn
  role_arn  = aws_iam_role.events[0].arn

  ecs_target {
    task_definition_arn = var.task_definition_arn
    task_count          = 1
    propagate_tags      = "TASK_DEFINITION"

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
      security_groups  = var.security_group_ids
      assign_public_ip = false
    }
  }
}
