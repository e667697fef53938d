# Inputs of the ec2-spot-capacity module: an Auto Scaling group of spot
# container instances and the ECS capacity provider that scales it.

variable "name" {
  description = "Name of the launch template, Auto Scaling group, capacity provider and (with suffixes) IAM role. Capacity provider names may not start with \"aws\", \"ecs\" or \"fargate\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,48}$", var.name)) && !can(regex("^(?i)(aws|ecs|fargate)", var.name))
    error_message = "name must be 1-48 letters, digits, hyphens or underscores and must not start with aws, ecs or fargate."
  }
}

variable "cluster_name" {
  description = "Name of the ECS cluster the instances join (written to /etc/ecs/ecs.config). A plain string, so this module can be applied before ecs-cluster, which associates the capacity provider."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the Auto Scaling group (network private_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must not be empty."
  }
}

variable "vpc_id" {
  description = "VPC of the instances' security group (network vpc_id)."
  type        = string
}

variable "security_group_ids" {
  description = "Extra security groups of the container instances, besides the one this module creates (awsvpc tasks get their own groups from ecs-service)."
  type        = list(string)
  default     = []
}

variable "egress_cidrs" {
  description = "IPv4 CIDRs the instances may reach (the ECS agent needs the ECS, ECR and CloudWatch APIs through NAT or endpoints). The instances' group has no ingress."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = alltrue([for c in var.egress_cidrs : can(cidrhost(c, 0))])
    error_message = "egress_cidrs entries must be IPv4 CIDRs."
  }
}

variable "instance_types" {
  description = "Instance types the spot request may use; several types widen the spot pools."
  type        = list(string)

  validation {
    condition     = length(var.instance_types) >= 1 && length(var.instance_types) <= 40 && alltrue([for t in var.instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", t))])
    error_message = "instance_types must list 1-40 instance types such as \"t3.medium\"."
  }
}

variable "ami_ssm_parameter" {
  description = "SSM parameter holding the ECS-optimized AMI ID (resolved at plan time)."
  type        = string
  default     = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
}

variable "ami_id" {
  description = "Explicit AMI ID; overrides ami_ssm_parameter (pins the image)."
  type        = string
  default     = null

  validation {
    condition     = var.ami_id == null || can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must look like ami-0123456789abcdef0."
  }
}

variable "instance_profile_name" {
  description = "Existing IAM instance profile; null creates a role and profile with AmazonEC2ContainerServiceforEC2Role."
  type        = string
  default     = null
}

variable "root_volume_size" {
  description = "Root EBS volume size in GiB (gp3, encrypted)."
  type        = number
  default     = 30

  validation {
    condition     = var.root_volume_size >= 30 && var.root_volume_size <= 16384
    error_message = "root_volume_size must be 30-16384 GiB (the ECS-optimized AMI needs 30)."
  }
}

variable "min_size" {
  description = "Minimum number of instances; 0 lets the group scale down to nothing."
  type        = number
  default     = 0

  validation {
    condition     = var.min_size >= 0 && floor(var.min_size) == var.min_size
    error_message = "min_size must be a non-negative integer."
  }
}

variable "max_size" {
  description = "Maximum number of instances."
  type        = number

  validation {
    condition     = var.max_size >= 1 && floor(var.max_size) == var.max_size
    error_message = "max_size must be a positive integer."
  }
}

variable "desired_capacity" {
  description = "Initial desired instances; null means min_size. Ignored after creation when managed_scaling is true (ECS owns it)."
  type        = number
  default     = null
}

variable "on_demand_base_capacity" {
  description = "Instances always bought on demand before any spot."
  type        = number
  default     = 0
}

variable "on_demand_percentage_above_base" {
  description = "Percentage of on-demand instances above the base (0 = all spot)."
  type        = number
  default     = 0

  validation {
    condition     = var.on_demand_percentage_above_base >= 0 && var.on_demand_percentage_above_base <= 100
    error_message = "on_demand_percentage_above_base must be 0-100."
  }
}

variable "spot_allocation_strategy" {
  description = "Spot allocation strategy of the mixed instances policy."
  type        = string
  default     = "price-capacity-optimized"

  validation {
    condition     = contains(["price-capacity-optimized", "capacity-optimized", "capacity-optimized-prioritized", "lowest-price"], var.spot_allocation_strategy)
    error_message = "spot_allocation_strategy must be price-capacity-optimized, capacity-optimized, capacity-optimized-prioritized or lowest-price."
  }
}

variable "managed_scaling" {
  description = "Let ECS cluster auto scaling drive the group's desired capacity (desired_capacity is then ignored after creation)."
  type        = bool
  default     = true
}

variable "target_capacity" {
  description = "Managed scaling target utilisation of the group, percent (100 = no spare instances)."
  type        = number
  default     = 100

  validation {
    condition     = var.target_capacity >= 1 && var.target_capacity <= 100
    error_message = "target_capacity must be 1-100."
  }
}

variable "minimum_scaling_step_size" {
  description = "Managed scaling: fewest instances added or removed at once."
  type        = number
  default     = 1

  validation {
    condition     = var.minimum_scaling_step_size >= 1 && var.minimum_scaling_step_size <= 10000
    error_message = "minimum_scaling_step_size must be 1-10000."
  }
}

variable "maximum_scaling_step_size" {
  description = "Managed scaling: most instances added or removed at once."
  type        = number
  default     = 10

  validation {
    condition     = var.maximum_scaling_step_size >= 1 && var.maximum_scaling_step_size <= 10000
    error_message = "maximum_scaling_step_size must be 1-10000."
  }
}

variable "instance_warmup_period" {
  description = "Managed scaling: seconds before a new instance counts towards the group's metrics."
  type        = number
  default     = 300
}

variable "managed_termination_protection" {
  description = "Keep instances running tasks from being scaled in (sets protect_from_scale_in on the group; needs managed_scaling)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource and propagated to instances."
  type        = map(string)
  default     = {}
}
