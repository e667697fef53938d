# Inputs of the cross-account-role module: an IAM role another account may
# assume (the deployment role of a member account, the organisation's
# reader role).

variable "name" {
  description = "Role name (IAM: 1-64 of letters, digits and +=,.@_-)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rules)."
  }
}

variable "path" {
  description = "IAM path of the role."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]{0,510}/)?$", var.path)) && length(var.path) <= 512
    error_message = "path must start and end with '/' and be at most 512 characters."
  }
}

variable "description" {
  description = "Description of the role."
  type        = string
  default     = "Assumed across accounts; managed by sfdc"
}

variable "trusted_account_ids" {
  description = "12-digit account IDs whose principals (subject to their own IAM policies) may assume the role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.trusted_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "trusted_account_ids entries must be 12-digit AWS account IDs."
  }
}

variable "trusted_role_arns" {
  description = "IAM role ARNs that may assume the role (narrower than trusting a whole account)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.trusted_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "trusted_role_arns entries must be IAM role ARNs."
  }
}

variable "external_id" {
  description = "Require this sts:ExternalId when assuming the role; null requires none."
  type        = string
  default     = null

  validation {
    condition     = var.external_id == null ? true : (length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.external_id)))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "max_session_duration" {
  description = "Maximum session length in seconds (3600-43200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be 3600-43200 seconds."
  }
}

variable "inline_policies" {
  description = "Inline policy documents of the role (policy name => JSON)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.inline_policies : can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", k)) && can(jsondecode(v))])
    error_message = "inline_policies keys must be IAM policy names (1-128 of letters, digits, +=,.@_-) and values JSON documents."
  }
}

variable "managed_policy_arns" {
  description = "Managed policy ARNs attached to the role."
  type        = list(string)
  default     = []
}

variable "permissions_boundary" {
  description = "ARN of a permissions boundary policy; null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the role."
  type        = map(string)
  default     = {}
}
