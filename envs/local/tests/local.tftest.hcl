# What only envs/local has: the LocalStack endpoint its provider sends every service to.
mock_provider "aws" {
  source          = "../../mocks/aws"
  override_during = plan
}

run "every_service_at_the_one_endpoint" {
  command = plan

  variables {
    localstack_endpoint = "http://127.0.0.1:4510"
  }

  assert {
    condition     = length(local.endpoints) == 16 && alltrue([for url in values(local.endpoints) : url == "http://127.0.0.1:4510"])
    error_message = "Every service the stack uses goes to localstack_endpoint."
  }
}

run "rejects_an_endpoint_with_a_path" {
  command = plan
  variables {
    localstack_endpoint = "localhost:4566/aws"
  }
  expect_failures = [var.localstack_endpoint]
}
