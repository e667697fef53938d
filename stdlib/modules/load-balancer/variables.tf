# Inputs of the load-balancer module: an Application Load Balancer in front
# of one ECS service, reachable only from the given networks.

variable "name" {
  description = "Name of the load balancer and its target group (1-32 letters, digits, hyphens; not starting with \"internal-\")."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$", var.name)) && !startswith(var.name, "internal-")
    error_message = "name must be 1-32 letters, digits or hyphens, not starting or ending with a hyphen, nor starting with \"internal-\"."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer (network vpc_id)."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC (network vpc_cidr): the load balancer's only egress, to its targets."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR."
  }
}

variable "subnet_ids" {
  description = "Subnets, at least two zones (network private_subnet_ids, or public_subnet_ids when public)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "an Application Load Balancer needs subnets in at least two availability zones."
  }
}

variable "public" {
  description = "Internet-facing load balancer. False (default) makes it internal, and then ingress_cidrs may not contain 0.0.0.0/0."
  type        = bool
  default     = false
}

variable "ingress_cidrs" {
  description = "IPv4 CIDRs allowed to connect on 80/443 (the VPN CIDR for a VPN-only service)."
  type        = list(string)

  validation {
    condition     = length(var.ingress_cidrs) >= 1 && alltrue([for c in var.ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "ingress_cidrs must list at least one IPv4 CIDR."
  }
}

variable "certificate_arn" {
  description = "ACM certificate ARN; when set the load balancer serves HTTPS on 443 and HTTP redirects to it."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "target_port" {
  description = "Port of the targets (ecs-service container_port)."
  type        = number

  validation {
    condition     = var.target_port >= 1 && var.target_port <= 65535
    error_message = "target_port must be 1-65535."
  }
}

variable "health_check_path" {
  description = "HTTP path of the target health check."
  type        = string
  default     = "/"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with '/'."
  }
}

variable "health_check_matcher" {
  description = "HTTP codes counted as healthy."
  type        = string
  default     = "200-399"
}

variable "deregistration_delay" {
  description = "Seconds to drain a target before deregistering it."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay >= 0 && var.deregistration_delay <= 3600
    error_message = "deregistration_delay must be 0-3600 seconds."
  }
}

variable "idle_timeout" {
  description = "Connection idle timeout in seconds."
  type        = number
  default     = 60
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
