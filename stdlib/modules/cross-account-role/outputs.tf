# Outputs of the cross-account-role module.

output "role_arn" {
  description = "ARN of the role (what the other account assumes; s3-bucket reader_role_arns for a reader role)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "role_unique_id" {
  description = "Stable unique ID of the role (AROA...)."
  value       = aws_iam_role.this.unique_id
}
