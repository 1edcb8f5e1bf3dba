mock_provider "aws" {
  source = "../../mocks/aws"
}

variables {
  region = "eu-west-1"
}

run "bootstraps_api_gateway_logging_for_the_region" {
  command = apply

  assert {
    condition     = module.api_gateway_account.region == "eu-west-1" && module.api_gateway_account.cloudwatch_role_name == "apigateway-cloudwatch-logs-eu-west-1"
    error_message = "The region's API Gateway CloudWatch role is named after the region."
  }
  assert {
    condition     = output.api_gateway_cloudwatch_role_arn == module.api_gateway_account.cloudwatch_role_arn
    error_message = "The role's ARN is an output."
  }
}

run "rejects_a_region_that_is_not_one" {
  command = plan

  variables {
    region = "Ireland"
  }

  expect_failures = [var.region]
}
