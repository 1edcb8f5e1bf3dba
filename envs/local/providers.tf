locals {
  # Every AWS service the stack uses, each at the one LocalStack endpoint (tests/tooling/test_module_conventions.py
  # checks this list against the resource types of every module).
  endpoints = { for service in ["apigateway", "apigatewayv2", "cloudwatch", "cognitoidp", "dynamodb", "events", "iam", "lambda", "logs", "s3", "scheduler", "sfn", "sns", "sqs", "ssm", "sts"] : service => var.localstack_endpoint }
}

provider "aws" {
  region = var.region

  # LocalStack accepts any credentials; these keep the provider from looking for real ones.
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true # LocalStack serves buckets by path, not by virtual host

  endpoints {
    apigateway   = local.endpoints.apigateway
    apigatewayv2 = local.endpoints.apigatewayv2
    cloudwatch   = local.endpoints.cloudwatch
    cognitoidp   = local.endpoints.cognitoidp
    dynamodb     = local.endpoints.dynamodb
    events       = local.endpoints.events
    iam          = local.endpoints.iam
    lambda       = local.endpoints.lambda
    logs         = local.endpoints.logs
    s3           = local.endpoints.s3
    scheduler    = local.endpoints.scheduler
    sfn          = local.endpoints.sfn
    sns          = local.endpoints.sns
    sqs          = local.endpoints.sqs
    ssm          = local.endpoints.ssm
    sts          = local.endpoints.sts
  }

  default_tags {
    tags = {
      project     = var.project
      environment = var.environment
      managed-by  = "terraform"
    }
  }
}

variable "localstack_endpoint" {
  description = "LocalStack's edge endpoint: every AWS service the stack uses is pointed at it."
  type        = string
  default     = "http://localhost:4566"
  validation {
    condition     = can(regex("^https?://[^/\\s]+$", var.localstack_endpoint))
    error_message = "localstack_endpoint must be an http(s) URL without a path, e.g. http://localhost:4566."
  }
}
