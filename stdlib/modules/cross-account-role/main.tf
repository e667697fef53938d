# cross-account-role: an IAM role trusted by other accounts, e.g. the role
# CI assumes to deploy a member account, or the organisation account's role
# that reads LA shared buckets. Permissions come from inline documents and
# managed policies given by the caller.

locals {
  principals = sort(distinct(concat(
    [for id in var.trusted_account_ids : "arn:aws:iam::${id}:root"],
    var.trusted_role_arns,
  )))
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "CrossAccountAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = local.principals
    }

    dynamic "condition" {
      for_each = var.external_id == null ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  path                 = var.path
  description          = var.description
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = length(local.principals) > 0
      error_message = "give at least one of trusted_account_ids and trusted_role_arns."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = var.inline_policies

  name   = each.key
  role   = aws_iam_role.this.id
  policy = each.value
}

resource "aws_iam_role_policy_attachment" "this" {
  count = length(var.managed_policy_arns)

  role       = aws_iam_role.this.name
  policy_arn = var.managed_policy_arns[count.index]
}
