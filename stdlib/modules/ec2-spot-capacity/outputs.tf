# Outputs of the ec2-spot-capacity module, consumed by ecs-cluster
# (ec2_capacity_providers) and ecs-service (capacity_provider_strategy).

output "capacity_provider_name" {
  description = "Name of the ECS capacity provider: list it in ecs-cluster ec2_capacity_providers and name it in ecs-service capacity_provider_strategy."
  value       = aws_ecs_capacity_provider.this.name
}

output "capacity_provider_arn" {
  description = "ARN of the ECS capacity provider."
  value       = aws_ecs_capacity_provider.this.arn
}

output "autoscaling_group_name" {
  description = "Name of the Auto Scaling group."
  value       = local.asg_name
}

output "autoscaling_group_arn" {
  description = "ARN of the Auto Scaling group."
  value       = local.asg_arn
}

output "launch_template_id" {
  description = "ID of the launch template."
  value       = aws_launch_template.this.id
}

output "instance_role_name" {
  description = "Name of the instance role created here, or null when instance_profile_name was given."
  value       = one(aws_iam_role.this[*].name)
}

output "security_group_id" {
  description = "Security group of the container instances."
  value       = aws_security_group.this.id
}
