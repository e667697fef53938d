# Outputs of the network module, consumed by ecs-service, load-balancer,
# ec2-spot-capacity, aurora and rds.

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC (load-balancer egress, database ingress)."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones, in the order of every subnet list below."
  value       = var.azs
}

output "public_subnet_ids" {
  description = "Public subnet IDs, one per zone (public load balancers, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnet IDs, one per zone (ECS tasks, EC2 capacity, internal load balancers)."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "Database subnet IDs, one per zone (aurora and rds subnet groups)."
  value       = aws_subnet.database[*].id
}

output "public_subnet_cidrs" {
  description = "CIDRs of the public subnets."
  value       = aws_subnet.public[*].cidr_block
}

output "private_subnet_cidrs" {
  description = "CIDRs of the private subnets (database ingress from the tasks)."
  value       = aws_subnet.private[*].cidr_block
}

output "database_subnet_cidrs" {
  description = "CIDRs of the database subnets."
  value       = aws_subnet.database[*].cidr_block
}

output "public_route_table_id" {
  description = "Route table of the public subnets."
  value       = aws_route_table.public.id
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets, one per zone."
  value       = aws_route_table.private[*].id
}

output "database_route_table_id" {
  description = "Route table of the database subnets."
  value       = aws_route_table.database.id
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs (empty when enable_nat_gateway is false)."
  value       = aws_nat_gateway.this[*].id
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (for allow-lists elsewhere)."
  value       = aws_eip.nat[*].public_ip
}

output "vpc_endpoint_ids" {
  description = "VPC endpoint IDs by service short name (gateway and interface)."
  value       = merge({ for k, e in aws_vpc_endpoint.gateway : k => e.id }, { for k, e in aws_vpc_endpoint.interface : k => e.id })
}

output "endpoints_security_group_id" {
  description = "Security group of the interface endpoints, or null when there are none."
  value       = one(aws_security_group.endpoints[*].id)
}
