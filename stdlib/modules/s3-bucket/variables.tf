# Inputs of the s3-bucket module: one private, encrypted, versioned bucket.

variable "name" {
  description = "Bucket name (S3 rules: 3-63 lowercase letters, digits, dots, hyphens; globally unique)."
  type        = string

  validation {
    condition = (
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name)) &&
      !strcontains(var.name, "..") && !strcontains(var.name, ".-") && !strcontains(var.name, "-.") &&
      !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.name)) &&
      !can(regex("^(xn--|sthree-|amzn-s3-demo-)", var.name)) &&
      !can(regex("(-s3alias|--ol-s3|\\.mrap|--x-s3)$", var.name))
    )
    error_message = "name must be a valid S3 bucket name: 3-63 of [a-z0-9.-], starting and ending with a letter or digit, no \"..\", \".-\" or \"-.\", not an IP address, no reserved prefix (xn--, sthree-, amzn-s3-demo-) or suffix (-s3alias, --ol-s3, .mrap, --x-s3)."
  }
}

variable "versioning" {
  description = "Keep object versions (Enabled); false suspends versioning."
  type        = bool
  default     = true
}

variable "sse_algorithm" {
  description = "Default encryption: \"AES256\" (SSE-S3) or \"aws:kms\" (SSE-KMS with kms_key_arn, or the AWS-managed key when null)."
  type        = string
  default     = "AES256"

  validation {
    condition     = contains(["AES256", "aws:kms"], var.sse_algorithm)
    error_message = "sse_algorithm must be \"AES256\" or \"aws:kms\"."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; only with sse_algorithm = \"aws:kms\". Cross-account readers also need kms:Decrypt in the key policy."
  type        = string
  default     = null
}

variable "tls_only" {
  description = "Deny every request not made over TLS (aws:SecureTransport = false). Only tests against emulators that ignore conditions turn this off."
  type        = bool
  default     = true
}

variable "expire_days" {
  description = "Expire current objects this many days after creation; null keeps them forever."
  type        = number
  default     = null

  validation {
    condition     = var.expire_days == null ? true : (var.expire_days >= 1 && floor(var.expire_days) == var.expire_days)
    error_message = "expire_days must be a positive integer."
  }
}

variable "noncurrent_expire_days" {
  description = "Delete non-current versions this many days after they become non-current; null keeps them."
  type        = number
  default     = null

  validation {
    condition     = var.noncurrent_expire_days == null ? true : (var.noncurrent_expire_days >= 1 && floor(var.noncurrent_expire_days) == var.noncurrent_expire_days)
    error_message = "noncurrent_expire_days must be a positive integer."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Abort unfinished multipart uploads after this many days."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1
    error_message = "abort_incomplete_multipart_days must be at least 1."
  }
}

variable "reader_role_arns" {
  description = "IAM role ARNs in other accounts that may list and read the bucket (e.g. the organisation account's reader role)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.reader_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "reader_role_arns entries must be IAM role ARNs."
  }
}

variable "reader_account_ids" {
  description = "12-digit account IDs that may list and read the bucket (each account then delegates with its own IAM policies)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.reader_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "reader_account_ids entries must be 12-digit AWS account IDs."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds objects."
  type        = bool
  default     = false
}

variable "eventbridge" {
  description = "Send the bucket's object events to the account's default EventBridge bus (what ecs-on-demand rules match)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the bucket."
  type        = map(string)
  default     = {}
}
