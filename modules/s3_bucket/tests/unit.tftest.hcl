mock_provider "aws" {
  source          = "../../mocks/aws"
  override_during = plan # the mocks' values are known at plan: no run needs an apply (nor its teardown)
}

variables {
  name_prefix = "items-dev-results"
}

run "private_encrypted_tls_only_by_default" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket_prefix == "items-dev-results-" && !aws_s3_bucket.this.force_destroy
    error_message = "The bucket name is the prefix plus AWS's unique suffix, and it is not destroyed with its objects."
  }
  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls, aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls, aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ]) && aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "No public access, no ACLs."
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Encrypted at rest with S3-managed keys unless a KMS key is given."
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.policy).Statement : s.Effect == "Deny" && s.Condition.Bool["aws:SecureTransport"] == "false"])
    error_message = "The policy only denies requests without TLS."
  }
  assert {
    condition     = length(aws_s3_bucket_versioning.this) == 0 && length(aws_s3_bucket_notification.this) == 0
    error_message = "Versioning and EventBridge notifications are off unless asked."
  }
  assert {
    condition     = [for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id] == ["abort-incomplete-uploads"]
    error_message = "Incomplete multipart uploads are always aborted."
  }
}

run "versioning_notifications_and_lifecycle_rules" {
  command = plan

  variables {
    versioning                = true
    eventbridge_notifications = true
    kms_key_arn               = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    lifecycle_rules           = { imports = { prefix = "imports/", expiration_days = 30, noncurrent_version_expiration_days = 7 } }
  }

  assert {
    condition     = aws_s3_bucket_versioning.this[0].versioning_configuration[0].status == "Enabled" && aws_s3_bucket_notification.this[0].eventbridge
    error_message = "Versioning on and every event to the default bus."
  }
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if r.id == "imports"]).expiration[0].days == 30
    error_message = "A lifecycle rule per entry."
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "A KMS key makes it SSE-KMS."
  }
}

run "rejects_a_prefix_s3_would_refuse" {
  command = plan

  variables {
    name_prefix = "Items_Results"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_zero_days" {
  command = plan

  variables {
    lifecycle_rules = { reports = { expiration_days = 0 } }
  }

  expect_failures = [var.lifecycle_rules]
}
