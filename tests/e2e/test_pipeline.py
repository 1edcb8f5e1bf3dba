"""End to end: the event-processing pipeline (modules/pipeline) through its buckets, topic, queues and the API.

An upload to the ingest bucket is imported by the orchestrator and its workers; the report lands in the
results bucket, the notification on the topic (read from its subscribed queue), what could not be imported in
the pipeline's DLQ; imported items are read back through the API, as any client would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from scripts.localrt.fire import fire
from tests.e2e.system import System

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

VALID_LINES = 200
REJECTED_AT = (1, 100, 203)  # 1-based line numbers of the invalid lines
# The orchestrator writes every report with this task; ministack's Step Functions fails it with States.Runtime.
PUT_OBJECT_GAP = "its Step Functions has no aws-sdk:s3:putObject task (the report is never written)"


def notification_for(system: System, key: str, timeout: float = 90.0) -> list[dict[str, Any]]:
    """The notifications of imports of `key` (read and deleted from the notifications queue)."""
    about = lambda got: [n for n in got if n.get("kind") == "import" and key in json.dumps(n.get("source"))]  # noqa: E731
    return about(
        system.messages(system.outputs["notifications_queue_url"], until=lambda got: bool(about(got)), timeout=timeout)
    )


def report(system: System, key: str) -> dict[str, Any]:
    body = system.client("s3").get_object(Bucket=system.outputs["results_bucket_name"], Key=key)["Body"].read()
    return dict(json.loads(body))


def listed_names(system: System, prefix: str) -> list[str]:
    """Names of the items the API lists whose name starts with prefix, every page followed."""
    names, cursor = [], None
    while True:
        status, page = system.request("GET", "/items?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200, page
        names += [item["name"] for item in page["items"] if item.get("name", "").startswith(prefix)]
        cursor = page.get("nextCursor")
        if not cursor:
            return names


def executions_for(system: System, key: str) -> list[dict[str, Any]]:
    """The orchestrator's executions of imports of `key`, described."""
    sfn = system.client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=system.outputs["import_state_machine_arn"])["executions"]
    described = [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]
    return [e for e in described if key in e["input"]]


@pytest.fixture(scope="module")
def imported(system: System) -> dict[str, Any]:
    """One upload of 200 valid and 3 invalid lines, imported; its key, name prefix and notifications."""
    system.skip_on_engine_gap(PUT_OBJECT_GAP)
    prefix = f"imported-{uuid.uuid4().hex[:8]}"
    lines = [json.dumps({"name": f"{prefix}-{n}", "amount": n, "tags": ["import"]}) for n in range(VALID_LINES)]
    invalid = {1: "this is not JSON", 100: json.dumps({"amount": 1}), 203: json.dumps({"name": "x", "unknown": True})}
    for line in sorted(invalid):
        lines.insert(line - 1, invalid[line])
    key = f"imports/{prefix}.jsonl"
    system.client("s3").put_object(
        Bucket=system.outputs["ingest_bucket_name"],
        Key=key,
        Body=("\n".join(lines) + "\n").encode(),
        ContentType="application/x-ndjson",
    )
    return {"key": key, "prefix": prefix, "notifications": notification_for(system, key)}


def test_an_upload_is_imported_and_reported_line_by_line(system: System, imported: dict[str, Any]) -> None:
    [notification] = imported["notifications"]
    name = imported["key"].removeprefix("imports/").removesuffix(".jsonl")
    assert notification["status"] == "PARTIAL"
    assert notification["report"] == f"s3://{system.outputs['results_bucket_name']}/reports/{name}.json"
    written = report(system, f"reports/{name}.json")
    assert written["status"] == "PARTIAL"
    assert written["imported"] == VALID_LINES
    assert [r["line"] for r in written["rejected"]] == list(REJECTED_AT)
    assert all(r["error"] for r in written["rejected"])
    assert len(executions_for(system, imported["key"])) == 1  # one import, hence one notification


def test_imported_items_are_stored_as_the_api_stores_them(system: System, imported: dict[str, Any]) -> None:
    names = listed_names(system, imported["prefix"])
    assert sorted(names) == sorted(f"{imported['prefix']}-{n}" for n in range(VALID_LINES))
    status, created = system.request("POST", "/items", {"name": f"by-the-api-{imported['prefix']}", "amount": 1})
    assert status == 201
    page = system.request("GET", "/items?limit=100")[1]["items"]
    one_imported = next(i for i in page if i["name"].startswith(imported["prefix"]))
    status, fetched = system.request("GET", f"/items/{one_imported['id']}")
    assert status == 200
    assert set(fetched) == set(created) | {"tags"}  # the same server fields and defaults (status NEW) as the API's
    assert fetched["status"] == "NEW"
    assert fetched["version"] == 1


def test_the_same_event_delivered_twice_imports_nothing_twice(system: System, imported: dict[str, Any]) -> None:
    """EventBridge delivers at least once: a second execution for the same object version writes nothing new."""
    sfn, arn = system.client("stepfunctions"), system.outputs["import_state_machine_arn"]
    first = executions_for(system, imported["key"])[0]
    sfn.start_execution(stateMachineArn=arn, name=f"again-{uuid.uuid4().hex[:8]}", input=first["input"])
    [again] = notification_for(system, imported["key"])
    assert again["status"] == "PARTIAL"
    assert again["imported"] == VALID_LINES
    assert len(listed_names(system, imported["prefix"])) == VALID_LINES


def test_an_object_that_is_not_json_lines_is_reported_failed_and_dead_lettered(system: System) -> None:
    system.skip_on_engine_gap(PUT_OBJECT_GAP)
    key = f"imports/garbage-{uuid.uuid4().hex[:8]}.jsonl"
    system.client("s3").put_object(
        Bucket=system.outputs["ingest_bucket_name"], Key=key, Body=os.urandom(4096), ContentType="application/x-ndjson"
    )
    [notification] = notification_for(system, key)
    assert notification["status"] == "FAILED"
    written = report(system, f"reports/{key.removeprefix('imports/').removesuffix('.jsonl')}.json")
    assert written["status"] == "FAILED"
    assert written["imported"] == 0
    assert "not JSON lines" in written["error"]
    dead = system.messages(
        system.outputs["import_dlq_url"], until=lambda got: any(m["detail"]["object"]["key"] == key for m in got)
    )
    assert [m["detail-type"] for m in dead if m["detail"]["object"]["key"] == key] == ["Object Created"]


def test_the_scheduled_export_lists_every_item(system: System) -> None:
    created = {system.request("POST", "/items", {"name": f"exported-{n}"})[1]["id"] for n in range(3)}
    when = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    if system.runtime is not None and system.runtime.evaluation is not None:  # `make fire`, as documented
        runtime = system.runtime
        reach = {"aws_endpoint_url": runtime.aws_endpoint, "aws_region": runtime.evaluation.region}
        outputs = {**runtime.outputs, **reach, **runtime.operator_credentials, **runtime.service_credentials}
        fire(outputs, system.outputs["export_schedule_name"], when)
    else:  # deployed: invoke the schedule's target as Scheduler would
        target = system.client("scheduler").get_schedule(Name=system.outputs["export_schedule_name"])["Target"]
        system.client("lambda").invoke(
            FunctionName=target["Arn"], InvocationType="Event", Payload=json.dumps({"scheduledTime": when.isoformat()})
        )
    exported = lambda got: [n for n in got if n.get("kind") == "export"]  # noqa: E731
    [notification] = exported(
        system.messages(system.outputs["notifications_queue_url"], until=lambda got: bool(exported(got)), timeout=60)
    )
    assert notification["export"] == f"s3://{system.outputs['results_bucket_name']}/exports/2026-11-27.jsonl"
    body = (
        system.client("s3")
        .get_object(Bucket=system.outputs["results_bucket_name"], Key="exports/2026-11-27.jsonl")["Body"]
        .read()
    )
    ids = [json.loads(line)["id"] for line in body.decode().splitlines()]
    scanned = system.client("dynamodb").scan(TableName=system.outputs["table_name"], ProjectionExpression="id")["Items"]
    assert sorted(ids) == sorted(item["id"]["S"] for item in scanned)
    assert created <= set(ids)
    assert notification["items"] == len(ids)


def post_webhook(system: System, source: str, body: bytes, key: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"x-api-key": key} if key else {})}
    request = urllib.request.Request(
        f"{system.outputs['webhook_url']}/{source}", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_a_webhook_goes_onto_the_bus_and_into_the_audit_queue(system: System) -> None:
    key, marker = system.outputs["webhook_api_key"], uuid.uuid4().hex
    status, answer = post_webhook(
        system, "stripe", json.dumps({"type": "charge.succeeded", "marker": marker}).encode(), key
    )
    assert status == 202, answer
    mine = lambda got: [e for e in got if e.get("detail", {}).get("body", {}).get("marker") == marker]  # noqa: E731
    [event] = mine(system.messages(system.outputs["audit_queue_url"], until=lambda got: bool(mine(got)), timeout=60))
    assert event["id"] == answer["eventId"]
    assert (event["source"], event["detail-type"]) == ("app.webhooks", "webhook.received")
    assert event["detail"]["webhook"] == "stripe"
    assert event["detail"]["body"] == {"type": "charge.succeeded", "marker": marker}


def test_webhooks_refuse_senders_without_the_key_bad_json_and_large_bodies(system: System) -> None:
    key = system.outputs["webhook_api_key"]
    if system.runtime is not None:  # the stage throttles the senders' key as its usage plan says (50/s, burst 100)
        bucket = system.runtime.key_throttles()[key]
        assert (bucket.rate, bucket.burst) == (50.0, 100)
    status, answer = post_webhook(system, "stripe", b'{"type": "x"}', None)
    assert (status, answer["error"]) == (403, "Forbidden")
    status, answer = post_webhook(system, "stripe", b'{"type": ', key)
    assert (status, answer["error"]) == (400, "ValidationError")
    status, answer = post_webhook(system, "stripe", json.dumps({"blob": "x" * 40000}).encode(), key)
    assert (status, answer["error"]) == (413, "PayloadTooLarge")
    # A number no consumer can hold (issue #28: 1e400 reached the bus as Infinity, which is not JSON).
    status, answer = post_webhook(system, "stripe", b'{"n": 1e400}', key)
    assert (status, answer["error"]) == (400, "ValidationError")
    status, answer = post_webhook(system, "stripe", b'{"n": ' + b"[" * 5000 + b"]" * 5000 + b"}", key)
    assert (status, answer["error"]) == (400, "ValidationError")
    # The source's pattern, which API Gateway's validator does not check on a path parameter (issue #28).
    for source in ["..", "a%2Fb", "x" * 65, "a%20b"]:
        status, answer = post_webhook(system, source, b'{"type": "x"}', key)
        assert (status, answer["error"]) == (400, "BadRequest"), source


def test_the_readme_quickstart_runs_as_printed(system: System) -> None:
    """Issue #29: every line of README's Quickstart (what make local prints) runs as printed, AWS CLI v1 included,
    with the env.sh make local writes."""
    from scripts.localrt.__main__ import write_environment, write_outputs
    from tests.tooling.test_docs import ROOT, quickstart

    if not system.moto_engine:
        pytest.skip("the Quickstart is written for make local's default engine (moto)")
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    local = ROOT / "envs" / "local" / ".local"
    if (local / "outputs.json").exists() or (local / "env.sh").exists():
        pytest.skip("a make local of envs/local runs here: its outputs.json and env.sh are not replaced")
    assert system.runtime is not None
    written = [write_outputs(system.runtime, system.credentials), write_environment(system.runtime, system.credentials)]
    printed: dict[str, str] = {}
    try:
        for line in quickstart():
            script = f'set -euo pipefail; source envs/local/.local/env.sh; {line}; echo; echo "TOKEN=${{TOKEN:-}}"'
            done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            printed[line] = done.stdout
    finally:
        for path in written:
            path.unlink(missing_ok=True)
    lines = list(printed)
    assert json.loads(printed[lines[1]].split("\nTOKEN=")[0])["name"] == "first"
    queried = json.loads(next(out for line, out in printed.items() if "status=PENDING" in line).split("\nTOKEN=")[0])
    assert "first" in [item["name"] for item in queried["items"]], "the item just created, found by its status"
    notification = next(out for line, out in printed.items() if "NOTIFICATIONS_QUEUE_URL" in line)
    assert "PARTIAL" in notification  # examples/orders.jsonl: six lines imported, two rejected
    report = json.loads(
        next(out for line, out in printed.items() if "reports/orders.json" in line).split("\nTOKEN=")[0]
    )
    assert (report["imported"], [r["line"] for r in report["rejected"]]) == (6, [5, 7])
    assert printed[lines[-1]].split("TOKEN=")[1].strip().startswith("eyJ")  # a fresh token
