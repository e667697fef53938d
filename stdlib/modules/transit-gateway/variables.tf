# Inputs of the transit-gateway module: the VPN hub of one deployment.

variable "name" {
  description = "Name of the Transit Gateway and of its RAM resource share; spokes find the gateway by this share name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,62}$", var.name))
    error_message = "name must be 1-63 letters, digits or hyphens, starting with a letter or digit."
  }
}

variable "amazon_side_asn" {
  description = "Private ASN of the gateway's AWS side (64512-65534 or 4200000000-4294967294); must differ from a VPN's customer gateway ASN."
  type        = number
  default     = 64512

  validation {
    condition     = (var.amazon_side_asn >= 64512 && var.amazon_side_asn <= 65534) || (var.amazon_side_asn >= 4200000000 && var.amazon_side_asn <= 4294967294)
    error_message = "amazon_side_asn must be a private ASN: 64512-65534 or 4200000000-4294967294."
  }
}

variable "vpc_id" {
  description = "The hub VPC, where the VPN ends (network vpc_id)."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the hub VPC for the gateway attachment, one per zone (network private_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must name at least one subnet."
  }
}

variable "route_table_ids" {
  description = "Route tables of the hub VPC that get a route to every spoke (network private_route_table_ids)."
  type        = list(string)
  default     = []
}

variable "spoke_account_ids" {
  description = "12-digit account IDs the gateway is shared with (RAM principals, inside the organisation)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.spoke_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "spoke_account_ids must be 12-digit AWS account IDs."
  }
}

variable "spoke_cidrs" {
  description = "IPv4 CIDRs of the spoke VPCs, routed from route_table_ids to the gateway."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.spoke_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "spoke_cidrs must be IPv4 CIDRs, never 0.0.0.0/0."
  }
}

variable "vpn_cidrs" {
  description = "Address ranges of the VPN's clients, which end in the hub VPC: static gateway routes to the hub attachment."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.vpn_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "vpn_cidrs must be IPv4 CIDRs, never 0.0.0.0/0."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
