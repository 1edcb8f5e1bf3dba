mock_provider "aws" {
  source          = "../../mocks/aws"
  override_during = plan # the mocks' values are known at plan: no run needs an apply (nor its teardown)
}

variables {
  roles = {
    api = {
      name        = "orders-apigw"
      service     = "apigateway.amazonaws.com"
      policy_name = "start-executions"
      statements  = [{ sid = "StartExecutions", actions = ["states:StartSyncExecution"], resources = ["arn:aws:states:eu-west-1:123456789012:stateMachine:orders"] }]
    }
    target = {
      name           = "orders-paid-sfn"
      service        = "events.amazonaws.com"
      source_account = "123456789012"
      source_arn     = "arn:aws:events:eu-west-1:123456789012:rule/orders/paid"
      policy_name    = "start-targets"
      statements = [
        { sid = "StartTargets", actions = ["states:StartExecution"], resources = ["arn:aws:states:eu-west-1:123456789012:stateMachine:fulfil"] },
        { sid = "Tracing", actions = ["xray:PutTraceSegments"], resources = ["*"] },
      ]
    }
    workflow = {
      name           = "orders-workflow"
      service        = "states.amazonaws.com"
      source_account = "123456789012"
      policy_name    = "state-machine"
      statements     = [{ sid = "Notify", actions = ["sns:Publish"], resources = ["arn:aws:sns:eu-west-1:123456789012:orders"] }]
    }
  }
}

run "each_role_trusts_its_service_with_the_keys_it_sends_and_holds_exactly_its_statements" {
  command = plan

  assert {
    condition = jsondecode(output.trust_policies["api"]) == {
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Principal = { Service = "apigateway.amazonaws.com" }, Action = "sts:AssumeRole" }]
    }
    error_message = "A role without source keys trusts its service with no Condition at all."
  }
  assert {
    condition = jsondecode(output.trust_policies["target"]).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = "123456789012" }
        ArnEquals    = { "aws:SourceArn" = "arn:aws:events:eu-west-1:123456789012:rule/orders/paid" }
      }
    }] && jsondecode(output.trust_policies["workflow"]).Statement[0].Condition == { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    error_message = "source_account and source_arn become the aws:SourceAccount (StringEquals) and aws:SourceArn (ArnEquals) conditions, and only those given."
  }
  assert {
    condition = jsondecode(output.policies["target"]) == {
      Version = "2012-10-17"
      Statement = [
        { Sid = "StartTargets", Effect = "Allow", Action = ["states:StartExecution"], Resource = ["arn:aws:states:eu-west-1:123456789012:stateMachine:fulfil"] },
        { Sid = "Tracing", Effect = "Allow", Action = ["xray:PutTraceSegments"], Resource = ["*"] },
      ]
    } && aws_iam_role_policy.this["target"].name == "start-targets" && aws_iam_role_policy.this["target"].role == aws_iam_role.this["target"].id
    error_message = "A role's inline policy holds exactly its statements, in order, each an Allow."
  }
  assert {
    condition     = { for key, role in output.roles : key => role.name } == { api = "orders-apigw", target = "orders-paid-sfn", workflow = "orders-workflow" } && output.roles["api"].arn == aws_iam_role.this["api"].arn
    error_message = "roles outputs each role's name and ARN by key."
  }
}

run "a_role_name_longer_than_iam_allows_is_refused" {
  command = plan
  variables {
    roles = { long = { name = "a-role-name-that-is-longer-than-the-sixty-four-characters-iam-allows", service = "lambda.amazonaws.com", policy_name = "p", statements = [{ sid = "A", actions = ["sqs:SendMessage"], resources = ["*"] }] } }
  }
  expect_failures = [var.roles]
}

run "a_user_is_not_a_trusted_service" {
  command = plan
  variables {
    roles = { odd = { name = "odd", service = "arn:aws:iam::123456789012:root", policy_name = "p", statements = [{ sid = "A", actions = ["sqs:SendMessage"], resources = ["*"] }] } }
  }
  expect_failures = [var.roles]
}

run "a_wildcard_action_is_refused" {
  command = plan
  variables {
    roles = { wide = { name = "wide", service = "lambda.amazonaws.com", policy_name = "p", statements = [{ sid = "All", actions = ["sqs:*"], resources = ["*"] }] } }
  }
  expect_failures = [var.roles]
}
