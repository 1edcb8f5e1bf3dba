# What each target type needs so EventBridge may deliver to it, scoped to the rules that target it.

locals {
  # One document for queues and topics alike: EventBridge may deliver, on behalf of the rules targeting them.
  delivery_policies = {
    for kind, groups in { sqs = local.sqs_targets, sns = local.sns_targets } : kind => {
      for name, targets in groups : name => jsonencode({
        Version = "2012-10-17"
        Statement = concat([{
          Sid       = "EventBridgeRules"
          Effect    = "Allow"
          Principal = { Service = "events.amazonaws.com" }
          Action    = kind == "sqs" ? "sqs:SendMessage" : "sns:Publish"
          Resource  = targets[0].arn
          Condition = { ArnEquals = { "aws:SourceArn" = [for t in targets : aws_cloudwatch_event_rule.this[t.rule_key].arn] } }
          }], kind == "sqs" ? [{ # the queue's one policy: it also refuses requests without TLS
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "sqs:*"
          Resource  = targets[0].arn
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        }] : [])
      })
    }
  }
}

# The queue's URL as the SQS endpoint in use reports it (AWS in any partition, LocalStack), never built from
# the ARN by hand. A queue created in the same apply is read once it exists.
data "aws_sqs_queue" "targets" {
  for_each = local.sqs_targets

  name = split(":", each.value[0].arn)[5]
}

resource "aws_sqs_queue_policy" "targets" {
  for_each = local.sqs_targets

  queue_url = data.aws_sqs_queue.targets[each.key].url
  policy    = local.delivery_policies.sqs[each.key]
}

resource "aws_sns_topic_policy" "targets" {
  for_each = local.sns_targets

  arn    = each.value[0].arn
  policy = local.delivery_policies.sns[each.key]
}

resource "aws_lambda_permission" "targets" {
  for_each = { for key, t in local.targets : key => t if t.type == "lambda" }

  statement_id  = "${var.name}-${each.value.rule_key}-${each.value.target_key}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.arn
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[each.value.rule_key].arn
}

module "sfn_target_roles" {
  source = "../iam_role"
  roles = { for key in local.sfn_rules : key => {
    name        = "${var.name}-${key}-sfn"
    service     = "events.amazonaws.com"
    policy_name = "start-targets"
    # EventBridge sends both keys when it assumes a target's role; for event bus rule targets aws:SourceArn
    # is the rule's ARN (EventBridge user guide, "Cross-service confused deputy prevention").
    source_account = local.account_id
    source_arn     = aws_cloudwatch_event_rule.this[key].arn
    statements = [{
      sid       = "StartTargetStateMachines"
      actions   = ["states:StartExecution"]
      resources = distinct([for t in values(local.targets) : t.arn if t.rule_key == key && t.type == "sfn"])
    }]
  } }
  tags = var.tags
}

moved {
  from = aws_iam_role.sfn_targets
  to   = module.sfn_target_roles.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.sfn_targets
  to   = module.sfn_target_roles.aws_iam_role_policy.this
}
