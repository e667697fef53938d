# Outputs of the ecs-cluster module, consumed by ecs-service.

# Both depend on the capacity provider association: a service whose strategy
# names a provider the cluster does not have yet is rejected by ECS.

output "cluster_name" {
  description = "Name of the cluster (ecs-service cluster_name). Available once the capacity providers are associated."
  value       = aws_ecs_cluster.this.name
  depends_on  = [aws_ecs_cluster_capacity_providers.this]
}

output "cluster_arn" {
  description = "ARN of the cluster (ecs-service cluster_arn). Available once the capacity providers are associated."
  value       = aws_ecs_cluster.this.arn
  depends_on  = [aws_ecs_cluster_capacity_providers.this]
}

output "capacity_providers" {
  description = "Capacity providers associated with the cluster."
  value       = aws_ecs_cluster_capacity_providers.this.capacity_providers
}

output "service_connect_namespace_arn" {
  description = "The Service Connect namespace's ARN (ecs-service service_connect_namespace), or null."
  value       = one(aws_service_discovery_http_namespace.this[*].arn)
}
