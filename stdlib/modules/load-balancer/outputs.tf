# Outputs of the load-balancer module, consumed by ecs-service
# (target_group_arn, ingress_security_group_ids).

output "target_group_arn" {
  description = "Target group (ip targets) for ecs-service target_group_arn. Available only once a listener forwards to it, which ECS requires before the service is created."
  value       = aws_lb_target_group.this.arn
  depends_on  = [aws_lb_listener.http, aws_lb_listener.https]
}

output "security_group_id" {
  description = "Security group of the load balancer, for ecs-service ingress_security_group_ids."
  value       = aws_security_group.this.id
}

output "lb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route 53 hosted zone of the load balancer (alias records)."
  value       = aws_lb.this.zone_id
}

output "http_listener_arn" {
  description = "ARN of the port 80 listener (forwarding, or redirecting to HTTPS)."
  value       = aws_lb_listener.http.arn
}

output "https_listener_arn" {
  description = "ARN of the port 443 listener, or null without a certificate."
  value       = one(aws_lb_listener.https[*].arn)
}
