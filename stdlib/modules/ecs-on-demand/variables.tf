# Inputs of the ecs-on-demand module: what starts a service, and how it stops.

variable "name" {
  description = "Name of the rule, alarms, policies and metric (EventBridge rule names: 1-64 of [A-Za-z0-9._-])."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.name))
    error_message = "name must be 1-64 letters, digits, '.', '_' or '-' (an EventBridge rule name)."
  }
}

variable "bucket_name" {
  description = "The bucket whose uploads start the service; it must send its events to EventBridge (s3-bucket's eventbridge = true) and be in this account."
  type        = string
}

variable "key_prefix" {
  description = "Only keys under this prefix start the service; null: any key."
  type        = string
  default     = null
}

variable "mode" {
  description = "\"service\": an upload scales the service to max_capacity and idle_minutes without one back to min_capacity; \"task\": each upload runs one task of the service's task definition."
  type        = string
  default     = "service"

  validation {
    condition     = contains(["service", "task"], var.mode)
    error_message = "mode must be \"service\" or \"task\"."
  }
}

variable "cluster_name" {
  description = "The service's cluster name (the scalable target's resource id)."
  type        = string
}

variable "cluster_arn" {
  description = "The service's cluster ARN (RunTask target)."
  type        = string
}

variable "service_name" {
  description = "The ECS service, whose scalable target ecs-service created (autoscaling set)."
  type        = string
}

variable "min_capacity" {
  description = "Tasks after the idle period (mode service); within the scalable target's bounds."
  type        = number
  default     = 0

  validation {
    condition     = var.min_capacity >= 0 && floor(var.min_capacity) == var.min_capacity
    error_message = "min_capacity must be an integer >= 0."
  }
}

variable "max_capacity" {
  description = "Tasks an upload scales the service to (mode service)."
  type        = number
  default     = 1

  validation {
    condition     = var.max_capacity >= 1 && floor(var.max_capacity) == var.max_capacity
    error_message = "max_capacity must be an integer >= 1."
  }
}

variable "idle_minutes" {
  description = "Minutes without an upload before the service returns to min_capacity (mode service): 1 to 1440, one alarm period a minute, and CloudWatch evaluates at most one day."
  type        = number
  default     = 30

  validation {
    condition     = var.idle_minutes >= 1 && var.idle_minutes <= 1440 && floor(var.idle_minutes) == var.idle_minutes
    error_message = "idle_minutes must be an integer from 1 to 1440."
  }
}

variable "task_definition_arn" {
  description = "Task definition run per upload (mode task)."
  type        = string
  default     = null
}

variable "task_definition_family" {
  description = "Its family: the role may run only this family (mode task)."
  type        = string
  default     = null
}

variable "pass_role_arns" {
  description = "The task's execution and task roles, which EventBridge passes to ECS (mode task)."
  type        = list(string)
  default     = []
}

variable "capacity_provider_strategy" {
  description = "The task's capacity provider strategy (mode task), as the service's: spot stays spot."
  type = list(object({
    capacity_provider = string
    weight            = number
    base              = optional(number, 0)
  }))
  default = []
}

variable "subnet_ids" {
  description = "Subnets of the task (mode task): the service's private subnets."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups of the task (mode task): the service's own group."
  type        = list(string)
  default     = []
}

variable "iam_role_name_prefix" {
  description = "Prefix of the EventBridge role (mode task), \"<prefix>-start\"; at most 58 characters."
  type        = string
  default     = "sfdc"

  validation {
    condition     = length(var.iam_role_name_prefix) <= 58
    error_message = "iam_role_name_prefix must be at most 58 characters (IAM role names are at most 64)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
