"""make status (scripts/ops, issue #31): what an operator sees of an environment's parked and failed work, and
its one-line refusals."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.ops import __main__ as ops
from scripts.ops import parked, status
from tests.conftest import REGION, one_line_refusal


def test_a_parked_message_needs_attention_and_stays_where_it_is(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    fanout = sqs.create_queue(QueueName="items-fanout-dlq")["QueueUrl"]
    trigger = sqs.create_queue(QueueName="items-trigger-dlq")["QueueUrl"]
    outputs = {
        "dlqs": {"fanout": {"name": "items-fanout-dlq", "url": fanout}, "trigger-stream": {"name": "t", "url": trigger}}
    }
    clean = status.status(outputs, lambda name: boto3.client(name, region_name=REGION))
    assert not clean.needs_attention
    assert [(q.kind, q.messages) for q in clean.queues] == [("fanout", 0), ("trigger-stream", 0)]

    sqs.send_message(QueueUrl=fanout, MessageBody=json.dumps({"change": "parked"}))
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=90)
    report = status.status(outputs, lambda name: boto3.client(name, region_name=REGION), now=later)
    assert report.needs_attention
    [parked] = [q for q in report.queues if q.messages]
    assert (parked.kind, parked.messages, parked.in_flight) == ("fanout", 1, 0)
    assert parked.oldest_age_seconds is not None
    assert parked.oldest_age_seconds >= 89
    assert "fanout                       1          0  " in status.render(report)
    assert "<- parked work" in status.render(report)
    # Looked at, not taken: the message is visible again at once.
    assert len(sqs.receive_message(QueueUrl=fanout, MaxNumberOfMessages=10).get("Messages", [])) == 1


def test_a_failed_workflow_of_the_last_day_needs_attention(aws: None) -> None:
    from tests.conftest import create_state_machine

    machine = create_state_machine(
        "items-workflow", {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "X"}}}
    )
    sfn = boto3.client("stepfunctions", region_name=REGION)
    sfn.start_execution(stateMachineArn=machine, name="change-1", input="{}")
    for _ in range(200):
        if sfn.list_executions(stateMachineArn=machine, statusFilter="FAILED")["executions"]:
            break
        time.sleep(0.05)
    report = status.status({"workflow_state_machine_arn": machine}, lambda name: boto3.client(name, region_name=REGION))
    assert [(e.machine, e.name, e.status) for e in report.executions] == [("items-workflow", "change-1", "FAILED")]
    assert report.needs_attention
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=25)
    assert (
        status.status(
            {"workflow_state_machine_arn": machine}, lambda n: boto3.client(n, region_name=REGION), tomorrow
        ).executions
        == []
    )


def refusal(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    return one_line_refusal(ops.main, argv, capsys)


@pytest.fixture
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for env in ("local", "dev"):
        (tmp_path / "envs" / env).mkdir(parents=True)
    monkeypatch.setattr(ops, "environment_roots", lambda: [tmp_path / "envs" / "dev", tmp_path / "envs" / "local"])
    monkeypatch.setattr(ops, "ROOT", tmp_path)
    return tmp_path


def test_make_status_refuses_in_one_line(capsys: pytest.CaptureFixture[str], roots: Path) -> None:
    assert refusal(capsys, ["status", "--env", "nope"]) == "make status: no environment 'nope': ENV=<dev|local>."
    assert refusal(capsys, ["status", "--env", "local"]) == (
        "make status: start make local first (no envs/local/.local/outputs.json)."
    )
    outputs = roots / "envs" / "local" / ".local" / "outputs.json"
    outputs.parent.mkdir()
    outputs.write_text(json.dumps({
        "aws_endpoint_url": "http://127.0.0.1:9", "aws_region": "us-east-1",  # the discard port: nothing answers
        "aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "secret",
        "dlqs": {"fanout": {"name": "q", "url": "http://127.0.0.1:9/000000000000/q"}},
    }))  # fmt: skip
    assert refusal(capsys, ["status", "--env", "local"]).endswith(": start make local first.")


def parked_in(sqs: Any, url: str, body: str, attributes: dict[str, str] | None = None) -> None:
    extra = (
        {"MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}}
        if attributes
        else {}
    )
    sqs.send_message(QueueUrl=url, MessageBody=body, **extra)


def test_make_dlq_says_what_each_parked_message_is_and_consumes_none(aws: None) -> None:
    """Each shape a DLQ of this system holds, written by the code that writes it (the fan-out's dead letter,
    Lambda's on-failure records as the local runtime writes them) or as AWS documents it (an event a rule's
    target could not take: the event, with ERROR_CODE and ERROR_MESSAGE attributes)."""
    import sys

    from scripts import lambda_events

    sys.path.insert(0, str(ops.ROOT / "lambdas"))
    from stream_fanout.publisher import Pending, Publisher

    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="parked")["QueueUrl"]
    change = {"eventName": "MODIFY", "keys": {"id": "a1"}, "eventId": "e1", "sequenceNumber": "100"}
    pending = Pending(
        "100", change, {}, 10, attempts=5, error_code="ThrottlingException", error_message="Rate exceeded"
    )
    parked_in(sqs, url, Publisher._dead_letter_body(pending, "RetriesExhausted", 256 * 1024))
    record = {"dynamodb": {"SequenceNumber": "200"}}
    failure = lambda_events.stream_failure_record("arn:fn", "arn:stream", [record, record], "RecordAgeExceeded")
    parked_in(sqs, url, json.dumps(failure))
    event = {"id": "ev-1", "source": "app.items", "detail-type": "item.updated", "detail": {}}
    failed = lambda_events.async_failure_record("arn:fn", event, RuntimeError("boom"), 3)
    parked_in(sqs, url, json.dumps(failed))
    parked_in(sqs, url, json.dumps(event), {"ERROR_CODE": "SDK_CLIENT_ERROR", "ERROR_MESSAGE": "Access denied"})

    described = {p.what: p.why for p in parked.walk(sqs, url, 50)}
    assert described == {
        'MODIFY of {"id":"a1"} (event e1, sequence 100)': "RetriesExhausted: ThrottlingException Rate exceeded",
        "2 stream records, sequence numbers 200..200, not the records (re-read them while the stream holds them)": (
            "RecordAgeExceeded"
        ),
        "invocation with item.updated ev-1": "RuntimeError: boom",
        "item.updated from app.items (event ev-1)": "SDK_CLIENT_ERROR: Access denied",
    }
    # Walked, not consumed: every message is visible again at once.
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert visible["ApproximateNumberOfMessages"] == "4"


def test_make_dlq_refuses_a_queue_it_does_not_know(capsys: pytest.CaptureFixture[str], roots: Path) -> None:
    outputs = roots / "envs" / "local" / ".local" / "outputs.json"
    outputs.parent.mkdir()
    outputs.write_text(json.dumps({
        "aws_endpoint_url": "http://127.0.0.1:9", "aws_region": "us-east-1",
        "aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "secret",
        "dlqs": {"fanout": {"name": "items-local-fanout-dlq", "url": "http://127.0.0.1:9/000000000000/q"}},
    }))  # fmt: skip
    assert refusal(capsys, ["dlq", "--env", "local", "--queue", "nope"]) == (
        "make dlq: no DLQ 'nope': QUEUE=<fanout> (or a queue name)."
    )
