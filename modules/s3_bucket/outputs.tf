output "bucket_name" {
  description = "The bucket's name."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "The bucket's ARN (for s3:ListBucket)."
  value       = aws_s3_bucket.this.arn
}

output "objects_arn" {
  description = "ARN of every object in the bucket (for s3:GetObject/PutObject statements)."
  value       = "${aws_s3_bucket.this.arn}/*"
}

output "policy" {
  description = "The bucket policy (JSON): TLS only."
  value       = aws_s3_bucket_policy.this.policy
}

output "expiration_days" {
  description = "Days after which objects expire, by lifecycle rule (null: never)."
  value       = { for id, rule in var.lifecycle_rules : id => rule.expiration_days }
}
