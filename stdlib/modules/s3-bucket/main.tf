# s3-bucket: a private bucket. Owner-enforced object ownership (no ACLs),
# every public access block on, default encryption, versioning, lifecycle
# expiry, and a bucket policy that denies non-TLS requests and grants read
# (never write) to the listed cross-account readers.

locals {
  kms = var.sse_algorithm == "aws:kms"
  readers = sort(distinct(concat(
    var.reader_role_arns,
    [for id in var.reader_account_ids : "arn:aws:iam::${id}:root"],
  )))
  # From the input lengths, not local.readers: reader ARNs from another
  # module are unknown at plan time, and so would be distinct()'s length.
  has_readers = length(var.reader_role_arns) + length(var.reader_account_ids) > 0
  has_policy  = var.tls_only || local.has_readers
}

resource "aws_s3_bucket" "this" {
  bucket        = var.name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.sse_algorithm
      kms_master_key_id = local.kms ? var.kms_key_arn : null
    }
    bucket_key_enabled = local.kms
  }

  lifecycle {
    precondition {
      condition     = local.kms || var.kms_key_arn == null
      error_message = "kms_key_arn is only used with sse_algorithm = \"aws:kms\"."
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expiry"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }

    dynamic "expiration" {
      for_each = var.expire_days == null ? [] : [var.expire_days]
      content {
        days = expiration.value
      }
    }

    dynamic "noncurrent_version_expiration" {
      for_each = var.noncurrent_expire_days == null ? [] : [var.noncurrent_expire_days]
      content {
        noncurrent_days = noncurrent_version_expiration.value
      }
    }
  }

  # Lifecycle rules on a bucket whose versioning is still changing are refused.
  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "this" {
  count = local.has_policy ? 1 : 0

  dynamic "statement" {
    for_each = var.tls_only ? [1] : []
    content {
      sid       = "DenyInsecureTransport"
      effect    = "Deny"
      actions   = ["s3:*"]
      resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
      condition {
        test     = "Bool"
        variable = "aws:SecureTransport"
        values   = ["false"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.has_readers ? [1] : []
    content {
      sid       = "CrossAccountList"
      effect    = "Allow"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = [aws_s3_bucket.this.arn]
      principals {
        type        = "AWS"
        identifiers = local.readers
      }
    }
  }

  dynamic "statement" {
    for_each = local.has_readers ? [1] : []
    content {
      sid       = "CrossAccountRead"
      effect    = "Allow"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = ["${aws_s3_bucket.this.arn}/*"]
      principals {
        type        = "AWS"
        identifiers = local.readers
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  count = local.has_policy ? 1 : 0

  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this[0].json

  # S3 rejects some policies while the public access block is being set.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Object events to EventBridge: rules there (ecs-on-demand) start services.
resource "aws_s3_bucket_notification" "eventbridge" {
  count = var.eventbridge ? 1 : 0

  bucket      = aws_s3_bucket.this.id
  eventbridge = true
}
