"""What the local runtime emulates, per Terraform resource type, so nothing is silently left out.

An environment whose evaluation holds a resource type (or a setting) listed nowhere here is refused at
start-up with one sentence naming it: a resource the runtime ignored without saying so would let a test pass
locally that fails on AWS.
"""

from __future__ import annotations

from typing import Any

from scripts.tfeval import Evaluation

EMULATED = {
    "aws_api_gateway_rest_api": "served by the API Gateway emulator from its OpenAPI body (apigateway.py)",
    "aws_api_gateway_stage": "the stage the emulator serves",
    "aws_api_gateway_method_settings": "the stage's throttling (rate and burst)",
    "aws_api_gateway_api_key": "API keys checked by the emulator",
    "aws_api_gateway_usage_plan": "API keys checked by the emulator (quotas are not counted)",
    "aws_api_gateway_usage_plan_key": "API keys checked by the emulator",
    "aws_apigatewayv2_api": "a WebSocket API served by websocket.py (one per environment)",
    "aws_apigatewayv2_stage": "the WebSocket stage websocket.py serves, with its throttling",
    "aws_apigatewayv2_route": "routed by the API's selection expression ($request.body.action) in websocket.py",
    "aws_apigatewayv2_route_response": "a two-way route: websocket.py sends the integration's body back",
    "aws_apigatewayv2_integration": "the route's function, invoked in its worker (Lambda proxy events)",
    "aws_apigatewayv2_authorizer": "the $connect Lambda REQUEST authorizer, invoked in its worker",
    "aws_cloudwatch_event_bus": "moto",
    "aws_cloudwatch_event_rule": "moto (event patterns)",
    "aws_cloudwatch_event_archive": "moto keeps the bus's events; a replay sends its window to the rules asked for (eventbridge.py)",
    "aws_cloudwatch_event_target": "moto for SQS, the function's worker for Lambda, eventbridge.py for sfn and sns",
    "aws_cognito_user_pool": "moto, tokens verified by the emulator",
    "aws_cognito_user_pool_client": "moto",
    "aws_dynamodb_table": "moto, with its stream and indexes",
    "aws_iam_role": "moto, enforced (iam.py)",
    "aws_iam_role_policy": "moto, enforced (iam.py)",
    "aws_lambda_function": "a worker process per function (worker.py)",
    "aws_lambda_event_source_mapping": "the worker's stream poller or queue poller",
    "aws_lambda_function_event_invoke_config": "the worker's asynchronous retries and on-failure destination",
    "aws_s3_bucket": "moto",
    "aws_s3_bucket_versioning": "moto (every upload of a key is a new version)",
    "aws_s3_bucket_notification": "moto sends the bucket's events to the default bus (EventBridge notifications)",
    "aws_scheduler_schedule": "stored in moto's Scheduler, never fired on its own: `make fire SCHEDULE=<name>` runs it",
    "aws_sfn_state_machine": "moto (its interpreter runs the ASL)",
    "aws_sns_topic": "moto",
    "aws_sns_topic_subscription": "moto delivers to SQS subscriptions (raw or in SNS's envelope); e-mail ones deliver nothing",
    "aws_sqs_queue": "moto, with the queue's size and timing settings",
}
NOT_EMULATED = {  # present in environments, with no local behaviour to emulate (README, known differences)
    "aws_api_gateway_deployment": "the emulator serves the rest API's body directly",
    "aws_api_gateway_account": "account settings (the CloudWatch Logs role) have no local effect",
    "aws_cloudwatch_log_group": "function logs go to files under .local/logs",
    "aws_cloudwatch_metric_alarm": "alarms are not evaluated locally",
    "aws_cloudwatch_dashboard": "dashboards have no local effect",
    "aws_lambda_permission": "resource-based policies are not evaluated",
    "aws_sqs_queue_policy": "resource-based policies are not evaluated",
    "aws_sns_topic_policy": "resource-based policies are not evaluated",
    "aws_cloudwatch_event_bus_policy": "resource-based policies are not evaluated",
    "aws_s3_bucket_policy": "resource-based policies are not evaluated",
    "aws_s3_bucket_public_access_block": "there is no public access locally",
    "aws_s3_bucket_ownership_controls": "object ownership has no local effect",
    "aws_s3_bucket_server_side_encryption_configuration": "encryption at rest has no local effect",
    "aws_s3_bucket_lifecycle_configuration": "lifecycle expiry is not run locally",
    "terraform_data": "holds values only",
}


class NotEmulated(RuntimeError):
    """The environment holds something the local runtime would silently leave out."""


def unsupported_settings(kind: str, values: dict[str, Any]) -> list[str]:
    """Settings of an emulated resource that the runtime would not honour."""
    problems = []
    if kind == "aws_sqs_queue" and values.get("fifo_queue") is True:
        problems.append("fifo_queue")
    if kind == "aws_cloudwatch_event_target" and values.get("input_transformer"):
        problems.append("input_transformer")
    if kind == "aws_apigatewayv2_api" and values.get("protocol_type") != "WEBSOCKET":
        problems.append("protocol_type")  # HTTP APIs are not served
    if kind == "aws_apigatewayv2_integration" and values.get("integration_type") != "AWS_PROXY":
        problems.append("integration_type")
    if kind == "aws_lambda_function" and values.get("package_type") == "Image":  # unset: the mock's filler
        problems.append("package_type")
    return problems


def check(evaluation: Evaluation) -> None:
    for resource in evaluation.resources:
        if resource.type not in EMULATED and resource.type not in NOT_EMULATED:
            raise NotEmulated(
                f"local runtime does not emulate {resource.type} ({resource.address}): add it to "
                "scripts/localrt/support.py with how it is emulated, or why it has no local effect"
            )
        for setting in unsupported_settings(resource.type, resource.values):
            raise NotEmulated(
                f"local runtime does not emulate {resource.type}.{setting} ({resource.address}): the runtime "
                "would deliver something else than AWS"
            )
