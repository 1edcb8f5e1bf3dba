module "conventions" {
  source = "../conventions"
}

data "aws_caller_identity" "current" {}

# The /aws/vendedlogs/ prefix keeps the log resource policy Step Functions needs small.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's var.log_retention_in_days (validated to CloudWatch's values); prod sets 365, dev/local keep logs days, not a year
  #checkov:skip=CKV_AWS_158:A customer managed key is the caller's var.log_kms_key_arn; without one CloudWatch Logs encrypts the group with its own key
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_284:X-Ray is the caller's var.xray_tracing, on by default; only dev and local turn it off
  #checkov:skip=CKV_AWS_285:Execution data in logs is the caller's var.include_execution_data, off by default: inputs may carry personal data (crud_api bodies, the stack workflow's changes); errors are logged either way
  name       = var.name
  type       = var.type
  role_arn   = module.role.roles["execution"].arn
  definition = var.definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = var.include_execution_data
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = var.xray_tracing
  }

  tags = var.tags

  # The role must allow log delivery before Step Functions accepts the logging configuration.
  depends_on = [module.role]
}
