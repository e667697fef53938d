# ecr: an image repository in the core account. Other accounts may pull from
# it; push is granted only to the principals named in push_principal_arns
# (e.g. the CI role of another account), never to "*", and
# there is never a "*" principal without an organisation condition.

locals {
  # Read-only actions a cross-account puller needs on the repository itself
  # (ecr:GetAuthorizationToken is account-wide and lives in the puller's role).
  pull_actions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
  ]
  # What a pusher needs on the repository (plus the pull actions, which a
  # push checks layers with); GetAuthorizationToken lives in its own role.
  push_actions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
  ]
  has_policy = length(var.pull_account_ids) > 0 || var.pull_organization_id != null || length(var.push_principal_arns) > 0
}

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = var.immutable_tags ? "IMMUTABLE" : "MUTABLE"
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = var.scan_on_push
  }

  encryption_configuration {
    encryption_type = var.encryption_type
    kms_key         = var.encryption_type == "KMS" ? var.kms_key_arn : null
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.encryption_type == "KMS" || var.kms_key_arn == null
      error_message = "kms_key_arn is only used with encryption_type = \"KMS\"."
    }
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.keep_images} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.keep_images
      }
      action = { type = "expire" }
    }]
  })
}

data "aws_iam_policy_document" "pull" {
  count = local.has_policy ? 1 : 0

  dynamic "statement" {
    for_each = length(var.pull_account_ids) > 0 ? [1] : []
    content {
      sid     = "CrossAccountPull"
      effect  = "Allow"
      actions = local.pull_actions
      principals {
        type        = "AWS"
        identifiers = [for id in sort(distinct(var.pull_account_ids)) : "arn:aws:iam::${id}:root"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.push_principal_arns) > 0 ? [1] : []
    content {
      sid     = "Push"
      effect  = "Allow"
      actions = local.push_actions
      principals {
        type        = "AWS"
        identifiers = sort(distinct(var.push_principal_arns))
      }
    }
  }

  dynamic "statement" {
    for_each = var.pull_organization_id != null ? [1] : []
    content {
      sid     = "OrganizationPull"
      effect  = "Allow"
      actions = local.pull_actions
      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:PrincipalOrgID"
        values   = [var.pull_organization_id]
      }
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  count = local.has_policy ? 1 : 0

  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.pull[0].json
}
