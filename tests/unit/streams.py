"""Stream records as Lambda delivers them, read back from moto's DynamoDB Streams after real writes."""

from __future__ import annotations

import importlib
import json
import time
from types import ModuleType
from typing import Any

import boto3
import pytest

from scripts.lambda_events import LambdaContext, stream_record
from tests.conftest import REGION, create_table


def read_stream_batch(table_name: str) -> dict[str, Any]:
    """Every record of the table's stream so far, in order, as one Lambda event ({"Records": [...]})."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    stream_arn = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
            records.append(stream_record(record, stream_arn))
    return {"Records": records}


def pay_then_delete(table: Any, item_id: str, also: str = "") -> None:
    """The rest of an order's life after its INSERT: a MODIFY (status PAID, and `also`, an extra clause of the
    update expression), then a REMOVE."""
    table.update_item(
        Key={"id": item_id},
        UpdateExpression=f"SET #s = :paid{also}",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":paid": "PAID"},
    )
    table.delete_item(Key={"id": item_id})


def handler_with(
    monkeypatch: pytest.MonkeyPatch, module_name: str, environment: dict[str, str], unset: tuple[str, ...] = ()
) -> ModuleType:
    """The handler module loaded afresh with `environment` set and the `unset` variables absent (its settings are
    read at import, as Lambda's init phase does)."""
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return load_handler(module_name)


def load_handler(module_name: str) -> ModuleType:
    """(Re)imports a handler module so it reads the environment again, as a cold start does."""
    return importlib.reload(importlib.import_module(module_name))


def wait_for_executions(state_machine_arn: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Every execution of the state machine, once none is RUNNING (oldest first)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    deadline = time.monotonic() + timeout
    while True:
        listed = sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]
        if all(e["status"] != "RUNNING" for e in listed) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    described = [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]
    return sorted(described, key=lambda e: e["startDate"])


def drain_queue(queue_url: str) -> list[Any]:
    """Every message body on the queue (JSON-decoded), deleting as it goes."""
    sqs = boto3.client("sqs", region_name=REGION)
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def published_event(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An event as a rule target receives it: table write -> stream -> fan-out -> bus -> rule -> queue."""
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="items")
    target = sqs.create_queue(QueueName="target")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName="items", EventPattern=json.dumps({"source": ["app.items"]}))
    events.put_targets(Rule="all", EventBusName="items", Targets=[{"Id": "q", "Arn": arn}])
    monkeypatch.setenv("EVENT_BUS_NAME", "items")
    monkeypatch.setenv("DLQ_URL", sqs.create_queue(QueueName="dlq")["QueueUrl"])
    create_table("orders").put_item(Item={"id": "o-1", "status": "PAID"})
    load_handler("stream_fanout.handler").handler(read_stream_batch("orders"), LambdaContext())
    [event] = drain_queue(target)
    return event
