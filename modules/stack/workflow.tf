# The example workflow the trigger starts (statemachines/item_workflow.asl.json) and the queues it writes to.

data "aws_caller_identity" "current" {}

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

resource "aws_cloudwatch_log_group" "workflow" {
  name              = "/aws/vendedlogs/states/${var.name}-item-workflow"
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_iam_role" "workflow" {
  name = "${var.name}-item-workflow"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "workflow" {
  name = "item-workflow"
  role = aws_iam_role.workflow.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "NotifyAndRecordFailures"
          Effect   = "Allow"
          Action   = ["sqs:SendMessage"]
          Resource = [aws_sqs_queue.workflow_notifications.arn, aws_sqs_queue.workflow_failures.arn]
        },
        {
          # Log delivery for state machines: these actions do not support resource-level permissions.
          Sid    = "ExecutionLogDelivery"
          Effect = "Allow"
          Action = [
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
          ]
          Resource = ["*"]
        },
      ],
      var.xray_tracing ? [{
        Sid      = "Tracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = ["*"]
      }] : [],
    )
  })
}

resource "aws_sfn_state_machine" "workflow" {
  name     = "${var.name}-item-workflow"
  type     = "STANDARD" # unique execution names are what make the trigger's deliveries idempotent
  role_arn = aws_iam_role.workflow.arn
  definition = templatefile("${path.module}/../../statemachines/item_workflow.asl.json", {
    notification_queue_url = aws_sqs_queue.workflow_notifications.url
    failure_queue_url      = aws_sqs_queue.workflow_failures.url
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.workflow.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = var.xray_tracing
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.workflow]
}
