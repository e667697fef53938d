# transit-gateway: the VPN hub, in the account that holds the VPN. One
# Transit Gateway, shared through AWS RAM with the accounts whose VPCs run
# VPN-only services (the spokes, module transit-gateway-attachment), the
# hub's own VPC attached to it, and routes both ways: the hub VPC's private
# route tables send each spoke VPC's range to the gateway, and the gateway
# sends the VPN's range to the hub VPC, where the VPN ends.
#
# The share admits principals of the organisation only
# (allow_external_principals = false): with RAM sharing enabled for the
# organisation, spoke accounts see the gateway without an invitation, and a
# mistyped account id outside it is refused rather than invited. Shared
# attachments are accepted automatically and join the default route table,
# which learns each spoke's range from its attachment (propagation): adding
# a spoke never edits the hub.

resource "aws_ec2_transit_gateway" "this" {
  description                     = "${var.name}: VPN hub, managed by sfdc"
  amazon_side_asn                 = var.amazon_side_asn
  auto_accept_shared_attachments  = "enable"
  default_route_table_association = "enable"
  default_route_table_propagation = "enable"
  dns_support                     = "enable"

  tags = merge(var.tags, { Name = var.name })
}

# The share's name is the one thing a spoke knows in advance: it finds the
# gateway by it (tags stay with the owner; names are visible to consumers).
resource "aws_ram_resource_share" "this" {
  name                      = var.name
  allow_external_principals = false

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_ram_resource_association" "this" {
  resource_arn       = aws_ec2_transit_gateway.this.arn
  resource_share_arn = aws_ram_resource_share.this.arn
}

resource "aws_ram_principal_association" "spoke" {
  count = length(var.spoke_account_ids)

  principal          = var.spoke_account_ids[count.index]
  resource_share_arn = aws_ram_resource_share.this.arn
}

resource "aws_ec2_transit_gateway_vpc_attachment" "hub" {
  transit_gateway_id = aws_ec2_transit_gateway.this.id
  vpc_id             = var.vpc_id
  subnet_ids         = var.subnet_ids
  dns_support        = "enable"

  tags = merge(var.tags, { Name = "${var.name}-hub" })
}

# Hub VPC -> every spoke VPC, from each private route table (where the VPN
# endpoint's subnets route).
resource "aws_route" "to_spoke" {
  count = length(var.route_table_ids) * length(var.spoke_cidrs)

  route_table_id         = var.route_table_ids[floor(count.index / length(var.spoke_cidrs))]
  destination_cidr_block = var.spoke_cidrs[count.index % length(var.spoke_cidrs)]
  transit_gateway_id     = aws_ec2_transit_gateway.this.id

  depends_on = [aws_ec2_transit_gateway_vpc_attachment.hub]
}

# Gateway -> hub VPC for the VPN's range: replies from the spokes go back
# to where the VPN ends. A static route, as the range is not a VPC's.
resource "aws_ec2_transit_gateway_route" "vpn" {
  count = length(var.vpn_cidrs)

  destination_cidr_block         = var.vpn_cidrs[count.index]
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.hub.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway.this.association_default_route_table_id
}
