locals {
  # The function's WORKFLOWS: the same settings in the names lambdas/stream_trigger/workflows.py reads.
  workflows = {
    for name, w in var.workflows : name => merge(
      { stateMachineArn = w.state_machine_arn, eventNames = w.event_names },
      w.conditions == null ? {} : { conditions = jsondecode(w.conditions) },
      w.input == null ? {} : { input = w.input },
    )
  }
  environment = merge(
    {
      WORKFLOWS               = jsonencode(local.workflows)
      POWERTOOLS_SERVICE_NAME = var.name
      SDK_MAX_ATTEMPTS        = tostring(var.sdk_max_attempts)
    },
    var.document_attribute == null ? {} : { DOCUMENT_ATTRIBUTE = var.document_attribute },
  )
  state_machine_arns = sort(distinct([for w in values(var.workflows) : w.state_machine_arn]))
}

module "function" {
  source = "../lambda_function"

  name                           = var.name
  description                    = "Starts ${length(var.workflows)} workflow(s) for matching changes of ${var.stream_arn}"
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
  log_kms_key_arn                = var.log_kms_key_arn
  environment_kms_key_arn        = var.environment_kms_key_arn
  powertools_layer_arn           = var.powertools_layer_arn
  powertools_version             = var.powertools_version
  event_source_mapping           = merge(var.event_source_mapping, { stream_arn = var.stream_arn })
  vpc_config                     = var.vpc_config
  tags                           = var.tags

  # One queue holds what could not be started: the mapping's failed batches and the function's own
  # dead letters ({"reason", "workflow", "change" | "keys", ...}).
  failure_queue_environment_variable = "DLQ_URL"
  failure_queue_kms_key_arn          = var.dlq_kms_key_arn

  policy_statements = [{
    sid       = "StartTheWorkflows"
    actions   = ["states:StartExecution"]
    resources = local.state_machine_arns
  }]
}
