# State in the environment's state bucket: `make bootstrap ENV=<env>` passes envs/<env>/backend.hcl and
# overrides its key with bootstrap/<region>/terraform.tfstate (one bootstrap state per account and region).
terraform {
  backend "s3" {
    use_lockfile = true # S3-native state locking, no DynamoDB lock table
    encrypt      = true
  }
}
