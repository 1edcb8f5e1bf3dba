"""make status (scripts/ops, issue #31): what an operator sees of an environment's parked and failed work, and
its one-line refusals."""

from __future__ import annotations

import datetime
import io
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.ops import __main__ as ops
from scripts.ops import parked, redrive, status
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


def running_outputs(roots: Path, **outputs: Any) -> Path:
    """envs/local/.local/outputs.json of a make local that does not answer (the discard port), with `outputs`."""
    path = roots / "envs" / "local" / ".local" / "outputs.json"
    path.parent.mkdir(exist_ok=True)
    unreachable = {
        "aws_endpoint_url": "http://127.0.0.1:9", "aws_region": "us-east-1",
        "aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "secret",
    }  # fmt: skip
    path.write_text(json.dumps({**unreachable, **outputs}))
    return path


def test_make_status_refuses_in_one_line(capsys: pytest.CaptureFixture[str], roots: Path) -> None:
    assert refusal(capsys, ["status", "--env", "nope"]) == "make status: no environment 'nope': ENV=<dev|local>."
    assert refusal(capsys, ["status", "--env", "local"]) == (
        "make status: start make local first (no envs/local/.local/outputs.json)."
    )
    running_outputs(roots, dlqs={"fanout": {"name": "q", "url": "http://127.0.0.1:9/000000000000/q"}})
    assert refusal(capsys, ["status", "--env", "local"]).endswith(": start make local first.")


def test_make_backfill_refuses_in_one_line(capsys: pytest.CaptureFixture[str], roots: Path) -> None:
    declared = {"by_status": {"partitionField": "status", "partitionAttribute": "p", "sortField": "createdAt", "sortAttribute": "s", "sortType": "S"}}  # fmt: skip
    running_outputs(roots, table_name="t", query_indexes={"owner_isolation": False, "indexes": declared})
    assert refusal(capsys, ["backfill"]) == "make backfill: name the index: INDEX=<by_status|all>."
    assert (
        refusal(capsys, ["backfill", "--index", "by_name"])
        == "make backfill: no index 'by_name': INDEX=<by_status|all>."
    )
    running_outputs(roots, table_name="t", query_indexes={"owner_isolation": False, "indexes": {}})
    assert refusal(capsys, ["backfill", "--index", "all"]) == (
        "make backfill: this environment declares no query indexes (settings.api.indexes)."
    )


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


class SampledQueue:
    """SQS as AWS documents its short polls: one asks a sample of the servers and may answer nothing while the
    queue holds a few messages (Amazon SQS API Reference, ReceiveMessage). Here every short poll answers
    nothing; a long poll (WaitTimeSeconds >= 1) asks moto, which holds every message."""

    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs
        self.waits: list[int] = []

    def receive_message(self, **call: Any) -> dict[str, Any]:
        self.waits.append(call.get("WaitTimeSeconds", 0))
        return dict(self.sqs.receive_message(**call)) if call.get("WaitTimeSeconds", 0) >= 1 else {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sqs, name)


def test_a_dlq_holding_a_few_messages_is_read_whole_even_where_short_polls_answer_nothing(aws: None) -> None:
    """make dlq, make status and make redrive conclude a DLQ is empty at an empty answer: only a long poll's
    empty answer means that. Two DLQs, read one thread each, each shown whole and redriven whole."""
    sqs = boto3.client("sqs", region_name=REGION)
    work = sqs.create_queue(QueueName="work")["QueueUrl"]
    dlqs = {
        kind: {
            "name": f"{kind}-dlq",
            "url": sqs.create_queue(QueueName=f"{kind}-dlq")["QueueUrl"],
            "source_queue_url": work,
        }
        for kind in ("import-work", "export-work")
    }
    for kind, dlq in dlqs.items():
        for n in range(3):
            parked_in(sqs, dlq["url"], json.dumps({"chunk": n, "of": kind}))
    sampled = SampledQueue(sqs)
    outputs = {"dlqs": dlqs}

    assert [len(parked.walk(sampled, dlq["url"], 50)) for dlq in dlqs.values()] == [3, 3]
    assert [
        (q.kind, q.messages, q.oldest_age_seconds is not None)
        for q in status.queues(outputs, sampled, datetime.datetime.now(datetime.UTC))
    ] == [
        ("export-work", 3, True),
        ("import-work", 3, True),
    ]
    clients = lambda name: sampled if name == "sqs" else boto3.client(name, region_name=REGION)  # noqa: E731
    summary = redrive.redrive(outputs, clients, "all", 50)
    assert [(r.queue, r.outcome) for r in summary.results] == [("export-work", "redriven")] * 3 + [
        ("import-work", "redriven")
    ] * 3
    assert sorted(set(sampled.waits)) == [parked.LONG_POLL_SECONDS]
    moved = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert moved["ApproximateNumberOfMessages"] == "6"


def test_make_dlq_refuses_a_queue_it_does_not_know(capsys: pytest.CaptureFixture[str], roots: Path) -> None:
    running_outputs(
        roots, dlqs={"fanout": {"name": "items-local-fanout-dlq", "url": "http://127.0.0.1:9/000000000000/q"}}
    )
    assert refusal(capsys, ["dlq", "--env", "local", "--queue", "nope"]) == (
        "make dlq: no DLQ 'nope': QUEUE=<fanout> (or a queue name)."
    )


# --- make redrive (scripts/ops/redrive.py); each kind end to end: tests/e2e/test_operations.py ----------------


class Invocations:
    """Lambda's Invoke, recorded: the function answers `answer` (a FunctionError when `error`)."""

    def __init__(self, answer: Any = None, error: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer, self.error = answer, error

    def invoke(self, **call: Any) -> dict[str, Any]:
        self.calls.append({**call, "Payload": json.loads(call["Payload"])})
        answer: dict[str, Any] = {"Payload": io.BytesIO(json.dumps(self.answer).encode())}
        return {**answer, "FunctionError": "Unhandled"} if self.error else answer


def clients_with(invocations: Invocations) -> Any:
    return lambda name: invocations if name == "lambda" else boto3.client(name, region_name=REGION)


def test_a_dead_letter_of_a_stream_reader_goes_back_as_its_stream_record(aws: None) -> None:
    """The trigger's or fan-out's own dead letter names the change's sequence number: the record is re-read from
    the stream and handed to the same function, typed as Lambda delivers it; a function that fails it again
    leaves the message where it was."""
    from tests.conftest import create_table

    table = create_table("items")
    table.put_item(Item={"id": "a1", "amount": 3, "blob": b"\x00\x01"})
    stream_arn = boto3.client("dynamodb", region_name=REGION).describe_table(TableName="items")["Table"][
        "LatestStreamArn"
    ]
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    [written] = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    sequence = written["dynamodb"]["SequenceNumber"]

    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="items-trigger-dlq")["QueueUrl"]
    dead_letter = {"reason": "not-retryable", "workflow": "fulfil", "change": {"sequenceNumber": sequence}}
    parked_in(sqs, url, json.dumps(dead_letter))
    queue = {"name": "items-trigger-dlq", "url": url, "function_name": "items-trigger", "stream_arn": stream_arn}
    outputs = {"dlqs": {"trigger-stream": {**queue, "source_queue_url": None}}}

    failing = Invocations({"errorMessage": "still broken"}, error=True)
    summary = redrive.redrive(outputs, clients_with(failing), "trigger-stream", 10)
    assert [(r.outcome, r.detail[:40]) for r in summary.results] == [
        ("left", 'the function failed again: {"errorMessag')
    ]
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert visible["ApproximateNumberOfMessages"] == "1"  # released at once, not after the run's visibility

    working = Invocations({"batchItemFailures": []})
    summary = redrive.redrive(outputs, clients_with(working), "trigger-stream", 10)
    assert summary.as_json()["counts"]["redriven"] == 1
    [call] = working.calls
    [record] = call["Payload"]["Records"]
    assert (call["FunctionName"], record["eventSourceARN"], record["eventName"]) == (
        "items-trigger",
        stream_arn,
        "INSERT",
    )
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "a1"}, "amount": {"N": "3"}, "blob": {"B": "AAE="}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert redrive.redrive(outputs, clients_with(working), "trigger-stream", 10).results == []  # twice: no harm


def test_a_queue_s_own_dlq_goes_back_onto_that_queue_with_its_attributes(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    work = sqs.create_queue(QueueName="work")["QueueUrl"]
    dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    parked_in(sqs, dlq, '{"chunk": 3}', {"import": "orders.jsonl"})
    outputs = {"dlqs": {"import-work": {"name": "work-dlq", "url": dlq, "source_queue_url": work}}}
    assert redrive.redrive(outputs, clients_with(Invocations()), "import-work", 10, dry_run=True).as_json()[
        "counts"
    ] == {"redriven": 0, "already done": 0, "would redrive": 1, "left": 0}
    assert redrive.redrive(outputs, clients_with(Invocations()), "import-work", 10).as_json()["counts"]["redriven"] == 1
    [moved] = sqs.receive_message(QueueUrl=work, MessageAttributeNames=["All"])["Messages"]
    assert (moved["Body"], moved["MessageAttributes"]["import"]["StringValue"]) == ('{"chunk": 3}', "orders.jsonl")
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq)


def test_a_failed_workflow_redriven_again_while_its_new_run_lives_is_already_done(aws: None) -> None:
    """StartExecution answers success, not ExecutionAlreadyExists, while an execution of the same name and input
    is open: the second redrive must still see that nothing new started."""
    from tests.conftest import create_state_machine

    machine = create_state_machine(
        "items-workflow", {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 60, "End": True}}}
    )
    sfn = boto3.client("stepfunctions", region_name=REGION)
    failed = sfn.start_execution(stateMachineArn=machine, name="change-1", input='{"id": "a"}')["executionArn"]
    sqs = boto3.client("sqs", region_name=REGION)
    dlq = sqs.create_queue(QueueName="items-workflow-failures")["QueueUrl"]
    outputs = {"dlqs": {"workflow-failures": {"name": "items-workflow-failures", "url": dlq}}}
    failure = json.dumps({"error": "States.TaskFailed", "cause": "an outage", "executionArn": failed})

    parked_in(sqs, dlq, failure)
    first = redrive.redrive(outputs, clients_with(Invocations()), "workflow-failures", 10).results
    parked_in(sqs, dlq, failure)  # parked twice, while the redriven run still waits
    second = redrive.redrive(outputs, clients_with(Invocations()), "workflow-failures", 10).results

    assert [(r.outcome, r.detail) for r in first] == [("redriven", "execution change-1-redrive")]
    assert [(r.outcome, r.detail) for r in second] == [("already done", "execution change-1-redrive running")]
    assert sorted(e["name"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]) == [
        "change-1",
        "change-1-redrive",
    ]


def test_an_event_goes_to_its_target_as_the_target_was_given_it(aws: None) -> None:
    """The target's InputPath applies; a target that transforms the event keeps its message, with why."""
    sqs, events = boto3.client("sqs", region_name=REGION), boto3.client("events", region_name=REGION)
    target = sqs.create_queue(QueueName="audit")["QueueUrl"]
    target_arn = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    dlq = sqs.create_queue(QueueName="rule-dlq")["QueueUrl"]
    rules = {}
    for name, settings in {
        "plain": {"InputPath": "$.detail"},
        "shaped": {"InputTransformer": {"InputTemplate": "1"}},
    }.items():
        rules[name] = events.put_rule(Name=name, EventPattern='{"source": ["app.items"]}')["RuleArn"]
        events.put_targets(Rule=name, Targets=[{"Id": "audit", "Arn": target_arn, **settings}])
    event = {"id": "ev-1", "source": "app.items", "detail-type": "item.updated", "detail": {"keys": {"id": "a1"}}}
    for rule in rules.values():
        parked_in(sqs, dlq, json.dumps(event), {"RULE_ARN": rule, "TARGET_ARN": target_arn, "ERROR_CODE": "X"})
    outputs = {"dlqs": {"rule-audit": {"name": "rule-dlq", "url": dlq}}}
    summary = redrive.redrive(outputs, clients_with(Invocations()), "rule-audit", 10)
    assert sorted((r.outcome, r.detail) for r in summary.results) == [
        ("left", "the target transforms the event (Input or InputTransformer): redrive it by hand"),
        ("redriven", ""),
    ]
    [delivered] = sqs.receive_message(QueueUrl=target)["Messages"]
    assert json.loads(delivered["Body"]) == {"keys": {"id": "a1"}}


def test_make_redrive_refuses_without_a_queue_in_one_line(capsys: pytest.CaptureFixture[str], roots: Path) -> None:
    running_outputs(roots, dlqs={"fanout": {"name": "f", "url": "u"}, "pipeline": {"name": "p", "url": "u"}})
    assert refusal(capsys, ["redrive", "--env", "local"]) == (
        "make redrive: name the DLQ: QUEUE=<fanout|pipeline|all> (make dlq shows what each holds)."
    )
    assert refusal(capsys, ["redrive", "--env", "local", "--queue", "nope"]) == (
        "make redrive: no DLQ 'nope': QUEUE=<fanout|pipeline|all> (or a queue name)."
    )


def test_an_alarm_in_alarm_and_a_failed_import_need_attention_and_refused_lines_do_not(aws: None) -> None:
    cloudwatch, s3 = boto3.client("cloudwatch", region_name=REGION), boto3.client("s3", region_name=REGION)
    for name in ("items-fanout-iterator-age", "items-api-5xx"):
        cloudwatch.put_metric_alarm(
            AlarmName=name, MetricName="IteratorAge", Namespace="AWS/Lambda", Statistic="Maximum", Period=60,
            EvaluationPeriods=1, Threshold=60000, ComparisonOperator="GreaterThanThreshold",
        )  # fmt: skip
    s3.create_bucket(Bucket="results", CreateBucketConfiguration={"LocationConstraint": REGION})
    outputs = {
        "alarm_names": {"fanout-iterator-age": "items-fanout-iterator-age", "api-5xx": "items-api-5xx"},
        "results_bucket_name": "results",
    }
    clients = lambda name: boto3.client(name, region_name=REGION)  # noqa: E731
    quiet = status.status(outputs, clients)
    assert (quiet.alarms, quiet.last_import, quiet.needs_attention) == ([], None, False)
    assert "Last import: none yet" in status.render(quiet)

    partial = {"status": "PARTIAL", "imported": 9, "rejectedCount": 1, "failedChunks": [], "lines": 10}
    s3.put_object(Bucket="results", Key="reports/a.json", Body=json.dumps(partial))
    assert not status.status(outputs, clients).needs_attention  # a refused line is in the report, not parked
    time.sleep(1.1)  # S3 keeps LastModified to the second
    failed = {"status": "FAILED", "imported": 0, "rejectedCount": 0, "failedChunks": [{"firstLine": 1}]}
    s3.put_object(Bucket="results", Key="reports/b.json", Body=json.dumps(failed))
    cloudwatch.set_alarm_state(AlarmName="items-fanout-iterator-age", StateValue="ALARM", StateReason="age 90 s")
    report = status.status(outputs, clients)
    assert [(a.name, a.reason) for a in report.alarms] == [("items-fanout-iterator-age", "age 90 s")]
    assert report.last_import is not None
    assert (report.last_import.report, report.last_import.failed_chunks) == ("s3://results/reports/b.json", 1)
    assert report.needs_attention
    shown = status.render(report)
    assert "Alarms in ALARM: 1\n  items-fanout-iterator-age since " in shown
    assert "Last import: FAILED at " in shown


@pytest.mark.parametrize("env", ["dev", "staging", "prod", "local"])
def test_the_operator_policy_names_exact_resources_and_passes_the_iam_gate(env: str) -> None:
    """Every action exists and is given the resource types AWS's Service Authorization Reference lists for it;
    only ListRules (no resource-level permissions) is on "*"."""
    from scripts.gates.iam_catalogue import check_policy
    from scripts.ops import policy
    from scripts.tfeval import evaluated

    document = policy.policy(evaluated((ops.ROOT / "envs" / env).resolve()))
    assert check_policy(document, f"operator-policy.{env}") == []
    on_everything = [s["Sid"] for s in document["Statement"] if "*" in s["Resource"]]
    assert on_everything == ["ListStreamMappings"] + (
        ["ListTheBusRules"] if env in ("staging", "prod", "local") else []
    )
    assert all(
        ":${aws:PrincipalAccount}:" in r
        for s in document["Statement"]
        for r in s["Resource"]
        if r.startswith("arn:aws:sqs")
    )


class Mappings:
    """Lambda's ListEventSourceMappings, answering `listed` for every function."""

    def __init__(self, listed: list[dict[str, Any]]) -> None:
        self.listed = listed

    def list_event_source_mappings(self, FunctionName: str) -> dict[str, Any]:
        return {"EventSourceMappings": self.listed}


@pytest.mark.parametrize(
    ("listed", "shown", "attention"),
    [
        ([{"State": "Enabled", "LastProcessingResult": "OK", "EventSourceArn": "s"}], "Enabled, last: OK", False),
        ([{"State": "Disabled", "EventSourceArn": "s"}], "Disabled  <- not reading", True),
        (
            [{"State": "Enabled", "LastProcessingResult": "PROBLEM: Function call failed"}],
            "Enabled, last: PROBLEM: Function call failed  <- not reading",
            True,
        ),
        ([], "missing, last: PROBLEM: the function has no event source mapping", True),
    ],
)
def test_a_stream_mapping_that_does_not_read_needs_attention(
    listed: list[dict[str, Any]], shown: str, attention: bool
) -> None:
    outputs = {"dlqs": {"trigger-stream": {"name": "q", "url": "u", "function_name": "items-trigger"}}}
    found = status.mappings(outputs, Mappings(listed))
    report = status.Report(mappings=found)
    assert report.needs_attention is attention
    assert f"Stream mapping of items-trigger: {shown}" in status.render(report)


def test_make_replay_refuses_in_one_line(capsys: pytest.CaptureFixture[str], roots: Path) -> None:
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/b"
    outputs = running_outputs(roots, event_bus_arn=bus, event_archive_arn=None)
    assert refusal(capsys, ["replay", "--env", "local"]) == (
        "make replay: name the window: FROM=<ISO 8601 time> [TO=<time, default now>] [RULE=<rule>]."
    )
    assert refusal(capsys, ["replay", "--env", "local", "--from", "2026-12-06T09:00Z"]) == (
        "make replay: this environment keeps no archive (settings.events.archive_retention_days is 0)."
    )
    data = json.loads(outputs.read_text())
    outputs.write_text(json.dumps({**data, "event_archive_arn": "arn:aws:events:us-east-1:123456789012:archive/a"}))
    assert refusal(capsys, ["replay", "--env", "local", "--from", "yesterday"]) == (
        "make replay: 'yesterday' is not a time: use ISO 8601 (2026-12-06T09:30Z) or now."
    )
    assert refusal(
        capsys, ["replay", "--env", "local", "--from", "2026-12-06T10:00Z", "--to", "2026-12-06T09:00Z"]
    ) == ("make replay: FROM (2026-12-06T10:00:00+00:00) must be before TO (2026-12-06T09:00:00+00:00).")
