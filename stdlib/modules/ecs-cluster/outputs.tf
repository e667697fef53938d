# Outputs of the ecs-cluster module, consumed by ecs-service.

output "cluster_name" {
  description = "Name of the cluster (ecs-service cluster_name)."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the cluster (ecs-service cluster_arn)."
  value       = aws_ecs_cluster.this.arn
}

output "capacity_providers" {
  description = "Capacity providers associated with the cluster; depends on the association, so services wired to it start after it exists."
  value       = aws_ecs_cluster_capacity_providers.this.capacity_providers
}
