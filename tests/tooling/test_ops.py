"""make status (scripts/ops, issue #31): what an operator sees of an environment's parked and failed work, and
its one-line refusals."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

import boto3
import pytest

from scripts.ops import __main__ as ops
from scripts.ops import status
from tests.conftest import REGION


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
    assert ops.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


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
