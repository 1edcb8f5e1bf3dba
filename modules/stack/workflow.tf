# The example workflow the trigger starts (statemachines/item_workflow.asl.json) and the queues it writes to.

resource "aws_sqs_queue" "workflow_notifications" {
  name                      = "${var.name}-item-notifications"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "workflow_failures" {
  name                      = "${var.name}-item-failures"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue_policy" "workflow_tls_only" {
  for_each = { notifications = aws_sqs_queue.workflow_notifications, failures = aws_sqs_queue.workflow_failures }

  queue_url = each.value.url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = each.value.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

module "workflow" {
  source = "../state_machine"

  name = "${var.name}-item-workflow"
  type = "STANDARD" # unique execution names are what make the trigger's deliveries idempotent
  definition = templatefile("${path.module}/../../statemachines/item_workflow.asl.json", {
    notification_queue_url = aws_sqs_queue.workflow_notifications.url
    failure_queue_url      = aws_sqs_queue.workflow_failures.url
  })
  include_execution_data = var.workflow_include_execution_data # changes may carry personal data: off unless asked
  log_retention_in_days  = var.log_retention_in_days
  log_kms_key_arn        = var.kms_key_arns.logs
  xray_tracing           = var.xray_tracing
  tags                   = var.tags

  policy_statements = [{
    sid       = "NotifyAndRecordFailures"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.workflow_notifications.arn, aws_sqs_queue.workflow_failures.arn]
  }]
}
