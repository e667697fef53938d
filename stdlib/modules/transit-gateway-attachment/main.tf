# transit-gateway-attachment: a spoke of the VPN hub (module transit-gateway).
# Attaches this account's VPC to the hub's Transit Gateway and routes the
# VPN's range and the hub VPC from the private route tables to it; the hub
# learns this VPC's range from the attachment (route propagation).
#
# How the gateway is found: the hub's account shares it through AWS RAM
# under a name both sides derive from the platform (sfdc writes the same
# name into both units). The share's name, owner and resources are visible
# to the accounts it is shared with; the gateway's tags are not. So the
# spoke reads no other account's Terraform state and needs no id copied by
# hand: the share is looked up by name, checked to come from the expected
# owner, and the gateway is the one Transit Gateway it carries.

data "aws_ram_resource_share" "hub" {
  name           = var.share_name
  resource_owner = "OTHER-ACCOUNTS"

  lifecycle {
    postcondition {
      condition     = self.owning_account_id == var.hub_account_id
      error_message = "the RAM share found by share_name is not owned by hub_account_id: refusing to attach to another account's gateway."
    }
    postcondition {
      condition     = length([for a in self.resource_arns : a if can(regex(":transit-gateway/tgw-", a))]) == 1
      error_message = "the RAM share carries no Transit Gateway (or more than one): has the hub been applied and shared with this account?"
    }
  }
}

locals {
  transit_gateway_id = one([for a in data.aws_ram_resource_share.hub.resource_arns : element(split("/", a), 1) if can(regex(":transit-gateway/tgw-", a))])
}

# A shared gateway's attachments are accepted automatically by the hub
# (auto_accept_shared_attachments) and join its default route table; the
# default association and propagation settings belong to the gateway's
# owner, so they are not set here.
resource "aws_ec2_transit_gateway_vpc_attachment" "this" {
  transit_gateway_id = local.transit_gateway_id
  vpc_id             = var.vpc_id
  subnet_ids         = var.subnet_ids
  dns_support        = "enable"

  tags = merge(var.tags, { Name = var.name })
}

# Private route tables -> the VPN's range and the hub VPC, through the
# gateway: replies to VPN clients leave the VPC the way they came.
resource "aws_route" "to_hub" {
  count = length(var.route_table_ids) * length(var.destination_cidrs)

  route_table_id         = var.route_table_ids[floor(count.index / length(var.destination_cidrs))]
  destination_cidr_block = var.destination_cidrs[count.index % length(var.destination_cidrs)]
  transit_gateway_id     = local.transit_gateway_id

  depends_on = [aws_ec2_transit_gateway_vpc_attachment.this]
}
