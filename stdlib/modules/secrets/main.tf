# secrets: Secrets Manager secrets as references. Only the containers are
# created here; values are put by people or rotation outside Terraform, so
# the state never holds them. ecs-service takes the ARNs in its `secrets`.

resource "aws_secretsmanager_secret" "this" {
  for_each = var.secrets

  name                    = "${var.name_prefix}${each.key}"
  description             = each.value.description
  kms_key_id              = each.value.kms_key_id
  recovery_window_in_days = each.value.recovery_window_in_days
  tags                    = var.tags
}

data "aws_iam_policy_document" "read" {
  for_each = length(var.reader_role_arns) > 0 ? var.secrets : {}

  statement {
    sid       = "CrossAccountRead"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = sort(distinct(var.reader_role_arns))
    }
  }
}

resource "aws_secretsmanager_secret_policy" "this" {
  for_each = data.aws_iam_policy_document.read

  secret_arn = aws_secretsmanager_secret.this[each.key].arn
  policy     = each.value.json
}
