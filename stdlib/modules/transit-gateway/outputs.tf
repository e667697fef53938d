# Outputs of the transit-gateway module.

output "transit_gateway_id" {
  description = "ID of the Transit Gateway."
  value       = aws_ec2_transit_gateway.this.id
}

output "transit_gateway_arn" {
  description = "ARN of the Transit Gateway (the resource the RAM share carries)."
  value       = aws_ec2_transit_gateway.this.arn
}

output "route_table_id" {
  description = "The gateway's default route table: every attachment is associated with it and propagates to it."
  value       = aws_ec2_transit_gateway.this.association_default_route_table_id
}

output "resource_share_arn" {
  description = "ARN of the RAM resource share."
  value       = aws_ram_resource_share.this.arn
}

output "resource_share_name" {
  description = "Name of the RAM resource share (what spokes look the gateway up by)."
  value       = aws_ram_resource_share.this.name
}

output "hub_attachment_id" {
  description = "ID of the hub VPC's attachment."
  value       = aws_ec2_transit_gateway_vpc_attachment.hub.id
}
