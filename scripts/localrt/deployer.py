"""What an environment's evaluation declares, created in moto: one method per Terraform resource type, run in
dependency order (like moto's one backend per service). Types with no local effect are listed, with the
reason, in support.py; IAM roles and policies are iam.py's, Cognito's pools cognito.py's.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.localrt import eventbridge, ministack
from scripts.tfeval import STREAM_LABEL, Evaluation, table_arguments

QUEUE_ATTRIBUTES = {  # Terraform argument -> SQS attribute the runtime applies
    "max_message_size": "MaximumMessageSize",
    "message_retention_seconds": "MessageRetentionPeriod",
    "visibility_timeout_seconds": "VisibilityTimeout",
    "delay_seconds": "DelaySeconds",
    "receive_wait_time_seconds": "ReceiveMessageWaitTimeSeconds",
}
TEXT_QUEUE_ATTRIBUTES = {"redrive_policy": "RedrivePolicy"}  # JSON text as Terraform and SQS both hold it


def queue_attributes(values: dict[str, Any]) -> dict[str, str]:
    """The queue's evaluated settings as SQS attributes (unset optional numbers come out of the mocked
    evaluation as 0 or null: those are left to SQS's defaults)."""
    return {
        attribute: str(int(values[argument]))
        for argument, attribute in QUEUE_ATTRIBUTES.items()
        if isinstance(values.get(argument), int | float) and values[argument] > 0
    }


def redrive_attributes(values: dict[str, Any]) -> dict[str, str]:
    """The queue's redrive policy (JSON text; unset, the mocked evaluation's filler is not JSON)."""
    return {
        attribute: values[argument]
        for argument, attribute in TEXT_QUEUE_ATTRIBUTES.items()
        if str(values.get(argument) or "").startswith("{")
    }


WEBHOOKS_KEY = ":webhooks"  # no key of var.api_keys can have this name (crud_api's webhooks key)


def api_key_name(address: str) -> str:
    """Keys of var.api_keys are named by their for_each key; the webhook senders' key is WEBHOOKS_KEY."""
    return address.rsplit('["', 1)[-1].rstrip('"]') if '["' in address else WEBHOOKS_KEY


def invocation_queue(function_name: str) -> str:
    """The queue that stands in for Lambda's asynchronous-invocation queue of a function (EventBridge targets)."""
    return f"localrt-{function_name}-invocations"[:80]


# PutRule's State values (EventBridge API reference, PutRule).
RULE_STATES = frozenset({"ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})


@dataclass
class Deployer:
    evaluation: Evaluation
    client: Callable[[str], Any]  # a moto client with the runtime's own identity
    aws_endpoint: str
    stream_arns: dict[str, str] = field(default_factory=dict)  # evaluated -> created (labels differ)
    targets: list[eventbridge.Target] = field(default_factory=list)  # sfn and sns targets moto does not deliver
    api_keys: dict[str, str] = field(default_factory=dict)  # key name -> value
    native_targets: bool = False  # the engine delivers every target type itself (ministack); moto does not
    disabled_rules: set[tuple[str, str]] = field(default_factory=set)  # (bus, rule) whose State is DISABLED

    def deploy(self) -> None:
        steps: list[tuple[str, Callable[[dict[str, Any], str], None]]] = [
            ("aws_sqs_queue", self.queue),
            ("aws_sqs_queue", self.queue_redrive),  # once every queue exists: a redrive policy names its DLQ
            ("aws_sns_topic", self.topic),
            ("aws_sns_topic_subscription", self.subscription),
            ("aws_s3_bucket", self.bucket),
            ("aws_s3_bucket_versioning", self.bucket_versioning),
            ("aws_s3_bucket_notification", self.bucket_notification),
            ("aws_dynamodb_table", self.table),
            ("aws_sfn_state_machine", self.state_machine),
            ("aws_api_gateway_api_key", self.api_key),
            ("aws_cloudwatch_event_bus", self.event_bus),
            ("aws_cloudwatch_event_rule", self.event_rule),
            ("aws_cloudwatch_event_archive", self.event_archive),
            ("aws_cloudwatch_event_target", self.event_target),
            ("aws_scheduler_schedule", self.schedule),
        ]
        for kind, create in steps:
            for resource in self.evaluation.of_type(kind):
                create(resource.values, resource.address)

    def queue_url(self, arn: str | None) -> str | None:
        return None if not arn else f"{self.aws_endpoint}/{arn.split(':')[4]}/{arn.split(':')[5]}"

    # --- one method per resource type ------------------------------------------------------------------

    def queue(self, values: dict[str, Any], _: str) -> None:
        self.client("sqs").create_queue(QueueName=values["name"], Attributes=queue_attributes(values))

    def queue_redrive(self, values: dict[str, Any], _: str) -> None:
        if attributes := redrive_attributes(values):
            url = self.client("sqs").get_queue_url(QueueName=values["name"])["QueueUrl"]
            self.client("sqs").set_queue_attributes(QueueUrl=url, Attributes=attributes)

    def topic(self, values: dict[str, Any], _: str) -> None:
        self.client("sns").create_topic(Name=values["name"])

    def subscription(self, values: dict[str, Any], _: str) -> None:
        if values.get("protocol") != "sqs":
            return  # e-mail (the alarm topic): nothing to deliver to locally
        self.client("sns").subscribe(
            TopicArn=values["topic_arn"],
            Protocol="sqs",
            Endpoint=values["endpoint"],
            Attributes={"RawMessageDelivery": "true" if values.get("raw_message_delivery") else "false"},
        )

    def bucket(self, values: dict[str, Any], _: str) -> None:
        region = self.evaluation.region
        location = {} if region == "us-east-1" else {"LocationConstraint": region}
        self.client("s3").create_bucket(Bucket=values["bucket"], CreateBucketConfiguration=location)

    def bucket_versioning(self, values: dict[str, Any], _: str) -> None:
        status = (values.get("versioning_configuration") or [{}])[0].get("status") or "Enabled"
        self.client("s3").put_bucket_versioning(Bucket=values["bucket"], VersioningConfiguration={"Status": status})

    def bucket_notification(self, values: dict[str, Any], _: str) -> None:
        # moto sends the bucket's events to the default bus, as S3 does with EventBridge notifications on.
        configuration: dict[str, Any] = {"EventBridgeConfiguration": {}} if values.get("eventbridge") else {}
        self.client("s3").put_bucket_notification_configuration(
            Bucket=values["bucket"], NotificationConfiguration=configuration
        )

    def schedule(self, values: dict[str, Any], _: str) -> None:
        """Stored in moto's Scheduler (which never fires it); `make fire` runs it (fire.py). A function target
        gets the queue that stands in for Lambda's asynchronous invocations, as an EventBridge target does."""
        target = (values.get("target") or [{}])[0]
        arguments: dict[str, Any] = {"Arn": target["arn"], "RoleArn": target["role_arn"]}
        if target.get("input"):
            arguments["Input"] = target["input"]
        self.client("scheduler").create_schedule(
            Name=values["name"],
            ScheduleExpression=values["schedule_expression"],
            ScheduleExpressionTimezone=values.get("schedule_expression_timezone") or "UTC",
            State=values.get("state") or "ENABLED",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target=arguments,
        )
        if ":lambda:" in target["arn"] and not self.native_targets:
            self.client("sqs").create_queue(QueueName=invocation_queue(target["arn"].rsplit(":", 1)[-1]))

    def table(self, values: dict[str, Any], _: str) -> None:
        arguments = table_arguments(values)
        described = self.client("dynamodb").create_table(**arguments)["TableDescription"]
        if "LatestStreamArn" in described:
            region, account = self.evaluation.region, self.evaluation.account
            evaluated = f"arn:aws:dynamodb:{region}:{account}:table/{values['name']}/stream/{STREAM_LABEL}"
            self.stream_arns[evaluated] = described["LatestStreamArn"]

    def state_machine(self, values: dict[str, Any], _: str) -> None:
        self.client("stepfunctions").create_state_machine(
            name=values["name"], definition=values["definition"], roleArn=values["role_arn"], type=values["type"]
        )

    def api_key(self, _: dict[str, Any], address: str) -> None:
        # API Gateway generates key values; locally they are random too, and in the outputs.
        self.api_keys[api_key_name(address)] = secrets.token_urlsafe(30)

    def event_bus(self, values: dict[str, Any], _: str) -> None:
        self.client("events").create_event_bus(Name=values["name"])

    def event_rule(self, values: dict[str, Any], _: str) -> None:
        bus = values.get("event_bus_name") or "default"
        # An unset state comes out of the mocked evaluation as a random string: AWS's default is ENABLED.
        # (ministack, given that string, kept the rule and never matched it: no import started.)
        state = values.get("state") if values.get("state") in RULE_STATES else "ENABLED"
        if state == "DISABLED":
            self.disabled_rules.add((bus, values["name"]))
        arguments = {"Name": values["name"], "EventBusName": bus, "State": state}
        # A rule has a pattern or a schedule (event_bus validates it); the other is a mock's random filler.
        if values.get("event_pattern"):
            arguments["EventPattern"] = values["event_pattern"]
        else:
            arguments["ScheduleExpression"] = values["schedule_expression"]
        self.client("events").put_rule(**arguments)

    def event_archive(self, values: dict[str, Any], _: str) -> None:
        arguments = {"ArchiveName": values["name"], "EventSourceArn": values["event_source_arn"]}
        if _json_object(values.get("event_pattern")):  # unset, it comes out of the mocked evaluation as filler
            arguments["EventPattern"] = values["event_pattern"]
        if isinstance(values.get("retention_days"), int):
            arguments["RetentionDays"] = values["retention_days"]
        self.client("events").create_archive(**arguments)

    def event_target(self, values: dict[str, Any], _: str) -> None:
        bus = values.get("event_bus_name") or "default"
        if (bus, values["rule"]) in self.disabled_rules and not self.native_targets:
            return  # moto delivers to a rule's targets whatever its State says; AWS delivers nothing
        if self.native_targets:
            dead_letter = (values.get("dead_letter_config") or [{}])[0].get("arn")
            native = ministack.native_target(values, dead_letter if str(dead_letter or "").startswith("arn:") else None)
            self.client("events").put_targets(
                Rule=values["rule"], EventBusName=values.get("event_bus_name") or "default", Targets=[native]
            )
            return
        sqs, arn = self.client("sqs"), values["arn"]
        if ":lambda:" in arn:
            # moto invokes functions in Docker; a queue in between lets the function's worker take the events.
            url = sqs.create_queue(QueueName=invocation_queue(arn.rsplit(":", 1)[-1]))["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        elif ":states:" in arn or ":sns:" in arn:
            # moto delivers neither: a queue in their place, emptied by eventbridge.TargetDelivery.
            url = sqs.create_queue(QueueName=f"localrt-target-{values['rule']}-{values['target_id']}"[:80])["QueueUrl"]
            self.targets.append(self._delivered_target(values, url))
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        target: dict[str, Any] = {"Id": values["target_id"], "Arn": arn}
        # Unset optional attributes come out of the mocked evaluation as random strings: keep real ones only.
        if str(values.get("input_path") or "").startswith("$"):
            target["InputPath"] = values["input_path"]
        if str(values.get("role_arn") or "").startswith("arn:"):
            target["RoleArn"] = values["role_arn"]
        self.client("events").put_targets(
            Rule=values["rule"], EventBusName=values.get("event_bus_name") or "default", Targets=[target]
        )

    def _delivered_target(self, values: dict[str, Any], delivery_queue_url: str) -> eventbridge.Target:
        retry = (values.get("retry_policy") or [{}])[0]
        dead_letter = (values.get("dead_letter_config") or [{}])[0].get("arn")
        bus = values.get("event_bus_name") or "default"
        region, account = self.evaluation.region, self.evaluation.account
        return eventbridge.Target(
            rule_arn=f"arn:aws:events:{region}:{account}:rule/{bus}/{values['rule']}",
            arn=values["arn"],
            delivery_queue_url=delivery_queue_url,
            role_arn=values["role_arn"] if str(values.get("role_arn") or "").startswith("arn:") else None,
            dead_letter_queue_url=self.queue_url(dead_letter) if str(dead_letter or "").startswith("arn:") else None,
            maximum_retry_attempts=int(retry.get("maximum_retry_attempts") or eventbridge.DEFAULT_ATTEMPTS),
            maximum_event_age_in_seconds=int(
                retry.get("maximum_event_age_in_seconds") or eventbridge.DEFAULT_EVENT_AGE_SECONDS
            ),
        )


def _json_object(text: Any) -> bool:
    try:
        return isinstance(json.loads(text), dict) if isinstance(text, str) else False
    except ValueError:
        return False
