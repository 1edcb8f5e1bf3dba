# A consumer's first test of the module, with the provider mocked and nothing else: it plans (issue #30: the
# table check iterated a mock's null attribute list and failed the whole run).
mock_provider "aws" {}

variables {
  name  = "orders"
  table = "orders"
}

run "plans_under_a_plain_mock_provider" {
  command = plan

  # A plain mock describes the table with a random hash key: the check says so (a warning on a real plan)
  # instead of failing on its null attribute list.
  expect_failures = [check.table_key_schema]

  assert {
    condition     = output.authorization.type == "AWS_IAM"
    error_message = "The module plans, authenticated by default."
  }
}
