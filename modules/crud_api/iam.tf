locals {
  # Exactly the DynamoDB actions statemachines/crud.asl.json uses.
  dynamodb_actions = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:BatchGetItem"]
}

module "role" {
  source = "../iam_role"
  roles = {
    api = {
      name        = "${var.name}-crud-apigw"
      service     = "apigateway.amazonaws.com"
      policy_name = "start-crud-executions"
      # No aws:SourceAccount / aws:SourceArn condition: API Gateway documents no confused-deputy keys for the
      # credentials role of an AWS integration, and it does not send aws:SourceAccount when it assumes one
      # ("API Gateway does not have permission to assume the provided role" on every request; seen with
      # test-invoke-method, aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws#479).
      # The role can do one thing (two with webhooks): start this state machine synchronously, put webhook events.
      statements = concat(
        [{
          sid       = "StartCrudExecutions"
          actions   = ["states:StartSyncExecution"]
          resources = [module.state_machine.state_machine_arn]
        }],
        var.webhooks == null ? [] : [{
          sid       = "PutWebhookEvents"
          actions   = ["events:PutEvents"]
          resources = [var.webhooks.event_bus_arn]
        }],
      )
    }
  }
  tags = var.tags
}

moved {
  from = aws_iam_role.api
  to   = module.role.aws_iam_role.this["api"]
}

moved {
  from = aws_iam_role_policy.api
  to   = module.role.aws_iam_role_policy.this["api"]
}
