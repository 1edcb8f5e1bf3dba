locals {
  # Exactly the DynamoDB actions statemachines/crud.asl.json uses.
  dynamodb_actions = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:BatchGetItem"]
}

resource "aws_iam_role" "api" {
  name = "${var.name}-crud-apigw"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # No aws:SourceAccount / aws:SourceArn condition: API Gateway documents no confused-deputy keys for the
      # credentials role of an AWS integration, and it does not send aws:SourceAccount when it assumes one
      # ("API Gateway does not have permission to assume the provided role" on every request; seen with
      # test-invoke-method, aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws#479).
      # The role can do one thing (two with webhooks): start this state machine synchronously, put webhook events. The trust gate
      # (scripts/gates/trust_conditions.py) keeps this per-service table.
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "api" {
  name = "start-crud-executions"
  role = aws_iam_role.api.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "StartCrudExecutions"
        Effect   = "Allow"
        Action   = ["states:StartSyncExecution"]
        Resource = [module.state_machine.state_machine_arn]
      }],
      var.webhooks == null ? [] : [{
        Sid      = "PutWebhookEvents"
        Effect   = "Allow"
        Action   = ["events:PutEvents"]
        Resource = [var.webhooks.event_bus_arn]
      }],
    )
  })
}
