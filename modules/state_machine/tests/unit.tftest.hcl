mock_provider "aws" {
  source          = "../../mocks/aws" # the published mocks; the blocks below override them for this module
  override_during = plan              # the mocks' values are known at plan: no run needs an apply (nor its teardown)

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/orders-workflow" }
  }
}

variables {
  name       = "orders-workflow"
  definition = "{\"StartAt\": \"Done\", \"States\": {\"Done\": {\"Type\": \"Succeed\"}}}"
  policy_statements = [{
    sid       = "Notify"
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:eu-west-1:123456789012:notifications"]
  }]
}

run "standard_machine_logs_traces_and_may_do_only_what_it_is_given" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.this.type == "STANDARD" && aws_sfn_state_machine.this.tracing_configuration[0].enabled
    error_message = "STANDARD with X-Ray by default."
  }
  assert {
    condition = (
      aws_sfn_state_machine.this.logging_configuration[0].log_destination == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/orders-workflow:*" &&
      aws_sfn_state_machine.this.logging_configuration[0].level == "ERROR" &&
      aws_sfn_state_machine.this.logging_configuration[0].include_execution_data == false &&
      aws_cloudwatch_log_group.this.retention_in_days == 30
    )
    error_message = "Errors are logged to the module's log group, without execution data, kept 30 days."
  }
  assert {
    condition     = [for s in jsondecode(output.policy).Statement : s.Sid] == ["Notify", "ExecutionLogDelivery", "Tracing"]
    error_message = "The role may do what it was given, deliver logs and trace: nothing else."
  }
  assert {
    condition     = jsondecode(output.policy).Statement[0].Resource == ["arn:aws:sqs:eu-west-1:123456789012:notifications"]
    error_message = "Caller statements keep their exact resources."
  }
  assert {
    condition = jsondecode(output.assume_role_policy).Statement[0] == {
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }
    error_message = "Only Step Functions, on behalf of this account, may assume the role."
  }
  assert {
    condition     = output.role_name == "orders-workflow"
    error_message = "The role is named after the state machine unless role_name says otherwise."
  }
}

run "express_without_tracing" {
  command = plan

  variables {
    type         = "EXPRESS"
    xray_tracing = false
    log_level    = "ALL"
    role_name    = "orders-workflow-role"
  }

  assert {
    condition     = aws_sfn_state_machine.this.type == "EXPRESS" && aws_sfn_state_machine.this.logging_configuration[0].level == "ALL" && output.role_name == "orders-workflow-role"
    error_message = "Type, log level and role name are inputs."
  }
  assert {
    condition     = !strcontains(output.policy, "xray:")
    error_message = "Without tracing the role has no X-Ray permissions."
  }
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    name                  = "has spaces"
    type                  = "SYNC"
    definition            = "{\"States\": {}}"
    log_level             = "DEBUG"
    log_retention_in_days = 10
    role_name             = ""
    policy_statements     = [{ sid = "All", actions = ["sqs:*"], resources = ["*"] }]
  }

  expect_failures = [
    var.name, var.type, var.definition, var.log_level, var.log_retention_in_days, var.role_name, var.policy_statements,
  ]
}
