# Inputs of the network module: one VPC with public, private and database
# subnets spread over the given availability zones.

variable "name" {
  description = "Name prefix for every resource (Name tags, flow-log group)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,47}$", var.name))
    error_message = "name must be 1-48 letters, digits or hyphens, starting with a letter or digit."
  }
}

variable "cidr" {
  description = "IPv4 CIDR of the VPC (a /16 to /24; AWS allows /16../28 but three tiers of subnets need room)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && can(regex("/(1[6-9]|2[0-4])$", var.cidr))
    error_message = "cidr must be a valid IPv4 CIDR with a prefix length between /16 and /24."
  }
}

variable "azs" {
  description = "Availability zone names, one subnet of each tier per zone (e.g. [\"eu-west-2a\", \"eu-west-2b\"])."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 1 && length(var.azs) <= 4 && length(distinct(var.azs)) == length(var.azs)
    error_message = "azs must list 1 to 4 distinct availability zones."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each computed subnet (4: a /16 VPC gets /20 subnets). Used only for tiers whose CIDRs are not given."
  type        = number
  default     = 4

  validation {
    condition     = var.subnet_newbits >= 4 && var.subnet_newbits <= 12 && floor(var.subnet_newbits) == var.subnet_newbits
    error_message = "subnet_newbits must be an integer between 4 and 12 (three tiers of up to 4 zones need 12 slots)."
  }
}

variable "public_subnet_cidrs" {
  description = "Public subnet CIDRs, one per zone in azs order; null computes cidrsubnet(cidr, subnet_newbits, i)."
  type        = list(string)
  default     = null
}

variable "private_subnet_cidrs" {
  description = "Private subnet CIDRs, one per zone; null computes cidrsubnet(cidr, subnet_newbits, 4 + i)."
  type        = list(string)
  default     = null
}

variable "database_subnet_cidrs" {
  description = "Database subnet CIDRs, one per zone; null computes cidrsubnet(cidr, subnet_newbits, 8 + i)."
  type        = list(string)
  default     = null
}

variable "enable_nat_gateway" {
  description = "Create NAT gateway(s) in the public subnets and a default route to them from every private route table."
  type        = bool
  default     = false
}

variable "single_nat_gateway" {
  description = "With enable_nat_gateway: one NAT gateway shared by all zones (cheaper) instead of one per zone."
  type        = bool
  default     = true
}

variable "gateway_endpoints" {
  description = "Gateway VPC endpoint services (\"s3\", \"dynamodb\") attached to the private and database route tables."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.gateway_endpoints : contains(["s3", "dynamodb"], s)])
    error_message = "gateway_endpoints may only contain \"s3\" and \"dynamodb\"."
  }
}

variable "interface_endpoints" {
  description = "Interface VPC endpoint services, short names such as \"ecr.api\", \"ecr.dkr\", \"logs\", \"secretsmanager\", \"ssm\", \"sts\"; placed in the private subnets with private DNS."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9][a-z0-9.-]*$", s))])
    error_message = "interface_endpoints entries are short service names such as \"ecr.api\" (no com.amazonaws prefix)."
  }
}

variable "enable_flow_logs" {
  description = "Send VPC flow logs (all traffic) to a CloudWatch log group created here."
  type        = bool
  default     = false
}

variable "flow_logs_retention_days" {
  description = "Retention of the flow-log group, in days (a CloudWatch-allowed value)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_days)
    error_message = "flow_logs_retention_days must be one of the CloudWatch Logs retention values (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
