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
      WORKFLOWS        = jsonencode(local.workflows)
      SDK_MAX_ATTEMPTS = tostring(var.sdk_max_attempts)
    },
    var.document_attribute == null ? {} : { DOCUMENT_ATTRIBUTE = var.document_attribute },
  )
  # One call's worst case (lambdas/stream_trigger/handler.py: 2 s connect + 5 s read per attempt, standard
  # mode's backoffs capped at 20 s) plus 1 s of reserve, and at least 5 s of work beyond it.
  minimum_timeout    = var.sdk_max_attempts * 7 + sum(concat([0], [for i in range(var.sdk_max_attempts - 1) : min(pow(2, i), 20)])) + 1 + 5
  state_machine_arns = sort(distinct([for w in values(var.workflows) : w.state_machine_arn]))
}

module "function" {
  source = "../lambda_function"

  name                   = var.name
  description            = "Starts ${length(var.workflows)} workflow(s) for matching changes of ${var.stream_arn}"
  package                = var.package
  handler                = var.handler
  environment_variables  = local.environment
  event_source           = { dynamodb_stream = merge(var.event_source_mapping, { stream_arn = var.stream_arn }) }
  function               = var.function
  function_as_given      = var.function
  minimum_timeout        = var.sdk_max_attempts * 7 + sum(concat([0], [for i in range(var.sdk_max_attempts - 1) : min(pow(2, i), 20)])) + 1 + 5
  minimum_timeout_reason = "one StartExecution or SendMessage call's worst case (sdk_max_attempts x 7 s of timeouts plus standard-mode backoffs) and 6 s more"
  tags                   = var.tags

  # One queue holds what could not be started: the mapping's failed batches and the function's own
  # dead letters ({"reason", "workflow", "change" | "keys", ...}).
  dlq_environment_variable = "DLQ_URL"
  dlq_kms_key_arn          = var.dlq_kms_key_arn

  policy_statements = [{
    sid       = "StartTheWorkflows"
    actions   = ["states:StartExecution"]
    resources = local.state_machine_arns
  }]
}
