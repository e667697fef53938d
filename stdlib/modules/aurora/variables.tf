# Inputs of the aurora module: an Aurora PostgreSQL Serverless v2 cluster.

variable "name" {
  description = "Cluster identifier (1-63 lowercase letters, digits, hyphens; starts with a letter; no \"--\", no trailing hyphen). Instances are NAME-1, NAME-2, ..."
  type        = string

  validation {
    condition     = can(regex("^[a-z](-?[a-z0-9])*$", var.name)) && length(var.name) <= 60
    error_message = "name must start with a letter, use lowercase letters, digits and single hyphens, not end with a hyphen, and be at most 60 characters (instance suffixes need room)."
  }
}

variable "engine_version" {
  description = "aurora-postgresql version, e.g. \"16.4\". min_capacity 0 needs 13.15, 14.12, 15.7, 16.3 or later."
  type        = string
  default     = "16.4"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must look like MAJOR.MINOR, e.g. \"16.4\"."
  }
}

variable "database_name" {
  description = "Name of the initial database; null creates none."
  type        = string
  default     = null

  validation {
    condition     = var.database_name == null || can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter and have at most 63 letters, digits or underscores."
  }
}

variable "master_username" {
  description = "Master user name; the password is generated and kept in Secrets Manager by RDS (master_user_secret_arn)."
  type        = string
  default     = "dbadmin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.master_username)) && !contains(["rdsadmin", "postgres"], lower(var.master_username))
    error_message = "master_username must start with a letter, have at most 63 letters, digits or underscores, and not be a name the engine reserves (rdsadmin, postgres)."
  }
}

variable "master_user_secret_kms_key_id" {
  description = "KMS key for the generated master password secret; null uses the AWS-managed key."
  type        = string
  default     = null
}

variable "min_capacity" {
  description = "Minimum Aurora capacity units, 0-256 in steps of 0.5; 0 enables auto-pause."
  type        = number
  default     = 0.5

  validation {
    condition     = var.min_capacity >= 0 && var.min_capacity <= 256 && floor(var.min_capacity * 2) == var.min_capacity * 2
    error_message = "min_capacity must be 0-256 ACU in steps of 0.5."
  }
}

variable "max_capacity" {
  description = "Maximum Aurora capacity units, 1-256 in steps of 0.5, at least min_capacity."
  type        = number
  default     = 2

  validation {
    condition     = var.max_capacity >= 1 && var.max_capacity <= 256 && floor(var.max_capacity * 2) == var.max_capacity * 2
    error_message = "max_capacity must be 1-256 ACU in steps of 0.5."
  }
}

variable "seconds_until_auto_pause" {
  description = "Idle seconds before pausing (300-86400); only with min_capacity 0 (null then means AWS's default, 300)."
  type        = number
  default     = null

  validation {
    condition     = var.seconds_until_auto_pause == null ? true : (var.seconds_until_auto_pause >= 300 && var.seconds_until_auto_pause <= 86400)
    error_message = "seconds_until_auto_pause must be 300-86400."
  }
}

variable "instance_count" {
  description = "db.serverless instances: 1 writer plus readers."
  type        = number
  default     = 1

  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 16 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be an integer 1-16."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster security group (network vpc_id)."
  type        = string
}

variable "subnet_ids" {
  description = "Database subnets, at least two zones (network database_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "a DB subnet group needs subnets in at least two availability zones."
  }
}

variable "port" {
  description = "PostgreSQL port."
  type        = number
  default     = 5432

  validation {
    condition     = var.port >= 1150 && var.port <= 65535 && var.port != 3306
    error_message = "port must be 1150-65535 (RDS's range) and not 3306, MySQL's port on a PostgreSQL engine."
  }
}

variable "allowed_security_group_ids" {
  description = "Further security groups allowed to connect on port. Prefer attaching client_security_group_id to the clients: listing a service's own group here makes the database depend on the service."
  type        = list(string)
  default     = []
}

variable "allowed_cidrs" {
  description = "IPv4 CIDRs allowed to connect on port (e.g. the VPN CIDR). Never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "allowed_cidrs entries must be IPv4 CIDRs narrower than /0."
  }
}

variable "kms_key_id" {
  description = "KMS key ARN for storage encryption; null uses the AWS-managed RDS key. Storage is always encrypted."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect the cluster from deletion."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Destroy without a final snapshot (test environments)."
  type        = bool
  default     = false
}

variable "final_snapshot_identifier" {
  description = "Name of the final snapshot; null uses \"NAME-final-\" and 12 hex digits drawn once per database (unique across destroy and re-create, stable across plans)."
  type        = string
  default     = null
}

variable "backup_retention_period" {
  description = "Days of automated backups (1-35)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be 1-35 days."
  }
}

variable "preferred_backup_window" {
  description = "Daily backup window in UTC, \"hh24:mi-hh24:mi\"; null lets AWS choose."
  type        = string
  default     = null
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the maintenance window."
  type        = bool
  default     = false
}

variable "enabled_cloudwatch_logs_exports" {
  description = "Log types exported to CloudWatch (\"postgresql\")."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for l in var.enabled_cloudwatch_logs_exports : contains(["postgresql", "iam-db-auth-error", "instance"], l)])
    error_message = "enabled_cloudwatch_logs_exports may contain postgresql, iam-db-auth-error and instance."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
