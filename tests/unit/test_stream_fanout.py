"""lambdas/stream_fanout on real stream records, publishing to moto's EventBridge, rules delivering to SQS."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest

from common.change import to_change
from scripts.lambda_events import LambdaContext
from tests.conftest import REGION, create_table
from tests.unit.streams import drain_queue, handler_with, pay_then_delete, read_stream_batch

BUS = "orders-bus"


def queue_for_rule(name: str, pattern: dict[str, Any]) -> str:
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=BUS, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=BUS, Targets=[{"Id": "queue", "Arn": arn}])
    return url


@pytest.fixture
def table(aws: None) -> Any:
    return create_table("orders")


@pytest.fixture
def bus(aws: None) -> str:
    return boto3.client("events", region_name=REGION).create_event_bus(Name=BUS)["EventBusArn"]


@pytest.fixture
def dlq_url(aws: None) -> str:
    return boto3.client("sqs", region_name=REGION).create_queue(QueueName="fanout-dlq")["QueueUrl"]


@pytest.fixture
def load_fanout(dlq_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    def load(**environment: str) -> ModuleType:
        return handler_with(
            monkeypatch, "stream_fanout.handler", {"EVENT_BUS_NAME": BUS, "DLQ_URL": dlq_url, **environment}
        )

    return load


def write_orders(table: Any) -> None:
    table.put_item(Item={"id": "o-1", "status": "PENDING", "amount": 150})
    table.put_item(Item={"id": "o-2", "status": "PENDING", "amount": 50})
    table.put_item(Item={"id": "o-3", "status": "CANCELLED", "amount": 500})
    pay_then_delete(table, "o-1")


def test_rules_receive_exactly_the_events_they_match(table: Any, bus: str, dlq_url: str, load_fanout: Any) -> None:
    audit = queue_for_rule("audit", {"source": ["app.orders"]})
    big_live_orders = queue_for_rule(
        "big-live-orders",
        {
            "source": ["app.orders"],
            "detail-type": [{"prefix": "order."}],
            "detail": {"newImage": {"amount": [{"numeric": [">", 100]}], "status": [{"anything-but": ["CANCELLED"]}]}},
        },
    )
    fanout = load_fanout(EVENT_SOURCE="app.orders", ENTITY="order")
    write_orders(table)
    batch = read_stream_batch("orders")

    assert fanout.handler(batch, LambdaContext()) == {"batchItemFailures": []}

    audited = drain_queue(audit)
    assert [e["detail-type"] for e in audited] == [
        "order.created",
        "order.created",
        "order.created",
        "order.updated",
        "order.deleted",
    ], "every change, in stream order"
    for event, record in zip(audited, batch["Records"], strict=True):
        assert event["source"] == "app.orders"
        assert event["resources"] == ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"]
        assert event["detail"] == to_change(record), "detail is the one change object"
        created = datetime.fromtimestamp(record["dynamodb"]["ApproximateCreationDateTime"], UTC)
        assert event["time"] == created.strftime("%Y-%m-%dT%H:%M:%SZ")
        if event["detail"]["newImage"]:
            assert type(event["detail"]["newImage"]["amount"]) is int, "numbers stay JSON numbers"

    matched = drain_queue(big_live_orders)
    assert [(e["detail-type"], e["detail"]["keys"]["id"], e["detail"]["newImage"]["status"]) for e in matched] == [
        ("order.created", "o-1", "PENDING"),
        ("order.updated", "o-1", "PAID"),
    ], "numeric > 100 and anything-but CANCELLED, on JSON numbers"
    assert drain_queue(dlq_url) == []


def test_a_backfill_s_write_is_no_change_of_the_item(table: Any, bus: str, dlq_url: str, load_fanout: Any) -> None:
    """make backfill writes an item's query index keys and nothing else: no field changes, no event."""
    audit = queue_for_rule("audit", {"source": ["app.orders"]})
    fanout = load_fanout(EVENT_SOURCE="app.orders", ENTITY="order", DOCUMENT_ATTRIBUTE="document")
    table.put_item(Item={"id": "o-1", "version": 1, "cost": 300, "document": json.dumps({"status": "NEW"})})
    table.update_item(
        Key={"id": "o-1"},
        UpdateExpression="SET #p = :p",
        ExpressionAttributeNames={"#p": "index.by_status.partition"},
        ExpressionAttributeValues={":p": "#NEW"},
    )
    batch = read_stream_batch("orders")
    assert [r["eventName"] for r in batch["Records"]] == ["INSERT", "MODIFY"]

    assert fanout.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    assert [e["detail-type"] for e in drain_queue(audit)] == ["order.created"]
    assert drain_queue(dlq_url) == []


def test_a_rejected_publish_lands_in_the_dlq_with_its_change(table: Any, dlq_url: str, load_fanout: Any) -> None:
    fanout = load_fanout(EVENT_BUS_NAME="no-such-bus")
    table.put_item(Item={"id": "o-1", "status": "NEW"})
    batch = read_stream_batch("orders")

    assert fanout.handler(batch, LambdaContext()) == {"batchItemFailures": []}

    [message] = drain_queue(dlq_url)
    assert message["reason"] == "rejected"
    assert message["errorCode"] == "ResourceNotFoundException"
    assert message["attempts"] == 1
    assert message["change"] == to_change(batch["Records"][0])


def test_an_oversized_record_goes_to_the_dlq_and_the_rest_is_published(
    table: Any, bus: str, dlq_url: str, load_fanout: Any
) -> None:
    audit = queue_for_rule("audit", {"source": ["app.items"]})
    fanout = load_fanout(MAX_REQUEST_BYTES="2048")
    table.put_item(Item={"id": "small", "note": "x"})
    table.put_item(Item={"id": "large", "note": "x" * 4000})

    assert fanout.handler(read_stream_batch("orders"), LambdaContext()) == {"batchItemFailures": []}

    assert [e["detail"]["keys"] for e in drain_queue(audit)] == [{"id": "small"}]
    [message] = drain_queue(dlq_url)
    assert (message["reason"], message["errorCode"], message["attempts"]) == ("oversized", "EntryTooLarge", 0)
    assert message["change"]["keys"] == {"id": "large"}


def test_a_record_the_dlq_cannot_take_is_reported_for_retry(table: Any, load_fanout: Any) -> None:
    fanout = load_fanout(EVENT_BUS_NAME="no-such-bus", DLQ_URL=f"https://sqs.{REGION}.amazonaws.com/123456789012/gone")
    table.put_item(Item={"id": "o-1"})
    batch = read_stream_batch("orders")

    assert fanout.handler(batch, LambdaContext()) == {
        "batchItemFailures": [{"itemIdentifier": batch["Records"][0]["dynamodb"]["SequenceNumber"]}]
    }


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EVENT_BUS_NAME", "", "EVENT_BUS_NAME must be an event bus name or ARN"),
        ("DLQ_URL", "fanout-dlq", "DLQ_URL must be an SQS queue URL"),
        ("EVENT_SOURCE", "aws.dynamodb", "EVENT_SOURCE must be 1-256 of letters"),
        ("MAX_ATTEMPTS", "0", "MAX_ATTEMPTS must be a whole number from 1 to 20"),
        ("MAX_REQUEST_BYTES", "300000000", "MAX_REQUEST_BYTES must be a whole number from 1024 to 1048576"),
    ],
)
def test_bad_configuration_fails_the_cold_start(load_fanout: Any, variable: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        load_fanout(**{variable: value})
