locals {
  # The confused-deputy keys the service sends when it assumes the role; only those a role names.
  conditions = { for key, role in var.roles : key => {
    for operator, pair in {
      StringEquals = role.source_account == null ? null : { "aws:SourceAccount" = role.source_account }
      ArnEquals    = role.source_arn == null ? null : { "aws:SourceArn" = role.source_arn }
    } : operator => pair if pair != null
  } }
  trust_policies = { for key, role in var.roles : key => jsonencode({
    Version = "2012-10-17"
    Statement = [merge(
      { Effect = "Allow", Principal = { Service = role.service }, Action = "sts:AssumeRole" },
      { for element, conditions in { Condition = local.conditions[key] } : element => conditions if length(conditions) > 0 },
    )]
  }) }
  policies = { for key, role in var.roles : key => jsonencode({
    Version   = "2012-10-17"
    Statement = [for s in role.statements : { Sid = s.sid, Effect = "Allow", Action = s.actions, Resource = s.resources }]
  }) }
}

resource "aws_iam_role" "this" {
  for_each = var.roles

  name               = each.value.name
  assume_role_policy = local.trust_policies[each.key]
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  for_each = var.roles

  name   = each.value.policy_name
  role   = aws_iam_role.this[each.key].id
  policy = local.policies[each.key]
}
