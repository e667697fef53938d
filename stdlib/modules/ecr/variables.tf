# Inputs of the ecr module: one image repository in the core account.

variable "name" {
  description = "Repository name (ECR rules: 2-256 chars, lowercase, segments separated by '/', '.', '_' or '-')."
  type        = string

  validation {
    condition     = length(var.name) >= 2 && length(var.name) <= 256 && can(regex("^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$", var.name))
    error_message = "name must be 2-256 lowercase characters: [a-z0-9] segments joined by '.', '_', '-' and '/'."
  }
}

variable "scan_on_push" {
  description = "Scan every pushed image for vulnerabilities (basic scanning)."
  type        = bool
  default     = true
}

variable "immutable_tags" {
  description = "Make image tags immutable (a pushed tag can never be moved)."
  type        = bool
  default     = true
}

variable "encryption_type" {
  description = "\"AES256\" (S3-managed keys) or \"KMS\" (kms_key_arn, or the AWS-managed ECR key when null)."
  type        = string
  default     = "AES256"

  validation {
    condition     = contains(["AES256", "KMS"], var.encryption_type)
    error_message = "encryption_type must be \"AES256\" or \"KMS\"."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN when encryption_type is \"KMS\"; must be null otherwise."
  type        = string
  default     = null
}

variable "keep_images" {
  description = "Lifecycle policy: keep the newest N images (any tag status), expire the rest."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_images >= 1 && floor(var.keep_images) == var.keep_images
    error_message = "keep_images must be a positive integer."
  }
}

variable "pull_account_ids" {
  description = "12-digit AWS account IDs allowed to PULL images (never push) across accounts."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.pull_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "pull_account_ids entries must be 12-digit AWS account IDs."
  }
}

variable "push_principal_arns" {
  description = "IAM principal ARNs (a CI role or user, or an account root) allowed to PUSH; never a wildcard."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.push_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(role|user)/[^*]+)$", a))])
    error_message = "push_principal_arns entries must be IAM role, user or account root ARNs, without wildcards."
  }
}

variable "pull_organization_id" {
  description = "AWS Organizations ID (o-xxxxxxxxxx) whose accounts may PULL images; scales past the policy size limit of long account lists. Null disables."
  type        = string
  default     = null

  validation {
    condition     = var.pull_organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.pull_organization_id))
    error_message = "pull_organization_id must look like o-xxxxxxxxxx."
  }
}

variable "force_delete" {
  description = "Allow destroying the repository while it still holds images."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the repository."
  type        = map(string)
  default     = {}
}
