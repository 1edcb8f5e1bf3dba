terraform {
  required_version = ">= 1.11" # the S3 backend's use_lockfile is generally available from 1.11 (experimental in 1.10)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}
