# Outputs of the ecs-on-demand module.

output "rule_name" {
  description = "The EventBridge rule matching the uploads."
  value       = aws_cloudwatch_event_rule.this.name
}

output "rule_arn" {
  description = "Its ARN."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "event_pattern" {
  description = "The rule's event pattern (JSON), for aws events test-event-pattern."
  value       = aws_cloudwatch_event_rule.this.event_pattern
}

output "scale_up_policy_arn" {
  description = "Step policy an upload drives (mode service), else null."
  value       = one(aws_appautoscaling_policy.up[*].arn)
}

output "scale_down_policy_arn" {
  description = "Step policy the idle alarm drives (mode service), else null."
  value       = one(aws_appautoscaling_policy.down[*].arn)
}

output "events_role_arn" {
  description = "Role EventBridge runs tasks with (mode task), else null."
  value       = one(aws_iam_role.events[*].arn)
}
