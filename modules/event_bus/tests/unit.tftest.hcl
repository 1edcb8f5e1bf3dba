mock_provider "aws" {
  source = "../../mocks/aws" # the published mocks; the blocks below override them for this module

  mock_resource "aws_cloudwatch_event_bus" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:event-bus/orders" }
  }
}

override_resource {
  target = aws_cloudwatch_event_rule.this["audit"]
  values = { arn = "arn:aws:events:eu-west-1:123456789012:rule/orders/orders-audit" }
}

override_resource {
  target = aws_cloudwatch_event_rule.this["paid"]
  values = { arn = "arn:aws:events:eu-west-1:123456789012:rule/orders/orders-paid" }
}

override_resource {
  target = aws_cloudwatch_event_rule.this["nightly"]
  values = { arn = "arn:aws:events:eu-west-1:123456789012:rule/default/orders-nightly" }
}

variables {
  name = "orders"
  rules = {
    audit = {
      event_pattern = jsonencode({ source = ["app.items"] })
      targets       = { queue = { type = "sqs", arn = "arn:aws:sqs:eu-west-1:123456789012:orders-audit" } }
    }
    paid = {
      event_pattern = jsonencode({ source = ["app.items"], detail-type = ["item.updated"], detail = { newImage = { status = ["PAID"] } } })
      targets = {
        consumer = { type = "lambda", arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders-consumer", retry_policy = { maximum_retry_attempts = 3 } }
        workflow = { type = "sfn", arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:fulfil" }
        topic    = { type = "sns", arn = "arn:aws:sns:eu-west-1:123456789012:orders-paid" }
        queue    = { type = "sqs", arn = "arn:aws:sqs:eu-west-1:123456789012:orders-audit", dead_letter_arn = "arn:aws:sqs:eu-west-1:123456789012:own-dlq" }
      }
    }
    nightly = {
      schedule_expression = "cron(0 3 * * ? *)"
      targets             = { report = { type = "sfn", arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:report" } }
    }
  }
}

run "bus_archive_and_claim_check_bucket" {
  command = apply

  assert {
    condition     = output.event_bus_arn == "arn:aws:events:eu-west-1:123456789012:event-bus/orders" && output.event_bus_name == "orders"
    error_message = "The module creates the bus by default."
  }
  assert {
    condition     = output.claim_check_objects_arn == "${module.claim_check[0].bucket_arn}/claims/*" && output.claim_check_bucket_arn == module.claim_check[0].bucket_arn
    error_message = "Publishers get the bucket; readers are granted the claims/ prefix."
  }
  assert {
    condition = (
      module.claim_check[0].expiration_days == { expire-claims = 14 } &&
      alltrue([for s in jsondecode(module.claim_check[0].policy).Statement : s.Effect == "Deny" && s.Condition == { Bool = { "aws:SecureTransport" = "false" } }])
    )
    error_message = "The claim-check bucket is modules/s3_bucket's (private, encrypted: its own tests), TLS-only, and expires its claims."
  }
  assert {
    condition     = aws_cloudwatch_event_archive.this[0].retention_days == 7 && aws_cloudwatch_event_archive.this[0].event_source_arn == aws_cloudwatch_event_bus.this[0].arn
    error_message = "Every event is archived for a week by default."
  }
  assert {
    condition     = length(aws_cloudwatch_event_bus_policy.publishers) == 0
    error_message = "No cross-account publishers unless named."
  }
}

run "every_target_type_gets_what_it_needs" {
  command = apply

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this["paid"].event_pattern) == jsondecode(var.rules.paid.event_pattern) && aws_cloudwatch_event_rule.this["paid"].event_bus_name == "orders"
    error_message = "Pattern rules live on the custom bus with their pattern as JSON."
  }
  assert {
    condition     = aws_cloudwatch_event_rule.this["nightly"].event_bus_name == "default" && aws_cloudwatch_event_rule.this["nightly"].schedule_expression == "cron(0 3 * * ? *)"
    error_message = "Scheduled rules go to the default bus, the only one that runs schedules."
  }
  assert {
    condition = (
      jsondecode(aws_sqs_queue_policy.targets["queue"].policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == ["arn:aws:events:eu-west-1:123456789012:rule/orders/orders-audit", "arn:aws:events:eu-west-1:123456789012:rule/orders/orders-paid"] &&
      aws_sqs_queue_policy.targets["queue"].queue_url == data.aws_sqs_queue.targets["queue"].url &&
      data.aws_sqs_queue.targets["queue"].name == "orders-audit" &&
      length(aws_sqs_queue_policy.targets) == 1 &&
      one([for st in jsondecode(aws_sqs_queue_policy.targets["queue"].policy).Statement : st if st.Effect == "Deny"]).Condition.Bool["aws:SecureTransport"] == "false"
    )
    error_message = "A target queue gets one policy allowing exactly the rules that target it, and denying requests without TLS (the queue's only policy: sqs_queue leaves it to the bus)."
  }
  assert {
    condition     = jsondecode(aws_sns_topic_policy.targets["topic"].policy).Statement[0].Action == "sns:Publish"
    error_message = "A target topic lets EventBridge publish."
  }
  assert {
    condition = (
      aws_lambda_permission.targets["paid/consumer"].principal == "events.amazonaws.com" &&
      aws_lambda_permission.targets["paid/consumer"].source_arn == "arn:aws:events:eu-west-1:123456789012:rule/orders/orders-paid" &&
      aws_lambda_permission.targets["paid/consumer"].function_name == "arn:aws:lambda:eu-west-1:123456789012:function:orders-consumer"
    )
    error_message = "A target function may be invoked by its rule only."
  }
  assert {
    condition = (
      jsondecode(module.sfn_target_roles.policies["paid"]).Statement[0].Resource == ["arn:aws:states:eu-west-1:123456789012:stateMachine:fulfil"] &&
      jsondecode(module.sfn_target_roles.policies["nightly"]).Statement[0].Resource == ["arn:aws:states:eu-west-1:123456789012:stateMachine:report"] &&
      aws_cloudwatch_event_target.this["paid/workflow"].role_arn == output.sfn_target_role_arns["paid"] &&
      jsondecode(module.sfn_target_roles.trust_policies["paid"]).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012" &&
      jsondecode(module.sfn_target_roles.trust_policies["paid"]).Statement[0].Condition.ArnEquals["aws:SourceArn"] == aws_cloudwatch_event_rule.this["paid"].arn
    )
    error_message = "State machine targets are started through a role that may start exactly them."
  }
  assert {
    condition     = aws_cloudwatch_event_target.this["paid/queue"].dead_letter_config[0].arn == "arn:aws:sqs:eu-west-1:123456789012:own-dlq" && aws_cloudwatch_event_target.this["paid/consumer"].dead_letter_config[0].arn == module.rule_dlqs.queues["paid"].arn
    error_message = "Targets dead-letter to the rule's queue unless they name their own."
  }
  assert {
    condition     = aws_cloudwatch_event_target.this["paid/consumer"].retry_policy[0].maximum_retry_attempts == 3 && aws_cloudwatch_event_target.this["audit/queue"].retry_policy[0].maximum_event_age_in_seconds == 86400
    error_message = "Retry policies are per target, defaulting to EventBridge's own."
  }
  assert {
    condition     = jsondecode(module.rule_dlqs.policies["paid"]).Statement[1].Condition.ArnEquals["aws:SourceArn"] == "arn:aws:events:eu-west-1:123456789012:rule/orders/orders-paid"
    error_message = "A rule's DLQ accepts messages from that rule only."
  }
  assert {
    condition     = keys(output.rule_dlq_urls) == ["audit", "nightly", "paid"] && output.rule_arns.paid == "arn:aws:events:eu-west-1:123456789012:rule/orders/orders-paid"
    error_message = "Outputs name every rule's ARN and DLQ."
  }
}

run "cross_account_publishers_are_limited_to_their_sources" {
  command = apply

  variables {
    publisher_account_ids  = ["210987654321"]
    archive_retention_days = 0
    manage_target_policies = false
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_bus_policy.publishers[0].policy).Statement[0] == {
      Sid       = "CrossAccountPublishers"
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::210987654321:root"] }
      Action    = "events:PutEvents"
      Resource  = "arn:aws:events:eu-west-1:123456789012:event-bus/orders"
      Condition = { StringEquals = { "events:source" = ["app.items"] } }
    }
    error_message = "Other accounts may publish only the allowed sources."
  }
  assert {
    condition     = output.archive_arn == null && length(aws_sqs_queue_policy.targets) == 0 && length(aws_sns_topic_policy.targets) == 0
    error_message = "archive_retention_days = 0 turns the archive off; target policies can be left to the caller."
  }
}

run "rejects_a_rule_with_neither_pattern_nor_schedule" {
  command = plan
  variables {
    rules = { broken = { targets = { q = { type = "sqs", arn = "arn:aws:sqs:eu-west-1:123456789012:q" } } } }
  }
  expect_failures = [var.rules]
}

run "rejects_one_target_name_for_two_destinations" {
  command = plan
  variables {
    rules = {
      a = { event_pattern = jsonencode({ source = ["x"] }), targets = { q = { type = "sqs", arn = "arn:aws:sqs:eu-west-1:123456789012:one" } } }
      b = { event_pattern = jsonencode({ source = ["y"] }), targets = { q = { type = "sqs", arn = "arn:aws:sqs:eu-west-1:123456789012:two" } } }
    }
  }
  expect_failures = [var.rules]
}

run "rejects_an_unknown_target_type" {
  command = plan
  variables {
    rules = { broken = { event_pattern = jsonencode({ source = ["app.items"] }), targets = { q = { type = "kinesis", arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/s" } } } }
  }
  expect_failures = [var.rules]
}

run "rejects_a_target_arn_of_another_type" {
  command = plan
  variables {
    rules = { broken = { event_pattern = jsonencode({ source = ["app.items"] }), targets = { q = { type = "sqs", arn = "arn:aws:sns:eu-west-1:123456789012:topic" } } } }
  }
  expect_failures = [var.rules]
}

run "rejects_out_of_range_inputs" {
  command = plan
  variables {
    name                    = "default"
    event_source            = "aws.dynamodb"
    archive_retention_days  = -1
    publisher_account_ids   = ["12345"]
    claim_check             = { expiration_days = 0 }
    existing_event_bus_name = "no spaces"
  }
  expect_failures = [
    var.name, var.event_source, var.archive_retention_days, var.publisher_account_ids, var.claim_check.expiration_days, var.existing_event_bus_name,
  ]
}

run "rejects_a_fifo_queue_target" {
  command = plan
  variables {
    rules = { broken = { event_pattern = jsonencode({ source = ["app.items"] }), targets = { q = { type = "sqs", arn = "arn:aws:sqs:eu-west-1:123456789012:orders.fifo" } } } }
  }
  expect_failures = [var.rules]
}

run "rules_attach_to_an_existing_bus" {
  command = apply

  variables {
    existing_event_bus_name = "shared"
    rules = {
      audit = {
        event_pattern = jsonencode({ source = ["app.items"] })
        targets       = { queue = { type = "sqs", arn = "arn:aws:sqs:eu-west-1:123456789012:orders-audit" } }
      }
    }
  }

  override_data {
    target = data.aws_cloudwatch_event_bus.existing[0]
    values = { name = "shared", arn = "arn:aws:events:eu-west-1:123456789012:event-bus/shared" }
  }

  assert {
    condition     = length(aws_cloudwatch_event_bus.this) == 0 && output.event_bus_arn == "arn:aws:events:eu-west-1:123456789012:event-bus/shared"
    error_message = "An existing bus is used, not created."
  }
  assert {
    condition     = aws_cloudwatch_event_rule.this["audit"].event_bus_name == "shared" && aws_cloudwatch_event_archive.this[0].event_source_arn == output.event_bus_arn
    error_message = "Rules and the archive attach to the existing bus."
  }
}
