# Inputs of the transit-gateway-attachment module: one spoke of the VPN hub.

variable "name" {
  description = "Name tag of the attachment."
  type        = string
}

variable "share_name" {
  description = "Name of the hub's RAM resource share (transit-gateway name): the gateway is looked up by it."
  type        = string
}

variable "hub_account_id" {
  description = "12-digit account ID of the hub; a share of that name owned by any other account is refused."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.hub_account_id))
    error_message = "hub_account_id must be a 12-digit AWS account ID."
  }
}

variable "vpc_id" {
  description = "This account's VPC (network vpc_id)."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets for the attachment, one per zone (network private_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must name at least one subnet."
  }
}

variable "route_table_ids" {
  description = "Route tables that get a route to each destination (network private_route_table_ids)."
  type        = list(string)
  default     = []
}

variable "destination_cidrs" {
  description = "Ranges reached through the gateway: the VPN's client range and the hub VPC's range."
  type        = list(string)

  validation {
    condition     = length(var.destination_cidrs) >= 1 && alltrue([for c in var.destination_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "destination_cidrs must list IPv4 CIDRs, never 0.0.0.0/0."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
