locals {
  environment = merge(
    {
      STATE_MACHINE_ARN       = var.state_machine_arn
      EVENT_NAMES             = join(",", var.event_names)
      POWERTOOLS_SERVICE_NAME = var.name
      SDK_MAX_ATTEMPTS        = tostring(var.sdk_max_attempts)
    },
    var.conditions == null ? {} : { CONDITIONS = jsonencode(var.conditions) },
    var.document_attribute == null ? {} : { DOCUMENT_ATTRIBUTE = var.document_attribute },
  )
}

module "function" {
  source = "../lambda_function"

  name                           = var.name
  description                    = "Starts ${var.state_machine_arn} for matching changes of ${var.stream_arn}"
  package                        = var.package
  handler                        = var.handler
  runtime                        = var.runtime
  architecture                   = var.architecture
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  environment_variables          = local.environment
  xray_tracing                   = var.xray_tracing
  log_level                      = var.log_level
  log_retention_in_days          = var.log_retention_in_days
  powertools_layer_arn           = var.powertools_layer_arn
  powertools_version             = var.powertools_version
  event_source_mapping           = merge(var.event_source_mapping, { stream_arn = var.stream_arn })
  tags                           = var.tags

  policy_statements = [{
    sid       = "StartTheWorkflow"
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }]
}
