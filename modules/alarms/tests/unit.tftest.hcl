mock_provider "aws" {
  source          = "../../mocks/aws" # the published mocks; the blocks below override them for this module
  override_during = plan              # the mocks' values are known at plan: no run needs an apply (nor its teardown)

  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:items-prod-alarms" }
  }
}

variables {
  name                           = "items-prod"
  email_endpoints                = ["oncall@example.com"]
  dlq_names                      = { trigger = "items-prod-trigger-stream-failures", fanout = "items-prod-bus-fanout-dlq" }
  stream_consumer_function_names = { trigger = "items-prod-trigger", fanout = "items-prod-bus-fanout" }
  function_names                 = { trigger = "items-prod-trigger", fanout = "items-prod-bus-fanout", consumer = "items-prod-consumer" }
  state_machine_arns = {
    crud     = "arn:aws:states:eu-west-1:123456789012:stateMachine:items-prod-crud"
    workflow = "arn:aws:states:eu-west-1:123456789012:stateMachine:items-prod-workflow"
  }
  apis      = { crud = { api_name = "items-prod-api", stage_name = "v1" } }
  dashboard = true
}

run "every_signal_has_an_alarm_to_the_topic" {
  command = plan

  assert {
    condition = sort(keys(aws_cloudwatch_metric_alarm.this)) == sort([
      "trigger-dlq-not-empty", "fanout-dlq-not-empty",
      "trigger-iterator-age", "fanout-iterator-age",
      "trigger-errors", "fanout-errors", "consumer-errors",
      "trigger-throttles", "fanout-throttles", "consumer-throttles",
      "crud-executionsfailed", "crud-executionstimedout", "workflow-executionsfailed", "workflow-executionstimedout",
      "crud-5xx-rate", "crud-p99-latency",
    ])
    error_message = "DLQs, iterator age, Lambda errors and throttles, executions and the API are all watched."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:items-prod-alarms"]) && a.treat_missing_data == "notBreaching"])
    error_message = "Every alarm notifies the topic; silence is not trouble."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["fanout-dlq-not-empty"].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.this["fanout-dlq-not-empty"].threshold == 0 &&
      aws_cloudwatch_metric_alarm.this["fanout-dlq-not-empty"].evaluation_periods == 1 &&
      aws_cloudwatch_metric_alarm.this["fanout-dlq-not-empty"].dimensions == tomap({ QueueName = "items-prod-bus-fanout-dlq" })
    )
    error_message = "One message in a DLQ raises its alarm within one period."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["crud-p99-latency"].extended_statistic == "p99" && aws_cloudwatch_metric_alarm.this["crud-p99-latency"].threshold == 3000
    error_message = "API latency is watched at p99."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["crud-5xx-rate"].statistic == "Average" && aws_cloudwatch_metric_alarm.this["crud-5xx-rate"].threshold == 0.01 && aws_cloudwatch_metric_alarm.this["crud-5xx-rate"].dimensions == tomap({ ApiName = "items-prod-api", Stage = "v1" })
    error_message = "The 5XX alarm watches the error rate of the stage."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["trigger-iterator-age"].threshold == 60000 && aws_cloudwatch_metric_alarm.this["workflow-executionsfailed"].dimensions == tomap({ StateMachineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:items-prod-workflow" })
    error_message = "Iterator age and executions are watched per consumer and per state machine."
  }
  assert {
    # alias/aws/sns would silence every alarm: CloudWatch cannot use that key to publish.
    condition     = aws_sns_topic.alarms[0].kms_master_key_id != "alias/aws/sns" && aws_sns_topic_subscription.email["oncall@example.com"].protocol == "email"
    error_message = "The topic is one CloudWatch can publish to (not under the AWS managed SNS key) and mails the on-call address."
  }
  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets) == 16
    error_message = "The dashboard graphs every alarmed metric."
  }
}

run "existing_topic_and_thresholds" {
  command = plan

  variables {
    create_topic            = false
    alarm_topic_arn         = "arn:aws:sns:eu-west-1:123456789012:shared-oncall"
    lambda_errors_threshold = 5
    dashboard               = false
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && output.alarm_topic_arn == "arn:aws:sns:eu-west-1:123456789012:shared-oncall" && output.dashboard_name == null
    error_message = "An existing topic is used as is."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["consumer-errors"].threshold == 4 && aws_cloudwatch_metric_alarm.this["consumer-errors"].comparison_operator == "GreaterThanThreshold"
    error_message = "lambda_errors_threshold errors per period raise the alarm (more than threshold - 1)."
  }
}

run "each_alarm_names_the_command_that_shows_what_it_is_about" {
  command = plan

  variables {
    runbook_environment = "prod"
  }

  assert {
    condition     = endswith(aws_cloudwatch_metric_alarm.this["fanout-dlq-not-empty"].alarm_description, "See it: make dlq ENV=prod QUEUE=fanout; put it back once fixed: make redrive ENV=prod QUEUE=fanout")
    error_message = "A DLQ alarm names the command that shows its parked messages."
  }
  assert {
    condition     = alltrue([for key, alarm in aws_cloudwatch_metric_alarm.this : endswith(alarm.alarm_description, "make status ENV=prod") if !endswith(key, "-dlq-not-empty")])
    error_message = "Every other alarm names make status."
  }
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    create_topic                 = false
    email_endpoints              = ["not-an-address"]
    period_seconds               = 45
    evaluation_periods           = 0
    api_5xx_rate_threshold       = 5
    api_p99_latency_threshold_ms = 60000
  }

  expect_failures = [
    var.alarm_topic_arn, var.email_endpoints, var.period_seconds, var.evaluation_periods,
    var.api_5xx_rate_threshold, var.api_p99_latency_threshold_ms,
  ]
}
