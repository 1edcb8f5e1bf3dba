# Claim check: a change whose event would exceed the publisher's entry limit is written here, and the bus carries a
# reference ({"payload": {"uri", "sha256", "bytes"}}) instead of the images. lambdas/common/claim_check.py
# fetches and verifies it for consumers (which need s3:GetObject on claim_check_objects_arn). The bucket is
# modules/s3_bucket's (private, encrypted, TLS-only); claims expire after claim_check.expiration_days.

module "claim_check" {
  source = "../s3_bucket"
  count  = var.claim_check.enabled ? 1 : 0

  # S3 bucket names allow no upper case and no '_' (which a bus name may hold).
  name_prefix     = "${replace(lower(substr(var.name, 0, 30)), "_", "-")}-claims"
  kms_key_arn     = var.claim_check.kms_key_arn
  force_destroy   = var.claim_check.force_destroy
  lifecycle_rules = { expire-claims = { expiration_days = var.claim_check.expiration_days } }
  tags            = var.tags
}

# Until v0.3 the bucket's resources were this module's own: they keep their state.
moved {
  from = aws_s3_bucket.claim_check[0]
  to   = module.claim_check[0].aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.claim_check[0]
  to   = module.claim_check[0].aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.claim_check[0]
  to   = module.claim_check[0].aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.claim_check[0]
  to   = module.claim_check[0].aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.claim_check[0]
  to   = module.claim_check[0].aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.claim_check[0]
  to   = module.claim_check[0].aws_s3_bucket_policy.this
}
