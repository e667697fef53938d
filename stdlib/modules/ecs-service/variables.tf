# Inputs of the ecs-service module: one long-running ECS service (awsvpc),
# its task definition, roles, logs, security group and scaling.

# --- identity and placement ---------------------------------------------------

variable "name" {
  description = "Service name; also the task family (\"CLUSTER-NAME\") and the container name unless container_name is set."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$", var.name))
    error_message = "name must be 1-128 letters, digits, hyphens or underscores, starting with a letter or digit."
  }
}

variable "cluster_name" {
  description = "Name of the ECS cluster (ecs-cluster cluster_name); used in the scaling resource ID and default names."
  type        = string
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster (ecs-cluster cluster_arn)."
  type        = string
}

variable "compatibility" {
  description = "\"FARGATE\" (Fargate or Fargate Spot) or \"EC2\" (container instances, e.g. from ec2-spot-capacity). Both use awsvpc networking."
  type        = string
  default     = "FARGATE"

  validation {
    condition     = contains(["FARGATE", "EC2"], var.compatibility)
    error_message = "compatibility must be \"FARGATE\" or \"EC2\"."
  }
}

variable "capacity_provider_strategy" {
  description = "Where tasks run: {capacity_provider, weight (default 1), base (default 0)} entries. Spot is FARGATE_SPOT or an EC2 spot provider. The service never gets a launch_type, so this strategy always applies."
  type = list(object({
    capacity_provider = string
    weight            = optional(number, 1)
    base              = optional(number, 0)
  }))
  default = [{ capacity_provider = "FARGATE_SPOT", weight = 1, base = 0 }]

  validation {
    condition     = length(var.capacity_provider_strategy) >= 1 && length(var.capacity_provider_strategy) <= 20
    error_message = "capacity_provider_strategy needs 1 to 20 entries (a service without one would fall back to launch types)."
  }

  validation {
    condition     = alltrue([for s in var.capacity_provider_strategy : s.weight >= 0 && s.weight <= 1000 && s.base >= 0 && s.base <= 100000]) && anytrue([for s in var.capacity_provider_strategy : s.weight > 0])
    error_message = "strategy weights must be 0-1000 with at least one above 0, and bases 0-100000."
  }

  validation {
    condition     = length([for s in var.capacity_provider_strategy : s if s.base > 0]) <= 1
    error_message = "only one provider in a capacity provider strategy may have a base."
  }
}

# --- network ------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC of the service security group (network vpc_id)."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the tasks (network private_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && length(var.subnet_ids) <= 16
    error_message = "subnet_ids needs 1 to 16 subnets."
  }
}

variable "security_group_ids" {
  description = "Extra security groups for the tasks, besides the one this module creates."
  type        = list(string)
  default     = []
}

variable "assign_public_ip" {
  description = "Give tasks a public IP. Only for services declared public, in public subnets; Fargate only."
  type        = bool
  default     = false
}

variable "ingress_security_group_ids" {
  description = "Security groups allowed to reach container_port (load-balancer security_group_id)."
  type        = list(string)
  default     = []
}

variable "ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach container_port directly (e.g. the VPN CIDR). Never 0.0.0.0/0 unless assign_public_ip is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "ingress_cidrs entries must be IPv4 CIDRs."
  }
}

variable "egress_cidrs" {
  description = "IPv4 CIDRs the tasks may reach on any port. aws_security_group drops AWS's default egress, and tasks need ECR, logs and secrets (via NAT or endpoints)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = alltrue([for c in var.egress_cidrs : can(cidrhost(c, 0))])
    error_message = "egress_cidrs entries must be IPv4 CIDRs."
  }
}

# --- task ---------------------------------------------------------------------

variable "image" {
  description = "Container image, e.g. ecr repository_url + \":TAG\"."
  type        = string
}

variable "image_repository_arns" {
  description = "ECR repository ARNs (any account) the execution role may pull from (ecr repository_arn); empty allows any repository the repository policies admit."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.image_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", a))])
    error_message = "image_repository_arns entries must be ECR repository ARNs."
  }
}

variable "container_name" {
  description = "Container name; null uses name."
  type        = string
  default     = null
}

variable "container_port" {
  description = "TCP port the container listens on; null for workers without a port. Required with target_group_arn."
  type        = number
  default     = null

  validation {
    condition     = var.container_port == null ? true : (var.container_port >= 1 && var.container_port <= 65535)
    error_message = "container_port must be 1-65535."
  }
}

variable "service_connect_namespace" {
  description = "ARN of the cluster's Service Connect namespace (ecs-cluster service_connect_namespace_arn); the service joins it and reaches discoverable services by name. null: no Service Connect."
  type        = string
  default     = null
}

variable "discoverable" {
  description = "Serve container_port in the namespace under the service's name (\"code_server\" becomes code-server:PORT), and create the security group its clients wear (client_security_group_id)."
  type        = bool
  default     = false
}

variable "command" {
  description = "Container command override; null keeps the image's."
  type        = list(string)
  default     = null
}

variable "cpu" {
  description = "Task CPU units (1024 = 1 vCPU). Fargate allows 256, 512, 1024, 2048, 4096, 8192, 16384 with matching memory."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Task memory in MiB; for Fargate it must pair with cpu (256: 512/1024/2048; 512: 1024-4096; 1024: 2048-8192; ...)."
  type        = number
  default     = 512
}

variable "cpu_architecture" {
  description = "\"X86_64\" or \"ARM64\" (Graviton); null leaves the task definition without runtime_platform."
  type        = string
  default     = null

  validation {
    condition     = var.cpu_architecture == null ? true : contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "environment" {
  description = "Plain environment variables (name => value). Never secrets: a secret ARN here is rejected; use secrets."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.environment) : !can(regex("^arn:aws[a-z-]*:(secretsmanager|ssm):", v))])
    error_message = "environment must not carry Secrets Manager or SSM parameter ARNs: put them in secrets so ECS injects the value."
  }
}

variable "secrets" {
  description = "Secrets injected by ECS (name => valueFrom): a Secrets Manager secret ARN (optionally with :json-key:version-stage:version-id) or an SSM parameter ARN."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.secrets) : can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", v))])
    error_message = "secrets values must be Secrets Manager secret ARNs or SSM parameter ARNs."
  }
}

variable "secrets_kms_key_arns" {
  description = "Customer-managed KMS keys of the secrets, which the execution role may use to decrypt."
  type        = list(string)
  default     = []
}

variable "task_role_policies" {
  description = "Inline IAM policy documents (name => JSON) of the task role, i.e. what the application may do."
  type        = map(string)
  default     = {}
}

variable "task_role_managed_policy_arns" {
  description = "Managed policy ARNs attached to the task role."
  type        = list(string)
  default     = []
}

variable "iam_role_name_prefix" {
  description = "Prefix of the IAM role names (\"PREFIX-exec\", \"PREFIX-task\"); null uses \"CLUSTER-NAME\". At most 59 characters."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the service's log group, in days (a CloudWatch-allowed value)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the CloudWatch Logs retention values (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

# --- service ------------------------------------------------------------------

variable "desired_count" {
  description = "Tasks to run. With autoscaling it is only the initial value (within min..max) and later ignored, so schedules and scaling own it."
  type        = number
  default     = 0

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count must be a non-negative integer."
  }
}

variable "platform_version" {
  description = "Fargate platform version."
  type        = string
  default     = "LATEST"
}

variable "deployment_minimum_healthy_percent" {
  description = "Lower bound of running tasks during a deployment, percent of desired_count."
  type        = number
  default     = 100
}

variable "deployment_maximum_percent" {
  description = "Upper bound of running tasks during a deployment, percent of desired_count."
  type        = number
  default     = 200
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the tasks."
  type        = bool
  default     = false
}

variable "target_group_arn" {
  description = "Load-balancer target group (load-balancer target_group_arn, target type ip) to register tasks in; null for none."
  type        = string
  default     = null
}

variable "health_check_grace_period_seconds" {
  description = "Seconds load-balancer health checks are ignored after a task starts (with target_group_arn)."
  type        = number
  default     = 60
}

# --- scaling ------------------------------------------------------------------

variable "autoscaling" {
  description = "Application Auto Scaling bounds {min_capacity, max_capacity, cpu_target (optional percent for target tracking)}; null disables scaling and manages desired_count directly. min_capacity may be 0."
  type = object({
    min_capacity = number
    max_capacity = number
    cpu_target   = optional(number)
  })
  default = null

  validation {
    condition     = var.autoscaling == null ? true : (var.autoscaling.min_capacity >= 0 && var.autoscaling.max_capacity >= var.autoscaling.min_capacity && floor(var.autoscaling.min_capacity) == var.autoscaling.min_capacity && floor(var.autoscaling.max_capacity) == var.autoscaling.max_capacity)
    error_message = "autoscaling needs integers 0 <= min_capacity <= max_capacity."
  }

  validation {
    condition     = var.autoscaling == null ? true : (var.autoscaling.cpu_target == null ? true : (var.autoscaling.cpu_target > 0 && var.autoscaling.cpu_target <= 100))
    error_message = "autoscaling.cpu_target must be a percentage in (0, 100]."
  }
}

variable "scheduled_actions" {
  description = "Scheduled changes of the scaling bounds: {name, schedule = \"cron(MIN HOUR DOM MONTH DOW YEAR)\", timezone (IANA), min, max}. To stop a service set max = 0 (min = 0 alone lets tasks keep running). Needs autoscaling."
  type = list(object({
    name     = string
    schedule = string
    timezone = string
    min      = number
    max      = number
  }))
  default = []

  validation {
    condition     = alltrue([for a in var.scheduled_actions : can(regex("^[A-Za-z0-9_.-]{1,200}$", a.name))]) && length(distinct([for a in var.scheduled_actions : a.name])) == length(var.scheduled_actions)
    error_message = "scheduled action names must be unique, 1-200 letters, digits, '.', '_' or '-'."
  }

  validation {
    condition     = alltrue([for a in var.scheduled_actions : try(length(regex("^cron\\(([^ ()]+ ){5}[^ ()]+\\)$", a.schedule)) >= 0 && ((split(" ", a.schedule)[2] == "?") != (split(" ", a.schedule)[4] == "?")), false)])
    error_message = "schedule must be cron(MIN HOUR DOM MONTH DOW YEAR) with six fields and exactly one of day-of-month and day-of-week set to '?'."
  }

  validation {
    condition     = alltrue([for a in var.scheduled_actions : can(regex("^(\\?|\\*|[A-Z]{3}([-,][A-Z]{3})*|[A-Z]{3}(#[1-5]|L))$", split(" ", a.schedule)[4]))])
    error_message = "schedule day-of-week must use names (MON-FRI, SAT,SUN, ...): in AWS cron 1 is Sunday, so Unix numbers mean the wrong days."
  }

  validation {
    condition     = alltrue([for a in var.scheduled_actions : can(regex("^(UTC|Etc/[A-Za-z0-9+-]+|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$", a.timezone))])
    error_message = "timezone must be an IANA time zone such as Europe/London or UTC."
  }

  validation {
    condition     = alltrue([for a in var.scheduled_actions : a.min >= 0 && a.max >= a.min && floor(a.min) == a.min && floor(a.max) == a.max])
    error_message = "each scheduled action needs integers 0 <= min <= max."
  }
}

variable "tags" {
  description = "Tags added to every resource (propagated from the service to its tasks)."
  type        = map(string)
  default     = {}
}
