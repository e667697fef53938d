# Inputs of the rds module: a plain RDS for PostgreSQL instance, the
# alternative to aurora with the same security posture.

variable "name" {
  description = "DB instance identifier (1-63 lowercase letters, digits, hyphens; starts with a letter; no \"--\", no trailing hyphen)."
  type        = string

  validation {
    condition     = can(regex("^[a-z](-?[a-z0-9])*$", var.name)) && length(var.name) <= 63
    error_message = "name must start with a letter, use lowercase letters, digits and single hyphens, not end with a hyphen, and be at most 63 characters."
  }
}

variable "engine_version" {
  description = "postgres major or major.minor version, e.g. \"16\" or \"16.4\"."
  type        = string
  default     = "16.4"

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must look like \"16\" or \"16.4\"."
  }
}

variable "instance_class" {
  description = "DB instance class, e.g. \"db.t4g.micro\"."
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_class)) && var.instance_class != "db.serverless"
    error_message = "instance_class must look like db.t4g.micro (db.serverless is for aurora)."
  }
}

variable "allocated_storage" {
  description = "Storage in GiB (gp3: 20-65536)."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536
    error_message = "allocated_storage must be 20-65536 GiB."
  }
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB; null disables storage autoscaling."
  type        = number
  default     = null
}

variable "multi_az" {
  description = "Keep a standby in a second zone."
  type        = bool
  default     = false
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

variable "vpc_id" {
  description = "VPC of the instance security group (network vpc_id)."
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
  description = "Protect the instance from deletion."
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

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
