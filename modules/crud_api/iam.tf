data "aws_caller_identity" "current" {}

locals {
  # Exactly the DynamoDB actions statemachines/crud.asl.json uses.
  dynamodb_actions = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"]
}

resource "aws_iam_role" "api" {
  name = "${var.name}-crud-apigw"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Only on behalf of this account (confused-deputy protection).
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = var.tags
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
      Resource = [module.state_machine.arn]
    }]
  })
}
