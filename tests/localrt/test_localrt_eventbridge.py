"""EventBridge targets moto does not deliver (Step Functions, SNS), as EventBridge delivers them."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

from scripts.localrt import eventbridge
from scripts.localrt.deployer import Deployer
from scripts.tfeval import Evaluation
from tests.conftest import ACCOUNT, REGION, create_state_machine

RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/paid"
EVENT = json.dumps({"detail-type": "item.updated", "detail": {"keys": {"id": "1"}}})


def aws_client(service: str, role_arn: str | None) -> Any:
    return boto3.client(service)  # type: ignore[call-overload]


def dead_letter_queue() -> str:
    return str(boto3.client("sqs").create_queue(QueueName="target-dlq")["QueueUrl"])


def received(queue_url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )
    return list(messages.get("Messages", []))


def test_a_state_machine_target_starts_an_execution_with_the_event(aws: None) -> None:
    machine = create_state_machine("fulfil", {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    target = eventbridge.Target(RULE, machine, "unused", role_arn=f"arn:aws:iam::{ACCOUNT}:role/events-fulfil")
    assert eventbridge.settle(target, EVENT, 0.0, aws_client, boto3.client("sqs"), clock=lambda: 0.0)
    [execution] = boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    started = boto3.client("stepfunctions").describe_execution(executionArn=execution["executionArn"])
    assert json.loads(started["input"]) == json.loads(EVENT)


def test_an_undeliverable_event_lands_in_the_targets_dlq_with_eventbridges_attributes(aws: None) -> None:
    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:gone"
    target = eventbridge.Target(RULE, missing, "unused", dead_letter_queue_url=dead_letter_queue())
    assert not eventbridge.settle(target, EVENT, 0.0, aws_client, boto3.client("sqs"), clock=lambda: 0.0)
    [letter] = received(str(target.dead_letter_queue_url))
    assert json.loads(letter["Body"]) == json.loads(EVENT)
    attributes = {name: value["StringValue"] for name, value in letter["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == RULE
    assert attributes["TARGET_ARN"] == missing
    assert attributes["ERROR_CODE"] == "StateMachineDoesNotExist"


class Throttled:
    """A client whose first `failures` calls are throttled."""

    def __init__(self, failures: int):
        self.failures, self.calls = failures, 0

    def __call__(self, service: str, role_arn: str | None) -> Any:
        return self

    def publish(self, **_: Any) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Publish")


def test_transient_errors_are_retried_within_the_retry_policy(aws: None) -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:items"
    patient = eventbridge.Target(RULE, topic, "unused", maximum_retry_attempts=3)
    client = Throttled(failures=2)
    assert eventbridge.settle(patient, EVENT, 0.0, client, boto3.client("sqs"), sleep=lambda _: None, clock=lambda: 0.0)
    assert client.calls == 3
    impatient = eventbridge.Target(
        RULE, topic, "unused", dead_letter_queue_url=dead_letter_queue(), maximum_retry_attempts=1
    )
    client = Throttled(failures=5)
    assert not eventbridge.settle(
        impatient, EVENT, 0.0, client, boto3.client("sqs"), sleep=lambda _: None, clock=lambda: 0.0
    )
    assert client.calls == 2  # the first attempt and one retry
    [letter] = received(str(impatient.dead_letter_queue_url))
    assert letter["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "ThrottlingException"


def test_a_topic_target_publishes_to_its_subscribers(aws: None) -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="items")["TopicArn"]
    queue = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    assert eventbridge.settle(eventbridge.Target(RULE, topic, "unused"), EVENT, 0.0, aws_client, sqs, clock=lambda: 0.0)
    [message] = received(queue)
    assert json.loads(message["Body"]) == json.loads(EVENT)


def test_the_runtime_puts_a_delivery_queue_in_a_state_machine_targets_place(aws: None) -> None:
    """What moto would not deliver reaches the state machine: moto fills the delivery queue, TargetDelivery
    empties it into StartExecution."""
    machine = create_state_machine("fulfil", {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name="bus")
    events.put_rule(Name="paid", EventBusName="bus", EventPattern=json.dumps({"source": ["app.items"]}))
    deployer = Deployer(Evaluation(REGION, ACCOUNT, [], {}), boto3.client, "http://unused")  # type: ignore[arg-type]
    deployer.event_target({"rule": "paid", "event_bus_name": "bus", "target_id": "fulfil", "arn": machine}, "t")
    [target] = deployer.targets
    assert (target.arn, target.rule_arn) == (machine, RULE)
    delivery = eventbridge.TargetDelivery([target], aws_client, sqs)
    try:
        events.put_events(
            Entries=[{"Source": "app.items", "DetailType": "item.updated", "Detail": "{}", "EventBusName": "bus"}]
        )
        sfn, deadline = boto3.client("stepfunctions"), time.monotonic() + 10
        while not sfn.list_executions(stateMachineArn=machine)["executions"] and time.monotonic() < deadline:
            time.sleep(0.05)
        [execution] = sfn.list_executions(stateMachineArn=machine)["executions"]
        started = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
        assert (started["source"], started["detail-type"]) == ("app.items", "item.updated")
    finally:
        delivery.stop()


def test_a_disabled_rule_delivers_nothing_and_an_unset_state_is_enabled(aws: None) -> None:
    """moto delivers to a rule's targets whatever its State says; AWS delivers nothing for a DISABLED rule.
    An unset state comes out of the mocked evaluation as a random string and means AWS's default, ENABLED."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name="bus")
    deployer = Deployer(Evaluation(REGION, ACCOUNT, [], {}), boto3.client, "http://unused")  # type: ignore[arg-type]
    queues = {}
    for rule, state in (("paused", "DISABLED"), ("unset", "kpk79k65")):
        deployer.event_rule(
            {"name": rule, "event_bus_name": "bus", "state": state, "event_pattern": '{"source": ["app.items"]}'}, "r"
        )
        queues[rule] = sqs.create_queue(QueueName=rule)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queues[rule], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        deployer.event_target({"rule": rule, "event_bus_name": "bus", "target_id": "q", "arn": arn}, "t")
    assert events.describe_rule(Name="unset", EventBusName="bus")["State"] == "ENABLED"
    assert events.describe_rule(Name="paused", EventBusName="bus")["State"] == "DISABLED"
    events.put_events(Entries=[{"Source": "app.items", "DetailType": "x", "Detail": "{}", "EventBusName": "bus"}])
    assert len(received(queues["unset"])) == 1
    assert received(queues["paused"]) == []
