run "defaults_are_production_safe" {
  command = plan

  assert {
    condition = (
      output.value.table.deletion_protection && output.value.table.point_in_time_recovery && output.value.tracing &&
      output.value.alarms.enabled && output.value.alarms.dashboard && output.value.logs.retention_in_days == 90 &&
      output.value.events.archive_retention_days == 30 && output.value.api.authorization == "COGNITO" &&
      output.value.api.throttling.rate_limit == 100 && output.value.api.throttling.burst_limit == 200 &&
      output.value.api.webhooks.enabled && !output.value.workflow.include_execution_data &&
      output.value.pipeline.upload_retention_days == 30
    )
    error_message = "Left out, every setting keeps the production-safe default."
  }
}

run "a_group_set_in_part_keeps_the_rest_of_its_defaults" {
  command = plan
  variables {
    settings = { api = { throttling = { rate_limit = 10 } }, table = { deletion_protection = false } }
  }

  assert {
    condition     = output.value.api.throttling == { rate_limit = 10, burst_limit = 200 } && output.value.table == { deletion_protection = false, point_in_time_recovery = true }
    error_message = "An attribute left out of a group keeps its default."
  }
}

run "unknown_settings_are_named" {
  command = plan
  variables {
    given = { api = { owner_clam = "sub", stage_name = "v2" }, tabel = {}, tracing = false }
  }

  assert {
    condition     = output.unknown == ["api.owner_clam", "tabel"]
    error_message = "A misspelt attribute and a group that does not exist are named (modules/stack refuses them)."
  }
}

run "authorization_not_offered" {
  command = plan
  variables {
    settings = { api = { authorization = "OPEN" } }
  }
  expect_failures = [var.settings]
}

run "a_retention_cloudwatch_does_not_offer" {
  command = plan
  variables {
    settings = { logs = { retention_in_days = 10 } }
  }
  expect_failures = [var.settings]
}

run "the_example_workflows_name_is_taken" {
  command = plan
  variables {
    settings = { workflow = { more_workflows = { item-workflow = { state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:x" } } } }
  }
  expect_failures = [var.settings]
}

run "uploads_kept_less_than_a_day" {
  command = plan
  variables {
    settings = { pipeline = { upload_retention_days = 0 } }
  }
  expect_failures = [var.settings]
}
