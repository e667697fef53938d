# Inputs of the secrets module: Secrets Manager secrets whose values are set
# outside Terraform (so no value ever reaches the state or the generated
# files); services refer to them by ARN.

variable "name_prefix" {
  description = "Prefix of every secret name, e.g. \"sfdata/la-camden/\"."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{0,256}$", var.name_prefix))
    error_message = "name_prefix may only contain letters, digits and /_+=.@-."
  }
}

variable "secrets" {
  description = "Secrets to create, by name (appended to name_prefix): {description, kms_key_id (null: AWS-managed key), recovery_window_in_days (0 or 7-30)}."
  type = map(object({
    description             = optional(string, "managed by sfdc; value set out of band")
    kms_key_id              = optional(string)
    recovery_window_in_days = optional(number, 30)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, s in var.secrets : can(regex("^[A-Za-z0-9/_+=.@-]{1,256}$", k)) && (s.recovery_window_in_days == 0 || (s.recovery_window_in_days >= 7 && s.recovery_window_in_days <= 30))])
    error_message = "secret names may only contain letters, digits and /_+=.@-, and recovery_window_in_days must be 0 or 7-30."
  }
}

variable "reader_role_arns" {
  description = "IAM role ARNs (e.g. ecs-service execution roles in another account) granted secretsmanager:GetSecretValue by a resource policy on every secret."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.reader_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "reader_role_arns entries must be IAM role ARNs."
  }
}

variable "tags" {
  description = "Tags added to every secret."
  type        = map(string)
  default     = {}
}
