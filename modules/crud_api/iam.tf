data "aws_caller_identity" "current" {}

locals {
  # Exactly the DynamoDB actions statemachines/crud.asl.json uses.
  dynamodb_actions = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"]

  # Each role trusts one service, and only on behalf of this account (confused-deputy protection).
  assume_role_policies = { for service in ["states", "apigateway"] : service => jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "${service}.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  }) }
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name}-crud-sfn"
  assume_role_policy = local.assume_role_policies["states"]
  tags               = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  name = "crud-table-access"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ItemsTable"
          Effect   = "Allow"
          Action   = local.dynamodb_actions
          Resource = [var.table_arn, "${var.table_arn}/index/*"]
        },
        {
          # Log delivery for EXPRESS executions: these actions do not support resource-level permissions.
          Sid    = "ExecutionLogDelivery"
          Effect = "Allow"
          Action = [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
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

resource "aws_iam_role" "api" {
  name               = "${var.name}-crud-apigw"
  assume_role_policy = local.assume_role_policies["apigateway"]
  tags               = var.tags
}

resource "aws_iam_role_policy" "api" {
  name = "start-crud-executions"
  role = aws_iam_role.api.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "StartCrudExecutions"
      Effect   = "Allow"
      Action   = ["states:StartSyncExecution"]
      Resource = [aws_sfn_state_machine.crud.arn]
    }]
  })
}
