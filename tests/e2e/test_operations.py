"""What an operator sees of the running system (issue #31: make status), against the same deployment as the
other end-to-end tests."""

from __future__ import annotations

import datetime
import json
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.ops import backfill, policy, redrive, replay, status
from scripts.tfeval import evaluated
from tests.e2e.system import System

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]

KINDS = {"trigger-stream", "fanout", "workflow-failures", "consumer-async", "import-work", "pipeline", "export-async"}


def test_status_sees_every_dlq_and_a_parked_change(system: System) -> None:
    dlqs = system.outputs["dlqs"]
    assert set(dlqs) >= KINDS
    assert {kind for kind in dlqs if kind.startswith("rule-")} == {"rule-audit", "rule-paid", "rule-live"}
    sqs = system.client("sqs")
    fanout = dlqs["fanout"]["url"]
    quiet = status.status(system.outputs, system.client)
    before = {q.kind: q.messages for q in quiet.queues}
    assert set(before) == set(dlqs)  # every queue the output names exists and was read
    readers = {dlqs["trigger-stream"]["function_name"], dlqs["fanout"]["function_name"]}
    assert {(m.function, m.state) for m in quiet.mappings} == {(name, "Enabled") for name in readers}
    sqs.send_message(QueueUrl=fanout, MessageBody=json.dumps({"parked": "by the test"}))
    try:
        report = status.status(system.outputs, system.client)
        assert report.needs_attention
        [seen] = [q for q in report.queues if q.kind == "fanout"]
        assert seen.messages == before["fanout"] + 1
        assert seen.oldest_age_seconds is not None
    finally:
        for message in sqs.receive_message(QueueUrl=fanout, MaxNumberOfMessages=10).get("Messages", []):
            if json.loads(message["Body"]) == {"parked": "by the test"}:
                sqs.delete_message(QueueUrl=fanout, ReceiptHandle=message["ReceiptHandle"])


# --- make redrive: each kind back where it was going, exactly once ---------------------------------------------


def redriven(system: System, queue: str, dry_run: bool = False) -> dict[str, int]:
    return redrive.redrive(system.outputs, system.client, queue, 50, dry_run).as_json()["counts"]


def depth(system: System, kind: str) -> int:
    attributes = system.client("sqs").get_queue_attributes(
        QueueUrl=system.outputs["dlqs"][kind]["url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def park(system: System, kind: str, body: dict[str, Any], attributes: dict[str, str] | None = None) -> None:
    extra = (
        {"MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}}
        if attributes
        else {}
    )
    system.client("sqs").send_message(
        QueueUrl=system.outputs["dlqs"][kind]["url"], MessageBody=json.dumps(body), **extra
    )


def created_item(system: System) -> str:
    status_code, created = system.request("POST", "/items", {"name": f"redrive-{uuid.uuid4().hex[:8]}"})
    assert status_code == 201
    return str(created["id"])


def workflow_executions(system: System, item_id: str, count: int = 1) -> list[dict[str, Any]]:
    arn = system.outputs["workflow_state_machine_arn"]
    deadline = time.monotonic() + 30
    while True:
        found = [
            e
            for e in system.executions(arn, count=0, timeout=0)
            if json.loads(e["input"]).get("keys") == {"id": item_id}
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def stream_sequence_numbers(system: System, item_id: str) -> list[str]:
    """The stream's records of one item (the table's stream holds them for 24 hours)."""
    streams, stream_arn = system.client("dynamodbstreams"), system.outputs["dlqs"]["trigger-stream"]["stream_arn"]
    found = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            found += [
                r["dynamodb"]["SequenceNumber"]
                for r in page["Records"]
                if r["dynamodb"]["Keys"] == {"id": {"S": item_id}}
            ]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return found


def test_a_stream_batch_the_trigger_gave_up_on_is_reread_and_starts_nothing_twice(system: System) -> None:
    item_id = created_item(system)
    [started] = workflow_executions(system, item_id)
    [sequence] = stream_sequence_numbers(system, item_id)
    trigger = system.outputs["dlqs"]["trigger-stream"]["function_name"]
    region, account = system.outputs["workflow_state_machine_arn"].split(":")[3:5]
    function_arn = f"arn:aws:lambda:{region}:{account}:function:{trigger}"
    record = {
        "requestContext": {"functionArn": function_arn, "condition": "RetryAttemptsExhausted"},
        "DDBStreamBatchInfo": {
            "streamArn": system.outputs["dlqs"]["trigger-stream"]["stream_arn"], "startSequenceNumber": sequence, "endSequenceNumber": sequence,
            "batchSize": 1,
        },
    }  # fmt: skip
    park(system, "trigger-stream", record)
    assert redriven(system, "trigger-stream", dry_run=True) == {
        "redriven": 0, "already done": 0, "would redrive": 1, "left": 0
    }  # fmt: skip
    assert depth(system, "trigger-stream") == 1  # a dry run changes nothing
    duplicates = system.function_log(trigger).count(".duplicate")
    assert redriven(system, "trigger-stream")["redriven"] == 1
    assert depth(system, "trigger-stream") == 0
    if system.log_dir is not None:  # the record reached the trigger, which found its workflow started already
        assert system.function_log(trigger).count(".duplicate") == duplicates + 1
    # The trigger names each execution after its change: the workflow it had started is not started again.
    # (The redrive's Invoke is synchronous: a second start would be listed already.)
    assert [e["name"] for e in workflow_executions(system, item_id)] == [started["name"]]
    assert redriven(system, "trigger-stream") == {"redriven": 0, "already done": 0, "would redrive": 0, "left": 0}


def test_a_range_the_stream_no_longer_holds_stays_with_its_range(system: System) -> None:
    record = {
        "requestContext": {"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:gone"},
        "DDBStreamBatchInfo": {
            "streamArn": system.outputs["dlqs"]["trigger-stream"]["stream_arn"],
            "startSequenceNumber": "1",
            "endSequenceNumber": "2",
        },
    }
    park(system, "fanout", record)
    summary = redrive.redrive(system.outputs, system.client, "fanout", 50)
    [left] = [r for r in summary.results if r.outcome == "left"]
    assert left.detail.startswith("the stream no longer holds 1..2")
    assert depth(system, "fanout") == 1  # still there, visible again
    system.client("sqs").purge_queue(QueueUrl=system.outputs["dlqs"]["fanout"]["url"])


def test_a_failed_workflow_runs_again_once(system: System) -> None:
    item_id = created_item(system)
    [started] = workflow_executions(system, item_id)
    failure = {"error": "States.TaskFailed", "cause": "a downstream outage", "executionArn": started["executionArn"]}
    park(system, "workflow-failures", failure)
    assert redriven(system, "workflow-failures")["redriven"] == 1
    park(system, "workflow-failures", failure)  # parked twice (or redriven twice): one new execution
    assert redriven(system, "workflow-failures")["already done"] == 1
    assert depth(system, "workflow-failures") == 0
    names = [e["name"] for e in workflow_executions(system, item_id, count=2)]
    assert sorted(names) == sorted([started["name"], f"{started['name']}-redrive"])


def test_an_event_a_rule_target_refused_goes_to_that_target_once(system: System) -> None:
    events, bus = system.client("events"), system.outputs["event_bus_name"]
    audit_arn = system.client("sqs").get_queue_attributes(
        QueueUrl=system.outputs["audit_queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    [rule] = [
        r["Arn"]
        for r in events.list_rules(EventBusName=bus)["Rules"]
        if any(t["Arn"] == audit_arn for t in events.list_targets_by_rule(Rule=r["Name"], EventBusName=bus)["Targets"])
    ]
    event = {
        "version": "0", "id": f"redrive-{uuid.uuid4().hex}", "detail-type": "item.updated", "source": "app.items",
        "account": "000000000000", "time": "2026-12-06T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"keys": {"id": "parked"}},
    }  # fmt: skip
    park(system, "rule-audit", event, {"RULE_ARN": rule, "TARGET_ARN": audit_arn, "ERROR_CODE": "SDK_CLIENT_ERROR"})
    assert redriven(system, "rule-audit")["redriven"] == 1
    assert redriven(system, "rule-audit")["redriven"] == 0  # twice: nothing more
    delivered = system.messages(
        system.outputs["audit_queue_url"], until=lambda got: any(e.get("id") == event["id"] for e in got), timeout=10
    )
    assert [e for e in delivered if e.get("id") == event["id"]] == [event]


def test_an_async_invocation_that_failed_is_invoked_again(system: System) -> None:
    consumer = f"{system.outputs['table_name'].removesuffix('-items')}-consumer"
    region, account = system.outputs["workflow_state_machine_arn"].split(":")[3:5]
    event = {
        "version": "0", "id": f"redrive-{uuid.uuid4().hex}", "detail-type": "item.updated", "source": "app.items",
        "account": account, "time": "2026-12-06T10:00:00Z", "region": region, "resources": [],
        "detail": {"keys": {"id": "parked"}, "eventName": "MODIFY"},
    }  # fmt: skip
    park(system, "consumer-async", {
        "requestContext": {"functionArn": f"arn:aws:lambda:{region}:{account}:function:{consumer}:$LATEST"},
        "requestPayload": event, "responsePayload": {"errorType": "RuntimeError", "errorMessage": "boom"},
    })  # fmt: skip
    assert redriven(system, "consumer-async")["redriven"] == 1
    assert depth(system, "consumer-async") == 0
    deadline = time.monotonic() + 10
    while event["id"] not in system.function_log(consumer) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert system.function_log(consumer).count(event["id"]) == 1


def test_a_message_no_redrive_knows_stays_and_says_why(system: System) -> None:
    park(system, "pipeline", {"parked": "by the test"})
    summary = redrive.redrive(system.outputs, system.client, "pipeline", 50)
    assert [(r.outcome, r.detail) for r in summary.results] == [("left", "not a shape this system writes")]
    assert depth(system, "pipeline") == 1
    system.client("sqs").purge_queue(QueueUrl=system.outputs["dlqs"]["pipeline"]["url"])


# --- make replay: the archive's window, to the rules asked for ---------------------------------------------------


def test_a_replay_delivers_the_window_again_to_the_rule_asked_for(system: System) -> None:
    started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    item_id = created_item(system)
    mine = lambda got: [e for e in got if e["detail"]["keys"] == {"id": item_id}]  # noqa: E731
    first = mine(system.messages(system.outputs["audit_queue_url"], until=lambda got: bool(mine(got)), timeout=15))
    assert [("replay-name" in e, e["detail-type"]) for e in first] == [(False, "item.created")]
    ended = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)

    dry = replay.replay(system.outputs, system.client, started.isoformat(), "now", "audit", dry_run=True)
    assert dry.state == replay.DRY_RUN
    before = replay.replay(
        system.outputs, system.client, (started - datetime.timedelta(hours=1)).isoformat(), started.isoformat(), "audit"
    )
    assert before.state == "COMPLETED"
    replayed = replay.replay(system.outputs, system.client, started.isoformat(), ended.isoformat(), "audit")
    assert (replayed.state, replayed.rule) == ("COMPLETED", "audit")
    again = mine(system.messages(system.outputs["audit_queue_url"], until=lambda got: bool(mine(got)), timeout=15))
    # Once (the window before the item held nothing of it), marked as a replay, with the event's content.
    assert [(e.get("replay-name"), e["detail-type"]) for e in again] == [(replayed.name, "item.created")]
    assert again[0]["detail"] == first[0]["detail"]


def test_a_replay_refuses_a_rule_the_bus_does_not_have(system: System) -> None:
    with pytest.raises(replay.NotReplayed, match=r"no rule 'nope' on (.*): RULE=<\1-audit\|\1-live\|\1-paid>"):
        replay.replay(system.outputs, system.client, "2026-01-01T00:00Z", "now", "nope")


# --- the operator's policy, enforced -----------------------------------------------------------------------------


def operator_clients(system: System, document: dict[str, Any]) -> Any:
    """Clients of a new IAM user holding exactly `document` (the local runtime enforces it)."""
    iam, name = system.client("iam"), f"operator-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="operator", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert system.runtime is not None
    session = boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=system.outputs["workflow_state_machine_arn"].split(":")[3],
    )
    return lambda service: session.client(service, endpoint_url=system.runtime.aws_endpoint)


def test_every_command_runs_with_the_operator_policy_alone(system: System) -> None:
    if not system.moto_engine:
        pytest.skip("IAM users' policies are enforced by the moto engine (iam.py); ministack authorizes roles")
    account = system.outputs["workflow_state_machine_arn"].split(":")[4]
    document = policy.policy(evaluated((ROOT / "envs" / "local").resolve()), account)
    operator = operator_clients(system, document)
    started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    item_id = created_item(system)
    [execution] = workflow_executions(system, item_id)
    region = system.outputs["workflow_state_machine_arn"].split(":")[3]
    # One message of each kind redrive sends somewhere different: a workflow to run again, a stream record to
    # re-read for the trigger, an invocation for the consumer, an event for the audit queue.
    park(system, "workflow-failures", {"error": "X", "cause": "y", "executionArn": execution["executionArn"]})
    [sequence] = stream_sequence_numbers(system, item_id)
    trigger = system.outputs["dlqs"]["trigger-stream"]["function_name"]
    park(system, "trigger-stream", {
        "requestContext": {"functionArn": f"arn:aws:lambda:{region}:{account}:function:{trigger}"},
        "DDBStreamBatchInfo": {
            "streamArn": system.outputs["dlqs"]["trigger-stream"]["stream_arn"],
            "startSequenceNumber": sequence, "endSequenceNumber": sequence,
        },
    })  # fmt: skip
    consumer = f"{system.outputs['table_name'].removesuffix('-items')}-consumer"
    event = {"id": uuid.uuid4().hex, "source": "app.items", "detail-type": "item.updated", "detail": {"keys": {}}}
    park(system, "consumer-async", {
        "requestContext": {"functionArn": f"arn:aws:lambda:{region}:{account}:function:{consumer}"},
        "requestPayload": event,
    })  # fmt: skip
    events, bus = system.client("events"), system.outputs["event_bus_name"]
    [audit] = [r for r in events.list_rules(EventBusName=bus)["Rules"] if r["Name"].endswith("-audit")]
    [target] = events.list_targets_by_rule(Rule=audit["Name"], EventBusName=bus)["Targets"]
    park(system, "rule-audit", event, {"RULE_ARN": audit["Arn"], "TARGET_ARN": target["Arn"]})

    report = status.status(system.outputs, operator)  # every DLQ, executions, alarms, the last import
    assert report.needs_attention
    summary = redrive.redrive(system.outputs, operator, "all", 50)
    assert [(r.queue, r.outcome) for r in summary.results] == [
        ("consumer-async", "redriven"),
        ("rule-audit", "redriven"),
        ("trigger-stream", "redriven"),
        ("workflow-failures", "redriven"),
    ]
    assert replay.replay(system.outputs, operator, started.isoformat(), "now", "audit").state == "COMPLETED"

    # Without one statement, the command fails on AWS's error naming what is missing.
    narrower = {**document, "Statement": [s for s in document["Statement"] if s["Sid"] != "ListFailedExecutions"]}
    with pytest.raises(ClientError, match=r"states:ListExecutions"):
        status.status(system.outputs, operator_clients(system, narrower))


def test_an_upload_the_orchestrator_parked_runs_again_and_again_only_after_a_failure(system: System) -> None:
    """The import orchestrator parks the Object Created event of an object it could not import; redrive runs it
    again under a name of its own. While that run lives or once it succeeded, another redrive is "already done";
    once it failed (the cause not fixed yet), the next redrive runs it once more."""
    machine = system.outputs["dlqs"]["pipeline"]["state_machine_arn"]
    event = {
        "version": "0", "id": uuid.uuid4().hex, "detail-type": "Object Created", "source": "aws.s3",
        "account": machine.split(":")[4], "time": "2026-12-06T10:00:00Z", "region": machine.split(":")[3],
        "resources": [], "detail": {
            "bucket": {"name": system.outputs["ingest_bucket_name"]},
            "object": {"key": "imports/gone.jsonl", "size": 10, "version-id": "nope"},
        },
    }  # fmt: skip
    park(system, "pipeline", event)
    mine = lambda summary: [r for r in summary.results if event["id"] in r.what]  # noqa: E731
    [first] = mine(redrive.redrive(system.outputs, system.client, "pipeline", 50))
    assert (first.outcome, first.detail) == ("redriven", f"execution redrive-{event['id']}")
    sfn = system.client("stepfunctions")
    arn = f"{machine.replace(':stateMachine:', ':execution:')}:redrive-{event['id']}"
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.3)
    assert sfn.describe_execution(executionArn=arn)["status"] == "FAILED"  # the object is not there
    # It parked the event again; the next redrive is a new attempt, not "already done".
    [second] = mine(redrive.redrive(system.outputs, system.client, "pipeline", 50))
    assert (second.outcome, second.detail) == ("redriven", f"execution redrive-{event['id']}-2")


def test_a_scheduled_export_that_failed_runs_again_and_writes_its_export(system: System) -> None:
    """export-async: the exporter's asynchronous invocation (from its schedule) still failing after Lambda's
    retries; redrive invokes it again with the same event, and the export of that day is written."""
    exporter = system.outputs["dlqs"]["export-async"]["name"].removesuffix(
        "-async-failures"
    )  # lambda_function names it so
    region, account = system.outputs["workflow_state_machine_arn"].split(":")[3:5]
    park(system, "export-async", {
        "requestContext": {"functionArn": f"arn:aws:lambda:{region}:{account}:function:{exporter}:$LATEST"},
        "requestPayload": {"scheduledTime": "2026-11-28T02:00:00Z"},
        "responsePayload": {"errorType": "ClientError", "errorMessage": "AccessDenied"},
    })  # fmt: skip
    summary = redrive.redrive(system.outputs, system.client, "export-async", 50)
    assert [(r.outcome, r.detail) for r in summary.results] == [("redriven", "")]
    assert depth(system, "export-async") == 0
    key = "exports/2026-11-28.jsonl"
    listed = system.client("s3").list_objects_v2(Bucket=system.outputs["results_bucket_name"], Prefix=key)
    assert [o["Key"] for o in listed.get("Contents", [])] == [key]


# --- make backfill: items stored before an index existed become visible to its query ---------------------------


def test_a_backfill_interrupted_and_resumed_indexes_every_item_and_keeps_concurrent_updates(
    system: System, tmp_path: Path
) -> None:
    """Items written before by_status existed lack its keys (their index attributes removed, as they were stored
    then): the query misses them until make backfill writes them. On moto it runs as the operator policy alone."""
    tag = uuid.uuid4().hex[:6]
    ids = []
    for n in range(7):
        code, created = system.request("POST", "/items", {"name": f"backfill-{tag}-{n}", "status": "SHIPPED"})
        assert code == 201, created
        ids.append(created["id"])
    dynamodb, table = system.client("dynamodb"), system.outputs["table_name"]
    for item_id in ids:
        dynamodb.update_item(
            TableName=table,
            Key={"id": {"S": item_id}},
            UpdateExpression="REMOVE #p, #s",
            ExpressionAttributeNames={"#p": "index.by_status.partition", "#s": "index.by_status.sort"},
        )

    def shipped() -> list[str]:
        status_code, page = system.request("GET", "/items?status=SHIPPED&limit=100")
        assert status_code == 200, page
        return [item["id"] for item in page["items"] if item["name"].startswith(f"backfill-{tag}-")]

    assert shipped() == [], "not in the index before the backfill"
    client = system.client
    if system.moto_engine:
        account = system.outputs["workflow_state_machine_arn"].split(":")[4]
        client = operator_clients(system, policy.policy(evaluated((ROOT / "envs" / "local").resolve()), account))
    indexes = backfill.chosen_indexes(system.outputs["query_indexes"], "by_status")
    checkpoint = tmp_path / "backfill.json"

    def interrupt_after_the_first_page(counts: backfill.Counts) -> None:
        if counts.pages == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backfill.backfill(client("dynamodb"), table, indexes, False, checkpoint, 3, interrupt_after_the_first_page)
    assert checkpoint.exists()
    # Meanwhile a client replaces one of them: its own write indexes it, and the backfill must not undo it.
    code, replaced = system.request("PUT", f"/items/{ids[4]}", {"name": f"backfill-{tag}-4", "status": "PAID"})
    assert code == 200, replaced
    counts = backfill.backfill(client("dynamodb"), table, indexes, False, checkpoint, 3)
    assert not checkpoint.exists()
    assert counts.written >= 4, counts
    assert sorted(shipped()) == sorted(ids[:4] + ids[5:]), "every item stored before the index is found"
    code, item = system.request("GET", f"/items/{ids[4]}")
    assert (code, item["status"], item["version"]) == (200, "PAID", 2), "the update during the backfill is kept"
    code, paid = system.request("GET", f"/items?status=PAID&createdAt.gte={urllib.parse.quote(item['createdAt'])}")
    assert code == 200
    assert ids[4] in [i["id"] for i in paid["items"]]
