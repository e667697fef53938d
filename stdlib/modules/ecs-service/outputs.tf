# Outputs of the ecs-service module.

output "service_name" {
  description = "Name of the ECS service."
  value       = local.service_name
}

output "service_arn" {
  description = "ARN of the ECS service."
  value       = local.service_arn
}

output "task_definition_arn" {
  description = "ARN (with revision) of the task definition."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "Family of the task definition (\"CLUSTER-NAME\")."
  value       = aws_ecs_task_definition.this.family
}

output "security_group_id" {
  description = "Security group of the tasks (aurora/rds allowed_security_group_ids)."
  value       = aws_security_group.this.id
}

output "execution_role_arn" {
  description = "ARN of the task execution role (image pulls, logs, secrets)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ARN of the task role (the application's own permissions; s3-bucket reader_role_arns)."
  value       = aws_iam_role.task.arn
}

output "task_role_name" {
  description = "Name of the task role, to attach more policies from outside."
  value       = aws_iam_role.task.name
}

output "log_group_name" {
  description = "CloudWatch log group of the containers."
  value       = aws_cloudwatch_log_group.this.name
}

output "scalable_target_resource_id" {
  description = "Application Auto Scaling resource ID \"service/CLUSTER/NAME\" (null without autoscaling); what the runtime plan scales."
  value       = one(aws_appautoscaling_target.this[*].resource_id)
}

output "client_security_group_id" {
  description = "Group that services reaching this one by Service Connect wear (security_group_ids), or null when not discoverable."
  value       = one(aws_security_group.clients[*].id)
}

output "connect_endpoint" {
  description = "\"name:port\" clients use when discoverable, else null."
  value       = var.discoverable ? "${local.connect_name}:${var.container_port}" : null
}
