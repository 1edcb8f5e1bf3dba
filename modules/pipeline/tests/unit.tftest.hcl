mock_provider "aws" {
  source = "../../mocks/aws"
}

override_resource {
  target = module.queues.aws_sqs_queue.this["work"]
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:items-work", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/items-work" }
}

override_resource {
  target = module.queues.aws_sqs_queue.this["dlq"]
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:items-dlq", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/items-dlq" }
}

override_resource {
  target = aws_sns_topic.notifications
  values = { arn = "arn:aws:sns:eu-west-1:123456789012:items-notifications" }
}

override_resource {
  target = module.ingest.aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::items-ingest-abc", id = "items-ingest-abc", bucket = "items-ingest-abc" }
}

override_resource {
  target = module.results.aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::items-results-abc", id = "items-results-abc", bucket = "items-results-abc" }
}

variables {
  name          = "items"
  table         = { name = "items", arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/items" }
  item_contract = "{\"schema\": {\"type\": \"object\"}, \"defaults\": {}, \"maxBodyChars\": 32768, \"itemOverheadChars\": 300}"
  packages = {
    import_planner  = { path = "import_planner.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_worker   = { path = "import_worker.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    import_reporter = { path = "import_reporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
    table_exporter  = { path = "table_exporter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  }
}

run "every_role_does_only_its_part" {
  command = apply

  assert {
    condition     = [for s in jsondecode(output.policies.worker).Statement : s.Sid if !contains(["WriteOwnLogs", "Tracing"], s.Sid)] == ["TakeFromTheQueue", "ReadChunks", "WriteItems", "AnswerTheOrchestrator"]
    error_message = "The worker takes work from its queue, reads uploads, writes items and answers task tokens: nothing else."
  }
  assert {
    condition     = one([for s in jsondecode(output.policies.worker).Statement : s if s.Sid == "WriteItems"]).Action == ["dynamodb:PutItem"] && one([for s in jsondecode(output.policies.worker).Statement : s if s.Sid == "ReadChunks"]).Resource == ["arn:aws:s3:::items-ingest-abc/imports/*"]
    error_message = "Items are only put (conditionally: never overwritten), and only uploads under imports/ are read."
  }
  assert {
    condition     = [for s in jsondecode(output.policies.orchestrator).Statement : s.Sid if contains(["PlanAndReport", "SendWorkAndDeadLetters", "WriteReports", "Notify"], s.Sid)] == ["PlanAndReport", "SendWorkAndDeadLetters", "WriteReports", "Notify"] && one([for s in jsondecode(output.policies.orchestrator).Statement : s if s.Sid == "WriteReports"]).Resource == ["arn:aws:s3:::items-results-abc/reports/*"]
    error_message = "The orchestrator invokes the planner and reporter, sends work and dead letters, writes reports only and publishes."
  }
  assert {
    condition     = jsondecode(output.policies.start_imports).Statement[0].Action == ["states:StartExecution"] && jsondecode(output.policies.export_schedule).Statement[0].Action == ["lambda:InvokeFunction"]
    error_message = "The rule's role only starts the orchestrator; the schedule's role only invokes the exporter (and dead-letters)."
  }
  assert {
    condition     = alltrue([for name, policy in output.queue_policies : contains([for s in jsondecode(policy).Statement : s.Sid], "DenyInsecureTransport")]) && one([for s in jsondecode(output.queue_policies.dlq).Statement : s if s.Sid == "ServiceSends0"]).Principal.Service == "events.amazonaws.com"
    error_message = "Every queue is TLS-only; the import rule may dead-letter into the DLQ."
  }
}

run "chunks_wait_as_long_as_their_messages_can_live" {
  command = apply

  assert {
    condition     = module.queues.queues["work"].visibility_timeout_seconds == 360 && module.queues.queues["work"].max_receive_count == 3
    error_message = "Visibility is six times the worker's 60 s timeout; after 3 receives a chunk goes to the work DLQ."
  }
  assert {
    condition     = jsondecode(output.definition).States.ImportChunks.ItemProcessor.States.SendChunk.TimeoutSeconds == 1440 && jsondecode(output.definition).States.ImportChunks.MaxConcurrency == 10
    error_message = "The orchestrator waits for a chunk as long as all its receives could take (360 s x 4), with at most 10 in flight."
  }
  assert {
    condition     = module.worker.event_source_mapping.scaling_config[0].maximum_concurrency == 5 && module.worker.event_source_mapping.batch_size == 1 && module.worker.event_source_mapping.event_source_arn == output.work_queue_arn
    error_message = "The worker's concurrency is bounded and it reports failed messages one by one."
  }
  assert {
    condition     = aws_cloudwatch_event_target.imports.dead_letter_config[0].arn == output.dlq_arn && jsondecode(aws_cloudwatch_event_rule.imports.event_pattern).detail.object.key == [{ prefix = "imports/" }]
    error_message = "Objects under imports/ start an import; undeliverable starts go to the DLQ."
  }
  assert {
    condition     = aws_scheduler_schedule.export.state == "ENABLED" && aws_scheduler_schedule.export.schedule_expression_timezone == "UTC" && strcontains(aws_scheduler_schedule.export.target[0].input, "\"<aws.scheduler.scheduled-time>\"")
    error_message = "The export runs on its schedule and learns its scheduled time."
  }
}

run "rejects_more_chunks_than_the_state_holds" {
  command = plan

  variables {
    imports = { max_lines = 1000000, chunk_lines = 10 }
  }

  expect_failures = [var.imports]
}

run "rejects_an_unknown_schedule_expression" {
  command = plan

  variables {
    export_schedule = { expression = "every day" }
  }

  expect_failures = [var.export_schedule]
}

run "rejects_a_function_log_level_for_the_orchestrator" {
  command = plan

  variables {
    orchestrator = { log_level = "DEBUG" }
  }

  expect_failures = [var.orchestrator]
}
