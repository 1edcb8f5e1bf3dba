# State in S3, configured partially: bucket, key and region come from backend.hcl
# (copy backend.hcl.example), which `make plan|apply ENV=<env>` passes as -backend-config.
terraform {
  backend "s3" {
    use_lockfile = true # S3-native state locking, no DynamoDB lock table
    encrypt      = true
  }
}
