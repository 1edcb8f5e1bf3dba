"""lambdas/stream_trigger on real stream records, starting real executions of statemachines/item_workflow.asl.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.lambda_events import LambdaContext
from scripts.tfeval import render_template
from tests.conftest import REGION, create_state_machine, create_table
from tests.unit.streams import (
    drain_queue,
    handler_with,
    pay_then_delete,
    read_stream_batch,
    wait_for_executions,
)

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_ASL = ROOT / "statemachines" / "item_workflow.asl.json"


@dataclass
class Workflow:
    arn: str
    notification_queue_url: str
    dlq_url: str


def create_workflow(name: str = "item-workflow", notification_queue: str = "item-notifications") -> Workflow:
    sqs = boto3.client("sqs", region_name=REGION)
    notifications = sqs.create_queue(QueueName="item-notifications")["QueueUrl"]
    failures = sqs.create_queue(QueueName="item-failures")["QueueUrl"]
    target = notifications.replace("item-notifications", notification_queue)
    definition = render_template(WORKFLOW_ASL, {"notification_queue_url": target, "dlq_url": failures})
    return Workflow(create_state_machine(name, json.loads(definition), "STANDARD"), notifications, failures)


@pytest.fixture
def table(aws: None) -> Any:
    return create_table("orders")


@pytest.fixture
def workflow(aws: None) -> Workflow:
    return create_workflow()


@pytest.fixture
def dlq(aws: None) -> str:
    return str(
        boto3.client("sqs", region_name=REGION).create_queue(QueueName="orders-trigger-stream-failures")["QueueUrl"]
    )


def workflows(arn: str, **settings: Any) -> str:
    """WORKFLOWS with the one example workflow, as modules/stream_trigger renders it."""
    return json.dumps({"item-workflow": {"stateMachineArn": arn, **settings}})


@pytest.fixture
def load_trigger(workflow: Workflow, dlq: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    def load(**environment: str) -> ModuleType:
        settings = {"WORKFLOWS": workflows(workflow.arn), "DLQ_URL": dlq, **environment}
        return handler_with(monkeypatch, "stream_trigger.handler", settings, ("DOCUMENT_ATTRIBUTE", "SDK_MAX_ATTEMPTS"))

    return load


def write_order_history(table: Any) -> None:
    table.put_item(Item={"id": "o-1", "status": "PENDING", "amount": 150})
    pay_then_delete(table, "o-1")


def batch_summary(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    """The counts the handler logged for its last batch (records, failed, <workflow>.<result>)."""
    [*_, record] = [r for r in caplog.records if r.getMessage() == "batch processed"]
    caplog.clear()
    fields = ("records", "failed", "item-workflow.started", "item-workflow.duplicate", "item-workflow.dead_lettered")
    return {key: getattr(record, key, 0) for key in fields}


def test_every_change_runs_the_workflow_once(table: Any, workflow: Workflow, load_trigger: Any) -> None:
    trigger = load_trigger()
    write_order_history(table)
    batch = read_stream_batch("orders")

    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}, "a redelivered batch is fine"

    executions = wait_for_executions(workflow.arn)
    assert [e["status"] for e in executions] == ["SUCCEEDED"] * 3, "started once per record, not per delivery"
    inputs = [json.loads(e["input"]) for e in executions]
    assert [i["eventName"] for i in inputs] == ["INSERT", "MODIFY", "REMOVE"]
    assert inputs[1]["changedFields"] == ["status"]
    assert inputs[1]["newImage"]["amount"] == 150
    assert {e["name"] for e in executions} == {f"orders-{r['eventID']}" for r in batch["Records"]}

    notifications = sorted(
        drain_queue(workflow.notification_queue_url), key=lambda n: ["created", "updated", "deleted"].index(n["action"])
    )
    assert [(n["action"], n["keys"]) for n in notifications] == [
        ("created", {"id": "o-1"}),
        ("updated", {"id": "o-1"}),
        ("deleted", {"id": "o-1"}),
    ]
    assert notifications[2]["newImage"] is None
    assert notifications[2]["oldImage"]["status"] == "PAID"
    assert json.loads(executions[1]["output"])["summary"] == {
        "action": "updated",
        "keys": {"id": "o-1"},
        "changedFieldCount": 1,
    }
    assert drain_queue(workflow.dlq_url) == []


def test_a_backfill_s_write_starts_no_workflow(table: Any, workflow: Workflow, load_trigger: Any) -> None:
    """A MODIFY that changed only crud_api's storage attributes (index keys, cost) is no change of the item."""
    trigger = load_trigger(DOCUMENT_ATTRIBUTE="document")
    table.put_item(Item={"id": "o-1", "version": 1, "document": json.dumps({"status": "PAID", "amount": 150})})
    table.update_item(
        Key={"id": "o-1"},
        UpdateExpression="SET #s = :s, #c = :c",
        ExpressionAttributeNames={"#s": "index.by_status.sort", "#c": "cost"},
        ExpressionAttributeValues={":s": "#2026", ":c": 320},
    )
    assert trigger.handler(read_stream_batch("orders"), LambdaContext()) == {"batchItemFailures": []}
    assert [json.loads(e["input"])["eventName"] for e in wait_for_executions(workflow.arn)] == ["INSERT"]


def test_conditions_select_what_esm_filters_cannot(
    table: Any, workflow: Workflow, load_trigger: Any, caplog: pytest.LogCaptureFixture
) -> None:
    conditions = {"field": "status", "changedFrom": "PENDING", "changedTo": "PAID"}
    trigger = load_trigger(WORKFLOWS=workflows(workflow.arn, conditions=conditions))
    write_order_history(table)
    batch = read_stream_batch("orders")

    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    summary = {"records": 3, "failed": 0, "item-workflow.duplicate": 0, "item-workflow.dead_lettered": 0}
    assert batch_summary(caplog) == {**summary, "item-workflow.started": 1}
    wait_for_executions(workflow.arn)  # redelivered after the first execution ended
    trigger.handler(batch, LambdaContext())
    assert batch_summary(caplog) == {**summary, "item-workflow.started": 0, "item-workflow.duplicate": 1}

    executions = wait_for_executions(workflow.arn)
    assert [json.loads(e["input"])["eventName"] for e in executions] == ["MODIFY"]


def test_event_names_and_document_fields(table: Any, workflow: Workflow, load_trigger: Any) -> None:
    trigger = load_trigger(
        WORKFLOWS=workflows(
            workflow.arn, eventNames=["INSERT", "MODIFY"], conditions={"field": "amount", "greaterThan": 100}
        ),
        DOCUMENT_ATTRIBUTE="document",
    )
    # Items as the CRUD API stores them: user fields are JSON text in `document`.
    table.put_item(Item={"id": "small", "version": 1, "document": json.dumps({"amount": 20})})
    table.put_item(Item={"id": "large", "version": 1, "document": json.dumps({"amount": 250})})
    table.delete_item(Key={"id": "large"})

    assert trigger.handler(read_stream_batch("orders"), LambdaContext()) == {"batchItemFailures": []}

    [execution] = wait_for_executions(workflow.arn)
    started = json.loads(execution["input"])
    assert started["eventName"] == "INSERT"
    assert started["newImage"] == {"id": "large", "version": 1, "amount": 250}


def test_a_failed_start_holds_back_the_later_changes_of_that_item(
    table: Any, workflow: Workflow, load_trigger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger = load_trigger()
    write_order_history(table)  # INSERT, MODIFY, REMOVE of o-1
    table.put_item(Item={"id": "o-2", "status": "NEW"})  # another item, after them in the stream
    batch = read_stream_batch("orders")
    failing, later_same_item, other_item = batch["Records"][1], batch["Records"][2], batch["Records"][3]
    client = trigger.stepfunctions()
    real_start = client.start_execution

    def start_or_fail(**kwargs: Any) -> Any:
        if kwargs["name"].endswith(failing["eventID"]):
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "StartExecution")
        return real_start(**kwargs)

    monkeypatch.setattr(client, "start_execution", start_or_fail)
    response = trigger.handler(batch, LambdaContext())
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": failing["dynamodb"]["SequenceNumber"]},
            {"itemIdentifier": later_same_item["dynamodb"]["SequenceNumber"]},
        ]
    }, "the REMOVE of o-1 must not start before its MODIFY; o-2 goes on"
    started = {json.loads(e["input"])["eventId"] for e in wait_for_executions(workflow.arn)}
    assert started == {batch["Records"][0]["eventID"], other_item["eventID"]}

    monkeypatch.setattr(client, "start_execution", real_start)
    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    executions = wait_for_executions(workflow.arn)
    o1 = sorted(
        (e for e in executions if json.loads(e["input"])["keys"] == {"id": "o-1"}), key=lambda e: e["startDate"]
    )
    assert [json.loads(e["input"])["eventName"] for e in o1] == ["INSERT", "MODIFY", "REMOVE"]


def test_a_workflow_that_cannot_start_dead_letters_every_change_at_once(
    table: Any, load_trigger: Any, dlq: str
) -> None:
    trigger = load_trigger(WORKFLOWS=workflows(f"arn:aws:states:{REGION}:123456789012:stateMachine:absent"))
    write_order_history(table)
    batch = read_stream_batch("orders")

    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}, "settled, not retried for a day"

    messages = drain_queue(dlq)
    assert [(m["reason"], m["errorCode"], m["change"]["eventId"]) for m in messages] == [
        ("not-retryable", "StateMachineDoesNotExist", r["eventID"]) for r in batch["Records"]
    ]


def test_a_change_too_large_for_step_functions_is_dead_lettered_with_its_keys(
    table: Any, workflow: Workflow, load_trigger: Any, dlq: str
) -> None:
    trigger = load_trigger()
    # Each image is 280,000 UTF-8 bytes (140,000 two-byte characters), well under DynamoDB's 400 KB item
    # limit; the change (both images) is over Step Functions' 262,144 bytes and over an SQS message.
    table.put_item(Item={"id": "big", "note": "é" * 140_000})
    table.put_item(Item={"id": "small", "note": "é" * 1_000})
    batch = read_stream_batch("orders")

    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}

    [message] = drain_queue(dlq)
    assert (message["reason"], message["keys"], message["eventName"]) == ("input-too-large", {"id": "big"}, "INSERT")
    assert message["changeBytes"] > 262_144
    assert message["sequenceNumber"] == batch["Records"][0]["dynamodb"]["SequenceNumber"]
    [execution] = wait_for_executions(workflow.arn)
    assert json.loads(execution["input"])["keys"] == {"id": "small"}


def test_several_workflows_share_one_reader_each_with_its_input(
    table: Any, workflow: Workflow, load_trigger: Any
) -> None:
    audit = create_workflow("audit-workflow")
    trigger = load_trigger(
        WORKFLOWS=json.dumps(
            {
                "item-workflow": {"stateMachineArn": workflow.arn, "eventNames": ["REMOVE"]},
                "audit": {
                    "stateMachineArn": audit.arn,
                    "input": {"action": "eventName", "keys": "keys", "status": "newImage.status"},
                },
            }
        )
    )
    write_order_history(table)

    assert trigger.handler(read_stream_batch("orders"), LambdaContext()) == {"batchItemFailures": []}

    assert [json.loads(e["input"])["eventName"] for e in wait_for_executions(workflow.arn)] == ["REMOVE"]
    audited = sorted((json.loads(e["input"]) for e in wait_for_executions(audit.arn)), key=lambda i: i["action"])
    assert audited == [
        {"action": "INSERT", "keys": {"id": "o-1"}, "status": "PENDING"},
        {"action": "MODIFY", "keys": {"id": "o-1"}, "status": "PAID"},
        {"action": "REMOVE", "keys": {"id": "o-1"}, "status": None},
    ]


def test_standard_retry_mode_with_bounded_attempts_and_timeouts(load_trigger: Any) -> None:
    trigger = load_trigger(SDK_MAX_ATTEMPTS="4")
    config = trigger.stepfunctions().meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert (config.connect_timeout, config.read_timeout) == (2.0, 5.0)
    # The worst case of one call: 4 attempts x 7 s of timeouts + backoffs of 1, 2 and 4 s.
    assert trigger.SETTINGS.call_budget_seconds == 4 * 7 + 1 + 2 + 4


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "WORKFLOWS",
            workflows("orders-workflow"),
            "WORKFLOWS.item-workflow.stateMachineArn: must be a state machine ARN",
        ),
        ("WORKFLOWS", "{}", "WORKFLOWS: must be a non-empty JSON object"),
        (
            "WORKFLOWS",
            workflows("arn:aws:states:eu-west-1:123456789012:stateMachine:w", eventNames=["UPSERT"]),
            "WORKFLOWS.item-workflow.eventNames: must be a non-empty subset",
        ),
        (
            "WORKFLOWS",
            workflows(
                "arn:aws:states:eu-west-1:123456789012:stateMachine:w", conditions={"field": "amount", "greaterThen": 1}
            ),
            "WORKFLOWS.item-workflow.conditions: unknown test(s) ['greaterThen']",
        ),
        (
            "WORKFLOWS",
            workflows("arn:aws:states:eu-west-1:123456789012:stateMachine:w", input={"status": "item.status"}),
            "WORKFLOWS.item-workflow.input.status: 'item' is not a field of a change",
        ),
        ("SDK_MAX_ATTEMPTS", "0", "SDK_MAX_ATTEMPTS must be a whole number from 1 to 10"),
        ("DLQ_URL", "orders-dlq", "DLQ_URL must be an SQS queue URL"),
    ],
)
def test_bad_configuration_fails_the_cold_start(load_trigger: Any, variable: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        load_trigger(**{variable: value})


def test_execution_names_are_valid_deterministic_and_distinct(load_trigger: Any) -> None:
    name = load_trigger().execution_name
    long_table = "a.very.long.table-name." * 8
    assert name("orders", "4f1c2a") == "orders-4f1c2a"
    assert name(long_table, "e1") == name(long_table, "e1") != name(long_table, "e2")
    assert all(
        len(n) <= 80 and n.replace("-", "").replace("_", "").isalnum()
        for n in (name(long_table, "e1"), name("t", "x" * 90))
    )


def test_workflow_records_what_it_cannot_process(
    table: Any, load_trigger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = create_workflow("broken-workflow", notification_queue="missing-queue")
    trigger = load_trigger(WORKFLOWS=workflows(broken.arn))
    table.put_item(Item={"id": "o-9", "status": "NEW"})

    assert trigger.handler(read_stream_batch("orders"), LambdaContext()) == {"batchItemFailures": []}

    [execution] = wait_for_executions(broken.arn)
    assert (execution["status"], execution["error"]) == ("FAILED", "ItemChangeNotProcessed")
    [recorded] = drain_queue(broken.dlq_url)
    assert recorded["action"] == "created"
    assert recorded["executionArn"] == execution["executionArn"]
    assert recorded["change"] == json.loads(execution["input"])
    assert recorded["error"]
    assert recorded["cause"]


def test_per_workflow_counts_are_embedded_metrics(
    table: Any, workflow: Workflow, load_trigger: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    trigger = load_trigger()
    write_order_history(table)
    batch = read_stream_batch("orders")
    capsys.readouterr()

    trigger.handler(batch, LambdaContext())
    wait_for_executions(workflow.arn)
    trigger.handler(batch, LambdaContext())

    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    emitted = [(m["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], m["workflow"]) for m in metrics]
    values = [m[name] for m, (name, _) in zip(metrics, emitted, strict=True)]
    assert emitted == [("Started", "item-workflow"), ("Duplicate", "item-workflow")]
    assert values == [[3.0], [3.0]]  # EMF values are lists of samples
    assert {m["_aws"]["CloudWatchMetrics"][0]["Namespace"] for m in metrics} == {"StreamTrigger"}
