# Outputs of the transit-gateway-attachment module.

output "transit_gateway_id" {
  description = "ID of the hub's Transit Gateway, as found through the RAM share."
  value       = local.transit_gateway_id
}

output "attachment_id" {
  description = "ID of this VPC's attachment."
  value       = aws_ec2_transit_gateway_vpc_attachment.this.id
}
