"""lambdas/event_consumer: one log line and one EMF metric per event, on an event the fan-out really published."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from scripts.localrt.lambda_runtime import LambdaContext
from tests.conftest import REGION, create_table
from tests.streams import drain_queue, load_handler, read_stream_batch


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
