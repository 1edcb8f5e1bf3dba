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

from scripts.localrt.lambda_runtime import LambdaContext
from scripts.localrt.templates import render_template
from tests.conftest import REGION, create_state_machine, create_table
from tests.streams import drain_queue, load_handler, read_stream_batch, wait_for_executions

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_ASL = ROOT / "statemachines" / "item_workflow.asl.json"


@dataclass
class Workflow:
    arn: str
    notification_queue_url: str
    failure_queue_url: str


def create_workflow(name: str = "item-workflow", notification_queue: str = "item-notifications") -> Workflow:
    sqs = boto3.client("sqs", region_name=REGION)
    notifications = sqs.create_queue(QueueName="item-notifications")["QueueUrl"]
    failures = sqs.create_queue(QueueName="item-failures")["QueueUrl"]
    target = notifications.replace("item-notifications", notification_queue)
    definition = render_template(WORKFLOW_ASL, {"notification_queue_url": target, "failure_queue_url": failures})
    return Workflow(create_state_machine(name, json.loads(definition), "STANDARD"), notifications, failures)


@pytest.fixture
def table(aws: None) -> Any:
    return create_table("orders")


@pytest.fixture
def workflow(aws: None) -> Workflow:
    return create_workflow()


@pytest.fixture
def load_trigger(workflow: Workflow, monkeypatch: pytest.MonkeyPatch) -> Any:
    def load(**environment: str) -> ModuleType:
        monkeypatch.setenv("STATE_MACHINE_ARN", workflow.arn)
        for name in ("EVENT_NAMES", "CONDITIONS", "DOCUMENT_ATTRIBUTE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return load_handler("stream_trigger.handler")

    return load


def write_order_history(table: Any) -> None:
    table.put_item(Item={"id": "o-1", "status": "PENDING", "amount": 150})
    table.update_item(
        Key={"id": "o-1"},
        UpdateExpression="SET #s = :paid",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":paid": "PAID"},
    )
    table.delete_item(Key={"id": "o-1"})


def batch_summary(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    """The counts the handler logged for its last batch."""
    [*_, record] = [r for r in caplog.records if r.getMessage() == "batch processed"]
    caplog.clear()
    return {key: getattr(record, key) for key in ("seen", "skipped", "matched", "started", "duplicate", "failed")}


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
    assert drain_queue(workflow.failure_queue_url) == []


def test_conditions_select_what_esm_filters_cannot(
    table: Any, workflow: Workflow, load_trigger: Any, caplog: pytest.LogCaptureFixture
) -> None:
    trigger = load_trigger(CONDITIONS=json.dumps({"field": "status", "changedFrom": "PENDING", "changedTo": "PAID"}))
    write_order_history(table)
    batch = read_stream_batch("orders")

    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    assert batch_summary(caplog) == {
        "seen": 3,
        "skipped": 2,
        "matched": 1,
        "started": 1,
        "duplicate": 0,
        "failed": 0,
    }
    wait_for_executions(workflow.arn)  # redelivered after the first execution ended
    trigger.handler(batch, LambdaContext())
    assert batch_summary(caplog) == {"seen": 3, "skipped": 2, "matched": 1, "started": 0, "duplicate": 1, "failed": 0}

    executions = wait_for_executions(workflow.arn)
    assert [json.loads(e["input"])["eventName"] for e in executions] == ["MODIFY"]


def test_event_names_and_document_fields(table: Any, workflow: Workflow, load_trigger: Any) -> None:
    trigger = load_trigger(
        EVENT_NAMES="INSERT, MODIFY",
        DOCUMENT_ATTRIBUTE="document",
        CONDITIONS=json.dumps({"field": "amount", "greaterThan": 100}),
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


def test_a_failed_start_reports_exactly_that_record(
    table: Any, workflow: Workflow, load_trigger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger = load_trigger()
    write_order_history(table)
    batch = read_stream_batch("orders")
    failing = batch["Records"][1]
    client = trigger.stepfunctions()
    real_start = client.start_execution

    def start_or_fail(**kwargs: Any) -> Any:
        if kwargs["name"].endswith(failing["eventID"]):
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "StartExecution")
        return real_start(**kwargs)

    monkeypatch.setattr(client, "start_execution", start_or_fail)
    assert trigger.handler(batch, LambdaContext()) == {
        "batchItemFailures": [{"itemIdentifier": failing["dynamodb"]["SequenceNumber"]}]
    }
    assert len(wait_for_executions(workflow.arn)) == 2

    monkeypatch.setattr(client, "start_execution", real_start)
    assert trigger.handler(batch, LambdaContext()) == {"batchItemFailures": []}
    executions = wait_for_executions(workflow.arn)
    assert sorted(json.loads(e["input"])["eventId"] for e in executions) == sorted(
        r["eventID"] for r in batch["Records"]
    )


def test_every_record_failing_is_still_a_partial_response(
    table: Any, load_trigger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger = load_trigger(STATE_MACHINE_ARN=f"arn:aws:states:{REGION}:123456789012:stateMachine:absent")
    write_order_history(table)
    batch = read_stream_batch("orders")

    response = trigger.handler(batch, LambdaContext())

    assert response == {
        "batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in batch["Records"]]
    }


def test_throttling_is_retried_by_the_sdk_in_adaptive_mode(load_trigger: Any) -> None:
    retries = load_trigger(SDK_MAX_ATTEMPTS="7").stepfunctions().meta.config.retries
    assert retries["mode"] == "adaptive"
    assert retries["total_max_attempts"] == 7


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("STATE_MACHINE_ARN", "orders-workflow", "STATE_MACHINE_ARN must be a state machine ARN"),
        ("EVENT_NAMES", "INSERT,UPSERT", "EVENT_NAMES must be a comma-separated subset"),
        ("SDK_MAX_ATTEMPTS", "0", "SDK_MAX_ATTEMPTS must be a whole number from 1 to 20"),
        ("CONDITIONS", '{"field": "amount", "greaterThen": 1}', "CONDITIONS: unknown test(s) ['greaterThen']"),
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
    trigger = load_trigger(STATE_MACHINE_ARN=broken.arn)
    table.put_item(Item={"id": "o-9", "status": "NEW"})

    assert trigger.handler(read_stream_batch("orders"), LambdaContext()) == {"batchItemFailures": []}

    [execution] = wait_for_executions(broken.arn)
    assert (execution["status"], execution["error"]) == ("FAILED", "ItemChangeNotProcessed")
    [recorded] = drain_queue(broken.failure_queue_url)
    assert recorded["action"] == "created"
    assert recorded["executionArn"] == execution["executionArn"]
    assert recorded["change"] == json.loads(execution["input"])
    assert recorded["error"]
    assert recorded["cause"]
