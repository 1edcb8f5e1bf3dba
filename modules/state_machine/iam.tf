module "role" {
  source = "../iam_role"
  roles = {
    execution = {
      name        = coalesce(var.role_name, var.name)
      service     = "states.amazonaws.com"
      policy_name = "state-machine"
      # Only on behalf of this account: Step Functions sends aws:SourceAccount and aws:SourceArn when it
      # assumes a state machine's role (Step Functions developer guide, "Prevent cross-service confused
      # deputy issue").
      source_account = data.aws_caller_identity.current.account_id
      statements = concat(
        var.policy_statements,
        [{
          # Log delivery: these actions do not support resource-level permissions.
          sid = "ExecutionLogDelivery"
          actions = [
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
          ]
          resources = ["*"]
        }],
        var.xray_tracing ? [{
          sid       = "Tracing"
          actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
          resources = ["*"]
        }] : [],
      )
    }
  }
  tags = var.tags
}

moved {
  from = aws_iam_role.this
  to   = module.role.aws_iam_role.this["execution"]
}

moved {
  from = aws_iam_role_policy.this
  to   = module.role.aws_iam_role_policy.this["execution"]
}
