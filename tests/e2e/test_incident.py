"""An incident and its recovery (issue #31): two permissions removed for a while, the changes of that while
parked, the permissions restored, and `make redrive` bringing every change to the bus and every workflow
started, exactly once, even when a redrive is interrupted and run again. A module of its own: it needs a
runtime whose status starts clean and ends clean."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from typing import Any

import pytest

from scripts.ops import parked, redrive, status
from tests.e2e.system import System, role_of, statement_removed

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

ITEMS = 50


class Interrupted(Exception):
    """Stands in for Ctrl-C halfway through a redrive."""


def parked_changes(system: System) -> int:
    """How many changes both readers parked: the fan-out's dead letters (one a change), and the records the
    trigger's mapping gave up on (each on-failure record names how many)."""
    sqs, dlqs = system.client("sqs"), system.outputs["dlqs"]
    fanout = len(parked.walk(sqs, dlqs["fanout"]["url"], 1000))
    url, taken = dlqs["trigger-stream"]["url"], []
    try:
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages"):
            taken += batch
    finally:
        parked.release(sqs, url, [m["ReceiptHandle"] for m in taken])
    trigger = sum(json.loads(m["Body"])["DDBStreamBatchInfo"]["batchSize"] for m in taken)
    return min(fanout, trigger)


def test_an_incident_s_parked_changes_all_arrive_exactly_once_after_redrive(system: System) -> None:
    """The fan-out without events:PutEvents and the trigger without states:StartExecution while 50 items are
    written (a few at the API's largest body; none can be claim-checked through the API: its bodies stay far
    under EventBridge's 1 MiB entry); then the statements are back and the operator runs status and redrive."""
    if system.runtime is None:
        pytest.skip("needs the local runtime (it removes statements from the system's roles)")
    system.skip_on_engine_gap("its stream mappings retry a failing batch without end and park nothing")
    assert not status.status(system.outputs, system.client).needs_attention  # a clean start
    fanout = role_of(system, "aws_lambda_function", "-bus-fanout")
    trigger = role_of(system, "aws_lambda_function", "-trigger")
    ids: list[str] = []
    with ExitStack() as incident:
        incident.enter_context(statement_removed(system, fanout, "PublishToTheBus"))
        incident.enter_context(statement_removed(system, trigger, "StartTheWorkflows"))
        for n in range(ITEMS):
            body: dict[str, Any] = {"name": f"incident-{n}-{uuid.uuid4().hex[:6]}"}
            if n % 10 == 0:
                body["attributes"] = {"note": "x" * 30000}  # near the API's body limit
            code, created = system.request("POST", "/items", body)
            assert code == 201, created
            ids.append(created["id"])
        deadline = time.monotonic() + 120
        while parked_changes(system) < ITEMS and time.monotonic() < deadline:
            time.sleep(1)
        assert parked_changes(system) == ITEMS  # every change parked, twice (one per reader), none lost
    report = status.status(system.outputs, system.client)
    assert report.needs_attention
    assert {q.kind for q in report.queues if q.messages} == {"fanout", "trigger-stream"}

    # Interrupted after 5 messages (as Ctrl-C would): what it had not settled is visible again at once.
    def interrupt_after(count: int) -> Any:
        done = 0

        def advance(_kind: str) -> None:
            nonlocal done
            done += 1
            if done >= count:
                raise Interrupted

        class Progress:
            def __enter__(self) -> Any:
                return advance

            def __exit__(self, *_: Any) -> None:
                return None

        return lambda kinds: Progress()

    with pytest.raises(Interrupted):
        redrive.redrive(system.outputs, system.client, "fanout", 1000, progress=interrupt_after(5))
    for queue in ("fanout", "trigger-stream"):
        summary = redrive.redrive(system.outputs, system.client, queue, 1000)
        assert summary.left == 0, [r for r in summary.results if r.outcome == "left"]

    # Every change on the bus once (audit, by item and version), every workflow started once (by name).
    mine = lambda events: [e for e in events if e["detail"]["keys"]["id"] in ids]  # noqa: E731
    audited = mine(
        system.messages(system.outputs["audit_queue_url"], until=lambda got: len(mine(got)) >= ITEMS, timeout=60)
    )
    time.sleep(2)  # anything more would arrive now
    audited += mine(system.messages(system.outputs["audit_queue_url"], until=lambda got: False, timeout=2))
    by_version = Counter((e["detail"]["keys"]["id"], e["detail"]["newImage"]["version"]) for e in audited)
    assert sorted(by_version.values()) == [1] * ITEMS
    assert {item for item, _ in by_version} == set(ids)
    arn = system.outputs["workflow_state_machine_arn"]
    executions = [
        e for e in system.executions(arn, count=ITEMS, timeout=60) if json.loads(e["input"])["keys"]["id"] in ids
    ]
    assert Counter(json.loads(e["input"])["keys"]["id"] for e in executions) == Counter(ids)
    assert {e["status"] for e in executions} == {"SUCCEEDED"}
    assert not status.status(system.outputs, system.client).needs_attention  # clean again: make status exits 0
