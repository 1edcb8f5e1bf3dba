mock_provider "aws" {
  source          = "../../mocks/aws"
  override_during = plan # the mocks' values are known at plan: no run needs an apply (nor its teardown)
}

run "one_role_per_region_for_every_api" {
  command = plan

  assert {
    condition     = output.cloudwatch_role_name == "apigateway-cloudwatch-logs-eu-west-1" && aws_api_gateway_account.this.cloudwatch_role_arn == output.cloudwatch_role_arn
    error_message = "The region's API Gateway account settings name the region's CloudWatch role."
  }
  assert {
    condition = jsondecode(module.role.trust_policies["cloudwatch"]).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
    error_message = "Only API Gateway may assume the role, with no condition it does not send."
  }
  assert {
    condition = jsondecode(output.cloudwatch_role_policy).Statement[0].Resource == ["arn:aws:logs:eu-west-1:123456789012:log-group:*"] && jsondecode(output.cloudwatch_role_policy).Statement[1] == {
      Sid      = "ListLogGroups"
      Effect   = "Allow"
      Action   = ["logs:DescribeLogGroups"]
      Resource = ["*"]
    }
    error_message = "Log writes are limited to this account's log groups in this region; only DescribeLogGroups (no resource-level permissions) uses *."
  }
}

run "rejects_an_invalid_role_name" {
  command = plan

  variables {
    role_name = "has spaces"
  }

  expect_failures = [var.role_name]
}
