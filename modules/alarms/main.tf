locals {
  topic_arn = var.create_topic ? aws_sns_topic.alarms[0].arn : var.alarm_topic_arn
  # What every alarm but a DLQ's points to: the one screen of what needs attention.
  status_hint = var.runbook_environment == null ? "" : " What needs attention: make status ENV=${var.runbook_environment}"

  # Every alarm as data, so one resource creates them and a test can read them all.
  alarms = merge(
    { for label, queue in var.dlq_names : "${label}-dlq-not-empty" => {
      description = "A message is waiting in ${queue}: something could not be delivered and needs a look.${var.runbook_environment == null ? "" : " See it: make dlq ENV=${var.runbook_environment} QUEUE=${label}; put it back once fixed: make redrive ENV=${var.runbook_environment} QUEUE=${label}"}"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = queue }
      statistic   = "Maximum"
      threshold   = 0
      periods     = 1
    } },
    { for label, function in var.stream_consumer_function_names : "${label}-iterator-age" => {
      description = "${function} is more than ${var.iterator_age_threshold_ms} ms behind its stream.${local.status_hint}"
      namespace   = "AWS/Lambda"
      metric_name = "IteratorAge"
      dimensions  = { FunctionName = function }
      statistic   = "Maximum"
      threshold   = var.iterator_age_threshold_ms
      periods     = var.evaluation_periods
    } },
    { for label, function in var.function_names : "${label}-errors" => {
      description = "${function} failed invocations.${local.status_hint}"
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = function }
      statistic   = "Sum"
      threshold   = var.lambda_errors_threshold - 1
      periods     = 1
    } },
    { for label, function in var.function_names : "${label}-throttles" => {
      description = "${function} was throttled.${local.status_hint}"
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions  = { FunctionName = function }
      statistic   = "Sum"
      threshold   = var.lambda_throttles_threshold - 1
      periods     = 1
    } },
    merge([for label, arn in var.state_machine_arns : {
      for metric in ["ExecutionsFailed", "ExecutionsTimedOut"] : "${label}-${lower(metric)}" => {
        description = "${metric} of ${arn}.${local.status_hint}"
        namespace   = "AWS/States"
        metric_name = metric
        dimensions  = { StateMachineArn = arn }
        statistic   = "Sum"
        threshold   = var.execution_failures_threshold - 1
        periods     = 1
      }
    }]...),
    { for label, api in var.apis : "${label}-5xx-rate" => {
      description = "More than ${var.api_5xx_rate_threshold * 100}% of ${api.api_name}/${api.stage_name} requests answered 5XX.${local.status_hint}"
      namespace   = "AWS/ApiGateway"
      metric_name = "5XXError"
      dimensions  = { ApiName = api.api_name, Stage = api.stage_name }
      statistic   = "Average" # 5XXError is 0 or 1 per request: its average is the rate
      threshold   = var.api_5xx_rate_threshold
      periods     = var.evaluation_periods
    } },
    { for label, api in var.apis : "${label}-p99-latency" => {
      description = "p99 latency of ${api.api_name}/${api.stage_name} above ${var.api_p99_latency_threshold_ms} ms.${local.status_hint}"
      namespace   = "AWS/ApiGateway"
      metric_name = "Latency"
      dimensions  = { ApiName = api.api_name, Stage = api.stage_name }
      statistic   = "p99"
      threshold   = var.api_p99_latency_threshold_ms
      periods     = var.evaluation_periods
    } },
  )
}

# Not encrypted with alias/aws/sns: CloudWatch alarms cannot publish to a topic encrypted with that AWS managed
# key, whose policy gives cloudwatch.amazonaws.com no kms:GenerateDataKey/Decrypt and cannot be edited ("CloudWatch
# Alarms does not have authorization to access the SNS topic encryption key"; AWS re:Post knowledge center,
# "cloudwatch-configure-alarm-sns"). Notifications carry alarm names, thresholds and metric values, no item
# data. For encryption at rest, pass alarm_topic_arn of a topic under a customer managed key whose policy
# allows cloudwatch.amazonaws.com those two actions.
resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic under the AWS managed SNS key; notifications hold no item data (see the comment above)
  count = var.create_topic ? 1 : 0
  name  = "${var.name}-alarms"
  tags  = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = var.create_topic ? toset(var.email_endpoints) : toset([])
  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = startswith(each.value.statistic, "p") ? null : each.value.statistic
  extended_statistic  = startswith(each.value.statistic, "p") ? each.value.statistic : null
  period              = var.period_seconds
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  # No data means no traffic (or an empty queue), not trouble.
  treat_missing_data = "notBreaching"
  alarm_actions      = [local.topic_arn]
  ok_actions         = [local.topic_arn]
  tags               = var.tags
}

resource "aws_cloudwatch_dashboard" "this" {
  count          = var.dashboard ? 1 : 0
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [for index, key in sort(keys(local.alarms)) : {
      type   = "metric"
      x      = (index % 3) * 8
      y      = floor(index / 3) * 6
      width  = 8
      height = 6
      properties = {
        title   = key
        region  = data.aws_region.current.region
        stat    = local.alarms[key].statistic
        period  = var.period_seconds
        metrics = [concat([local.alarms[key].namespace, local.alarms[key].metric_name], flatten([for k, v in local.alarms[key].dimensions : [k, v]]))]
        annotations = {
          horizontal = [{ label = "alarm above", value = local.alarms[key].threshold }]
        }
      }
    }]
  })
}

data "aws_region" "current" {}
