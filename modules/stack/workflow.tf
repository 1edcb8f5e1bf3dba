# The example workflow the trigger starts (statemachines/item_workflow.asl.json) and the queues it writes to.

# notifications: what the workflow reports per change; dlq: the changes it could not process, recorded
# before it fails, so no change is dropped silently.
module "workflow_queues" {
  source = "../sqs_queue"

  queues = {
    notifications = { name = "${var.name}-item-notifications" }
    dlq           = { name = "${var.name}-item-failures" }
  }
  tags = var.tags
}

# Until v0.4 the queues were this module's own resources: they keep their state (and their messages).
moved {
  from = aws_sqs_queue.workflow_notifications
  to   = module.workflow_queues.aws_sqs_queue.this["notifications"]
}

moved {
  from = aws_sqs_queue.workflow_failures
  to   = module.workflow_queues.aws_sqs_queue.this["dlq"]
}

moved {
  from = aws_sqs_queue_policy.workflow_tls_only["notifications"]
  to   = module.workflow_queues.aws_sqs_queue_policy.this["notifications"]
}

moved {
  from = aws_sqs_queue_policy.workflow_tls_only["failures"]
  to   = module.workflow_queues.aws_sqs_queue_policy.this["dlq"]
}

module "workflow" {
  source = "../state_machine"

  name = "${var.name}-item-workflow"
  type = "STANDARD" # unique execution names are what make the trigger's deliveries idempotent
  definition = templatefile("${path.module}/../../statemachines/item_workflow.asl.json", {
    notification_queue_url = module.workflow_queues.queues["notifications"].url
    dlq_url                = module.workflow_queues.queues["dlq"].url
  })
  include_execution_data = local.settings.workflow.include_execution_data # changes may carry personal data: off unless asked
  log_retention_in_days  = local.settings.logs.retention_in_days
  log_kms_key_arn        = local.settings.kms_key_arns.logs
  xray_tracing           = local.settings.tracing
  tags                   = var.tags

  policy_statements = [{
    sid       = "NotifyAndRecordFailures"
    actions   = ["sqs:SendMessage"]
    resources = [module.workflow_queues.queues["notifications"].arn, module.workflow_queues.queues["dlq"].arn]
  }]
}
