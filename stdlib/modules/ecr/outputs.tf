# Outputs of the ecr module, consumed by ecs-service (image, image_repository_arns).

output "repository_name" {
  description = "Name of the repository."
  value       = aws_ecr_repository.this.name
}

output "repository_arn" {
  description = "ARN of the repository (ecs-service image_repository_arns)."
  value       = aws_ecr_repository.this.arn
}

output "repository_url" {
  description = "Registry URL of the repository, ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME; append \":TAG\" or \"@sha256:...\" for ecs-service image."
  value       = aws_ecr_repository.this.repository_url
}

output "registry_id" {
  description = "Account ID of the registry holding the repository."
  value       = aws_ecr_repository.this.registry_id
}
