mock_provider "aws" {
  source = "./.terraform/modules/table/mocks/aws"
}

run "wires_the_modules_together" {
  assert {
    condition     = module.trigger.function.event_source_mapping.event_source_arn == module.table.stream_arn
    error_message = "The trigger reads the table's stream."
  }
  assert {
    condition     = endswith(module.bus.event_bus_arn, "/${module.fanout.function.environment_variables.EVENT_BUS_NAME}")
    error_message = "The fan-out publishes to the bus."
  }
  assert {
    condition     = aws_cloudwatch_event_rule.shipped.event_bus_name == module.bus.event_bus_name
    error_message = "Our own rule sits on the module's bus."
  }
  assert {
    condition     = aws_cloudwatch_event_target.shipped.arn == module.shipping_queues.queues["shipped"].arn && module.shipping_queues.dlqs["shipped"].name == "orders-shipped-dlq"
    error_message = "Our own rule delivers to our own queue, which has its DLQ."
  }
  assert {
    condition     = aws_cloudwatch_event_target.shipped_workflow.role_arn == module.rule_roles.roles["shipped"].arn && jsondecode(module.rule_roles.trust_policies["shipped"]).Statement[0].Condition.ArnEquals["aws:SourceArn"] == aws_cloudwatch_event_rule.shipped.arn
    error_message = "Our own rule starts the workflow with a role only EventBridge may assume, for that rule only."
  }
  assert {
    condition     = aws_cloudwatch_event_target.live.arn == module.live.broadcaster_function.function_arn && module.live.routes["$connect"] == "AWS_IAM"
    error_message = "Item changes reach the live-updates broadcaster; connects are IAM-signed."
  }
  assert {
    condition     = module.system.table_name == "orders-sys-items"
    error_message = "The whole stack deploys beside the modules."
  }
}
