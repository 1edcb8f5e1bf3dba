# Claim check: a change whose event would exceed the publisher's entry limit is written here, and the bus carries a
# reference ({"payload": {"uri", "sha256", "bytes"}}) instead of the images. lambdas/common/claim_check.py
# fetches and verifies it for consumers (which need s3:GetObject on claim_check_objects_arn).

resource "aws_s3_bucket" "claim_check" {
  #checkov:skip=CKV_AWS_21:Objects are written once under a unique key (table/eventId) and expire; versions would only keep expired copies
  #checkov:skip=CKV_AWS_144:Claims are transient (days) and re-derivable from the table; cross-region replication would double the cost for no recovery gained
  #checkov:skip=CKV_AWS_18:Reads and writes are by the fan-out and the consumers' roles only; CloudTrail data events are the place to audit them if needed
  #checkov:skip=CKV2_AWS_62:The bus itself announces every claim (the event carries the reference); bucket notifications would duplicate it
  count = var.claim_check_enabled ? 1 : 0

  bucket_prefix = "${lower(substr(var.name, 0, 30))}-claims-"
  force_destroy = var.claim_check_force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "claim_check" {
  count = var.claim_check_enabled ? 1 : 0

  bucket                  = aws_s3_bucket.claim_check[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "claim_check" {
  count = var.claim_check_enabled ? 1 : 0

  bucket = aws_s3_bucket.claim_check[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "claim_check" {
  count = var.claim_check_enabled ? 1 : 0

  bucket = aws_s3_bucket.claim_check[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.claim_check_kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.claim_check_kms_key_arn
    }
    bucket_key_enabled = var.claim_check_kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "claim_check" {
  count = var.claim_check_enabled ? 1 : 0

  bucket = aws_s3_bucket.claim_check[0].id
  rule {
    id     = "expire-claims"
    status = "Enabled"
    filter {}
    expiration {
      days = var.claim_check_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "claim_check" {
  count = var.claim_check_enabled ? 1 : 0

  bucket = aws_s3_bucket.claim_check[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "TlsOnlyForObjects"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource  = ["${aws_s3_bucket.claim_check[0].arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "TlsOnlyForTheBucket"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:ListBucket"]
        Resource  = [aws_s3_bucket.claim_check[0].arn]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
  depends_on = [aws_s3_bucket_public_access_block.claim_check]
}
