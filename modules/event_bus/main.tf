data "aws_caller_identity" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  event_bus_name = var.existing_event_bus_name == null ? aws_cloudwatch_event_bus.this[0].name : data.aws_cloudwatch_event_bus.existing[0].name
  event_bus_arn  = var.existing_event_bus_name == null ? aws_cloudwatch_event_bus.this[0].arn : data.aws_cloudwatch_event_bus.existing[0].arn

  # Scheduled rules only exist on the default bus; pattern rules live on this bus.
  rule_bus = { for key, rule in var.rules : key => rule.schedule_expression != null ? "default" : local.event_bus_name }

  targets = merge([for rule_key, rule in var.rules : {
    for target_key, target in rule.targets : "${rule_key}/${target_key}" => merge(target, {
      rule_key   = rule_key
      target_key = target_key
    })
  }]...)

  # One resource policy per target queue/topic, allowing every rule that targets it. Grouped by target name
  # (static) rather than ARN, which is unknown until the queue exists; a validation keeps names and ARNs 1:1.
  sqs_targets = { for t in values(local.targets) : t.target_key => t... if t.type == "sqs" && var.manage_target_policies }
  sns_targets = { for t in values(local.targets) : t.target_key => t... if t.type == "sns" && var.manage_target_policies }
  sfn_rules   = toset(distinct([for t in values(local.targets) : t.rule_key if t.type == "sfn"]))
}

resource "aws_cloudwatch_event_bus" "this" {
  count = var.existing_event_bus_name == null ? 1 : 0

  name = var.name
  tags = var.tags
}

# A bus created elsewhere (another stack, the default bus): rules, archive and policy attach to it.
data "aws_cloudwatch_event_bus" "existing" {
  count = var.existing_event_bus_name == null ? 0 : 1
  name  = var.existing_event_bus_name
}

moved {
  from = aws_cloudwatch_event_bus.this
  to   = aws_cloudwatch_event_bus.this[0]
}

resource "aws_cloudwatch_event_archive" "this" {
  count            = var.archive_retention_days > 0 ? 1 : 0
  name             = "${var.name}-archive"
  description      = "Every event on ${var.name}, for replay"
  event_source_arn = local.event_bus_arn
  retention_days   = var.archive_retention_days
}

resource "aws_cloudwatch_event_bus_policy" "publishers" {
  count          = length(var.publisher_account_ids) > 0 ? 1 : 0
  event_bus_name = local.event_bus_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CrossAccountPublishers"
      Effect    = "Allow"
      Principal = { AWS = [for account in var.publisher_account_ids : "arn:aws:iam::${account}:root"] }
      Action    = "events:PutEvents"
      Resource  = local.event_bus_arn
      Condition = { StringEquals = { "events:source" = coalescelist(var.publisher_sources, [var.event_source]) } }
    }]
  })
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.rules

  name                = "${var.name}-${each.key}"
  description         = each.value.description
  event_bus_name      = local.rule_bus[each.key]
  event_pattern       = each.value.event_pattern
  schedule_expression = each.value.schedule_expression
  state               = each.value.enabled ? "ENABLED" : "DISABLED"
  tags                = var.tags
}

# Events a target could not take after its retry policy: one DLQ per rule, to which EventBridge sends them
# as the service, for that rule only (EventBridge User Guide, "Granting permissions to the dead-letter
# queue").
module "rule_dlqs" {
  source = "../sqs_queue"

  queues = { for key, rule in var.rules : key => {
    name            = "${var.name}-${key}-dlq"
    service_senders = [{ service = "events.amazonaws.com", source_arn = aws_cloudwatch_event_rule.this[key].arn }]
  } }
  tags = var.tags
}

# Until v0.4 the queues were this module's own resources: they keep their state (and their messages).
moved {
  from = aws_sqs_queue.target_dlq
  to   = module.rule_dlqs.aws_sqs_queue.this
}

moved {
  from = aws_sqs_queue_policy.target_dlq
  to   = module.rule_dlqs.aws_sqs_queue_policy.this
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.targets

  rule           = aws_cloudwatch_event_rule.this[each.value.rule_key].name
  event_bus_name = local.rule_bus[each.value.rule_key]
  target_id      = each.value.target_key
  arn            = each.value.arn
  input_path     = each.value.input_path
  role_arn       = each.value.type == "sfn" ? module.sfn_target_roles.roles[each.value.rule_key].arn : null

  retry_policy {
    maximum_event_age_in_seconds = each.value.retry_policy.maximum_event_age_in_seconds
    maximum_retry_attempts       = each.value.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = coalesce(each.value.dead_letter_arn, module.rule_dlqs.queues[each.value.rule_key].arn)
  }
}
