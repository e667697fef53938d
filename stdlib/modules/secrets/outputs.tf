# Outputs of the secrets module, consumed by ecs-service (secrets values).

output "secret_arns" {
  description = "Secret ARNs by name (without name_prefix): ecs-service secrets valueFrom."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "secret_names" {
  description = "Full secret names (with name_prefix) by name."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}
