"""End to end: the deployed system, driven only through its API and observed through its queues and workflows.

Runs against the local runtime by default (`make local`'s system, started here on free ports). The same tests
run against a deployment on LocalStack or AWS when E2E_OUTPUTS names a JSON file of the environment's
outputs (`terraform output -json > outputs.json`), with AWS credentials (and AWS_ENDPOINT_URL for LocalStack)
in the environment.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest

from tests.e2e.system import System, dead_letter_keys, function_named, role_of, statement_removed

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)


def test_the_api_refuses_callers_without_valid_credentials(system: System) -> None:
    """Every environment deploys an authenticated API (finding 1); locally the token is verified as AWS does."""
    assert system.outputs["api_authorization"]["type"] != "NONE"
    status, body = system.request("POST", "/items", {"name": "anonymous"}, anonymous=True)
    assert (status, body["error"]) == (401, "Unauthorized")
    token = system.credentials["Authorization"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in ("not-a-token", forged, system.credentials["Authorization"].replace(".", "", 1)):
        status, body = system.request("GET", "/items", headers={"Authorization": bad}, anonymous=True)
        assert (status, body["error"]) == (401, "Unauthorized"), bad[:20]
    assert system.request("GET", "/items?limit=1")[0] == 200


def test_an_item_lifecycle_flows_through_all_three_paths(system: System) -> None:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    status, created = system.request("POST", "/items", {"name": name, "status": "PENDING", "amount": 120})
    assert status == 201
    item_id = created["id"]
    assert system.request("GET", f"/items/{item_id}") == (200, created)

    status, paid = system.request(
        "PUT", f"/items/{item_id}", {"name": name, "status": "PAID", "amount": 120}, headers={"If-Match": '"1"'}
    )
    assert (status, paid["version"], paid["status"]) == (200, 2, "PAID")
    assert system.request("DELETE", f"/items/{item_id}")[0] == 204
    assert system.request("GET", f"/items/{item_id}")[0] == 404

    # Fan-out -> bus -> audit rule: every change, in order, with the API's view of the item.
    mine = lambda events: [e for e in events if e["detail"]["keys"] == {"id": item_id}]  # noqa: E731
    audited = mine(system.messages(system.outputs["audit_queue_url"], until=lambda got: len(mine(got)) >= 3))
    assert [e["detail-type"] for e in audited] == ["item.created", "item.updated", "item.deleted"]
    assert audited[1]["detail"]["newImage"] == paid
    assert audited[1]["detail"]["changedFields"] == ["status", "updatedAt", "version"]

    # Trigger -> example workflow: one successful execution per change.
    executions = [
        e
        for e in system.executions(system.outputs["workflow_state_machine_arn"], count=3)
        if json.loads(e["input"])["keys"] == {"id": item_id}
    ]
    assert sorted(json.loads(e["input"])["eventName"] for e in executions) == ["INSERT", "MODIFY", "REMOVE"]
    assert {e["status"] for e in executions} == {"SUCCEEDED"}

    # Paid rule -> consumer: one log line for the paid update (the worker's file, or CloudWatch Logs).
    consumer = f"{system.outputs['table_name'].removesuffix('-items')}-consumer"
    deadline = time.monotonic() + 30
    while item_id not in system.function_log(consumer) and time.monotonic() < deadline:
        time.sleep(0.5)
    consumed = [json.loads(line) for line in system.function_log(consumer).splitlines() if item_id in line]
    assert [line["detailType"] for line in consumed if line.get("message") == "item event consumed"] == ["item.updated"]


def test_bad_requests_get_4xx_and_write_nothing(system: System) -> None:
    before = system.request("GET", "/items?limit=100")[1]["items"]
    assert system.request("POST", "/items", {"status": "PAID"})[0] == 400
    assert system.request("POST", "/items", {"name": "x", "unknown": 1})[0] == 400
    assert system.request("PUT", f"/items/{uuid.uuid4()}", {"name": "x"}, headers={"If-Match": '"1"'})[0] in (404, 412)
    assert system.request("GET", "/items?limit=100")[1]["items"] == before


def test_nothing_lands_in_a_dead_letter_queue(system: System) -> None:
    for name in ("trigger_dlq_url", "fanout_dlq_url"):
        assert system.messages(system.outputs[name], until=lambda got: False, timeout=1.5) == [], name


def test_a_killed_function_worker_is_restarted_and_loses_no_event(system: System) -> None:
    """On AWS a crashed invocation environment is replaced and the stream mapping retries from its position;
    locally a killed worker (kill -9) is restarted and resumes from its checkpoint: every change still reaches
    the bus."""
    if not system.moto_engine:
        pytest.skip("needs the local runtime's own workers (kills one of them)")
    runtime = system.runtime
    assert runtime.lambdas is not None
    lambdas = runtime.lambdas
    [index] = [i for i, spec in enumerate(lambdas.spec_paths) if spec.stem.endswith("-bus-fanout")]
    victim = lambdas.processes[index]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)

    names = [f"after-kill-{uuid.uuid4().hex[:6]}-{n}" for n in range(20)]
    ids = {system.request("POST", "/items", {"name": name})[1]["id"] for name in names}
    mine = lambda events: [e for e in events if e["detail"]["keys"]["id"] in ids]  # noqa: E731
    audited = mine(
        system.messages(system.outputs["audit_queue_url"], until=lambda got: len(mine(got)) >= 20, timeout=60)
    )
    assert {e["detail"]["keys"]["id"] for e in audited} == ids
    assert lambdas.processes[index] is not victim
    log = lambdas.spec_paths[index].with_suffix(".log").read_text()
    assert '"message": "worker exited, restarting it"' in log


def test_a_permission_missing_from_a_role_fails_as_on_aws_and_loses_nothing(system: System) -> None:
    """IAM is enforced locally: without the fan-out role's PutEvents statement, publishing fails with
    AccessDeniedException naming events:PutEvents (in the function's log, and the change in its DLQ); with
    the module's policy back, changes reach the bus again."""
    with statement_removed(system, role_of(system, "aws_lambda_function", "-bus-fanout"), "PublishToTheBus"):
        refused = system.request("POST", "/items", {"name": f"denied-{uuid.uuid4().hex[:6]}"})[1]["id"]
        dead = system.messages(
            system.outputs["fanout_dlq_url"], until=lambda got: any(dead_letter_keys(m) == {"id": refused} for m in got)
        )
    [letter] = [m for m in dead if dead_letter_keys(m) == {"id": refused}]
    assert letter["errorCode"] == "AccessDeniedException"
    assert "not authorized to perform: events:PutEvents" in letter["errorMessage"]
    # The batch's log line is written after the dead letter was sent: wait for it rather than race it.
    deadline, log = time.monotonic() + 10, ""
    while "AccessDeniedException" not in log and time.monotonic() < deadline:
        log = system.function_log(function_named(system, "-bus-fanout"))
        time.sleep(0.1)
    assert "AccessDeniedException" in log
    assert "events:PutEvents" in log

    allowed = system.request("POST", "/items", {"name": f"allowed-{uuid.uuid4().hex[:6]}"})[1]["id"]
    audited = system.messages(
        system.outputs["audit_queue_url"], until=lambda got: any(e["detail"]["keys"] == {"id": allowed} for e in got)
    )
    assert any(e["detail"]["keys"] == {"id": allowed} for e in audited)


def test_state_machine_tasks_run_with_the_state_machines_role(system: System) -> None:
    """Step Functions' own DynamoDB calls are signed with the state machine's role: without its table
    statement the API's write fails (a 5xx, as a broken deployment would on AWS) and writes nothing."""
    system.skip_on_engine_gap("its Step Functions tasks do not act as the state machine's role")
    name = f"no-table-{uuid.uuid4().hex[:6]}"
    with statement_removed(system, role_of(system, "aws_sfn_state_machine", "-crud"), "ItemsTable"):
        status, _ = system.request("POST", "/items", {"name": name})
    assert status >= 500
    listed = system.request("GET", "/items?limit=100")[1]["items"]
    assert name not in [item.get("name") for item in listed]
    assert system.request("POST", "/items", {"name": name})[0] == 201


def test_location_is_a_link_the_client_can_follow(system: System) -> None:
    """Location carries the scheme the client used (https on AWS, http on the local stage)."""
    request = urllib.request.Request(
        f"{system.outputs['api_url']}/items",
        data=json.dumps({"name": f"linked-{uuid.uuid4().hex[:6]}"}).encode(),
        headers={"Content-Type": "application/json", **system.credentials},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        location, created = response.headers["Location"], json.loads(response.read())
    assert location == f"{system.outputs['api_url']}/items/{created['id']}"
    followed = urllib.request.Request(location, headers=system.credentials)
    with urllib.request.urlopen(followed, timeout=30) as response:
        assert json.loads(response.read()) == created


def pages_of(system: System, query: str) -> list[dict[str, Any]]:
    """Every page of GET /items?<query>, following nextCursor (URL-encoded, as any query value)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        suffix = f"&cursor={urllib.parse.quote(cursor, safe='')}" if cursor else ""
        status, page = system.request("GET", f"/items?{query}{suffix}")
        assert status == 200, page
        items.extend(page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            return items


def test_items_are_queried_by_field_through_an_index(system: System) -> None:
    """Every env declares by_status (status, sorted by createdAt): GET /items?status=PAID&sort=-createdAt."""
    tag = uuid.uuid4().hex[:6]
    created = []
    for n, status in enumerate(["PAID", "NEW", "PAID", "PAID", "NEW"]):
        code, item = system.request("POST", "/items", {"name": f"query-{tag}-{n}", "status": status})
        assert code == 201, item
        created.append(item)
    since = urllib.parse.quote(created[0]["createdAt"])
    paid = pages_of(system, f"status=PAID&sort=-createdAt&createdAt.gte={since}&limit=2")
    assert {item["status"] for item in paid} == {"PAID"}
    assert [item["createdAt"] for item in paid] == sorted((item["createdAt"] for item in paid), reverse=True)
    mine = [item["id"] for item in paid if item["name"].startswith(f"query-{tag}-")]
    assert mine == [created[3]["id"], created[2]["id"], created[0]["id"]], "newest first, each once"

    code, replaced = system.request("PUT", f"/items/{created[0]['id']}", {"name": created[0]["name"], "status": "NEW"})
    assert code == 200, replaced
    new = [
        item["id"]
        for item in pages_of(system, f"status=NEW&createdAt.gte={since}")
        if item["name"].startswith(f"query-{tag}-")
    ]
    assert new == [created[0]["id"], created[1]["id"], created[4]["id"]], "a replace moves the item between partitions"

    code, refused = system.request("GET", "/items?name=x")
    assert (code, refused["error"]) == (400, "BadRequest")
    assert "status=<value> [sort=createdAt or -createdAt]" in refused["message"], (
        "the refusal lists the queries offered"
    )
