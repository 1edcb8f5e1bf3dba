"""lambdas/event_consumer: one log line and one EMF metric per event, on an event the fan-out really published."""

from __future__ import annotations

import base64
import json

import boto3
import pytest

from scripts.lambda_events import LambdaContext
from tests.conftest import REGION, create_table
from tests.unit.streams import drain_queue, load_handler, published_event, read_stream_batch


def test_logs_the_event_and_emits_one_count_metric(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    event = published_event(monkeypatch)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "items-dev")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "event-consumer")
    consumer = load_handler("event_consumer.handler")
    capsys.readouterr()

    summary = consumer.handler(event, LambdaContext())

    assert summary["detailType"] == "item.created"
    assert summary["keys"] == {"id": "o-1"}
    assert summary["changeEventId"] == event["detail"]["eventId"]
    [logged] = [r for r in caplog.records if r.getMessage() == "item event consumed"]
    assert logged.keys == {"id": "o-1"}
    assert logged.detailType == "item.created"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [emf] = [line for line in lines if "_aws" in line]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "items-dev"
    assert emf["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "ItemEventsConsumed", "Unit": "Count"}]
    assert emf["ItemEventsConsumed"] == [1.0]
    assert emf["detailType"] == "item.created"


def test_a_change_too_large_for_an_event_travels_by_claim_check(
    aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A legal item with a 395,000-byte binary attribute, modified with both images: the change is over
    EventBridge's entry limit and SQS's message limit, so it goes to S3 and the bus carries a reference."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="items-claims", CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.setenv("CLAIM_CHECK_BUCKET", "items-claims")
    monkeypatch.setenv("MAX_ENTRY_BYTES", "262144")  # LocalStack-era limit: the images alone are ~1 MB anyway
    table = create_table("orders")
    table.put_item(Item={"id": "big", "blob": b"\x01" * 395_000, "status": "NEW"})
    table.update_item(
        Key={"id": "big"},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "PAID"},
    )
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="items")
    target = sqs.create_queue(QueueName="target")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="updates", EventBusName="items", EventPattern=json.dumps({"detail": {"eventName": ["MODIFY"]}})
    )
    events.put_targets(Rule="updates", EventBusName="items", Targets=[{"Id": "q", "Arn": arn}])
    monkeypatch.setenv("EVENT_BUS_NAME", "items")
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    monkeypatch.setenv("DLQ_URL", dlq)
    batch = read_stream_batch("orders")

    assert load_handler("stream_fanout.handler").handler(batch, LambdaContext()) == {"batchItemFailures": []}

    [event] = drain_queue(target)
    payload = event["detail"]["payload"]
    assert payload["uri"] == f"s3://items-claims/claims/orders/{batch['Records'][1]['eventID']}.json"
    assert payload["bytes"] > 1_000_000
    assert "newImage" not in event["detail"]
    assert (event["detail"]["eventName"], event["detail"]["keys"], event["detail"]["changedFields"]) == (
        "MODIFY",
        {"id": "big"},
        ["status"],
    )
    assert drain_queue(dlq) == [], "claim-checked, not dead-lettered"

    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "items-dev")
    summary = load_handler("event_consumer.handler").handler(event, LambdaContext())
    assert summary["claimChecked"] is True
    assert summary["changedFields"] == ["status"]
    change = load_handler("event_consumer.handler").change_of(event)
    assert change["newImage"]["status"] == "PAID"
    assert len(change["oldImage"]["blob"]) == len(base64.b64encode(b"\x01" * 395_000))
