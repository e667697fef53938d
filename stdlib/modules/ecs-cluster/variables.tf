# Inputs of the ecs-cluster module: one ECS cluster and the capacity providers
# associated with it.

variable "name" {
  description = "Cluster name (1-255 letters, digits, hyphens, underscores)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.name))
    error_message = "name must be 1-255 letters, digits, hyphens or underscores."
  }
}

variable "container_insights" {
  description = "CloudWatch Container Insights: \"enabled\", \"enhanced\" or \"disabled\"."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "container_insights must be \"enabled\", \"enhanced\" or \"disabled\"."
  }
}

variable "fargate_capacity_providers" {
  description = "Fargate capacity providers to associate: any of \"FARGATE\", \"FARGATE_SPOT\"."
  type        = list(string)
  default     = ["FARGATE", "FARGATE_SPOT"]

  validation {
    condition     = alltrue([for p in var.fargate_capacity_providers : contains(["FARGATE", "FARGATE_SPOT"], p)])
    error_message = "fargate_capacity_providers may only contain \"FARGATE\" and \"FARGATE_SPOT\"."
  }
}

variable "ec2_capacity_providers" {
  description = "Names of EC2 Auto Scaling group capacity providers to associate (the capacity_provider_name output of ec2-spot-capacity)."
  type        = list(string)
  default     = []
}

variable "default_capacity_provider_strategy" {
  description = "Cluster default strategy, used by services that give none. Entries: {capacity_provider, weight (default 1), base (default 0)}. Fargate and EC2 providers cannot be mixed."
  type = list(object({
    capacity_provider = string
    weight            = optional(number, 1)
    base              = optional(number, 0)
  }))
  default = [{ capacity_provider = "FARGATE_SPOT", weight = 1, base = 0 }]

  validation {
    condition     = alltrue([for s in var.default_capacity_provider_strategy : s.weight >= 0 && s.weight <= 1000 && s.base >= 0 && s.base <= 100000])
    error_message = "strategy weights must be 0-1000 and bases 0-100000."
  }

  validation {
    condition     = length([for s in var.default_capacity_provider_strategy : s if s.base > 0]) <= 1
    error_message = "only one provider in a capacity provider strategy may have a base."
  }
}

variable "service_connect_namespace" {
  description = "Name of a Cloud Map HTTP namespace to create for ECS Service Connect (services reach each other by name inside it); null: none."
  type        = string
  default     = null

  validation {
    condition     = var.service_connect_namespace == null ? true : (length(var.service_connect_namespace) <= 1024 && can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", var.service_connect_namespace)))
    error_message = "service_connect_namespace must be a Cloud Map HTTP namespace name: letters, digits, '.', '_', '-'."
  }
}

variable "tags" {
  description = "Tags added to the cluster."
  type        = map(string)
  default     = {}
}
