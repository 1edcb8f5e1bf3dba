"""The stream trigger's guarantees under injected faults and deadlines (lambdas/stream_trigger/starter.py):

- every record is settled (each matching workflow started once, or the change dead-lettered) or reported
  failed, and Lambda's redelivery from the earliest reported record ends with every change settled exactly
  once per workflow;
- executions of one item start in stream order;
- no call is made without the time its worst case needs;
- an input too large for Step Functions (counted as UTF-8 bytes, as AWS counts) is dead-lettered at once,
  with the change, or with its keys when the change is too large for SQS too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_trigger.starter import MAX_INPUT_BYTES, Record, Starter, StarterSettings, execution_name
from stream_trigger.workflows import parse_workflows

DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-trigger-stream-failures"
ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:"
WORKFLOWS = parse_workflows(
    json.dumps(
        {
            "fulfil": {"stateMachineArn": f"{ARN}fulfil", "eventNames": ["INSERT", "MODIFY"]},
            "audit": {"stateMachineArn": f"{ARN}audit", "input": {"id": "keys.id", "event": "eventName"}},
        }
    )
)
OUTAGE_DELIVERIES = 5  # deliveries of a batch that may meet faults before the outage ends
START_ERRORS = ["ThrottlingException", "ServiceUnavailable", "connection", "StateMachineDoesNotExist"]


def change(index: int, item: int, note: str = "x") -> dict[str, Any]:
    return {
        "eventId": f"e{index}",
        "eventName": ("INSERT", "MODIFY", "REMOVE")[index % 3],
        "tableName": "orders",
        "keys": {"id": f"o-{item}"},
        "newImage": {"id": f"o-{item}", "note": note},
        "oldImage": None,
        "changedFields": ["note"],
        "sequenceNumber": f"{index:021d}",
        "approximateCreationTime": "2026-11-26T10:00:00.000Z",
    }


class Clock:
    """The invocation's remaining time: each call costs `cost` seconds."""

    def __init__(self, seconds: float, cost: float) -> None:
        self.left, self.cost = seconds, cost
        self.calls_without_budget = 0

    def spend(self, budget: float) -> None:
        if self.left < budget:
            self.calls_without_budget += 1
        self.left -= self.cost


class ScriptedStepFunctions:
    """StartExecution that enforces unique names per state machine (as STANDARD does) and fails as drawn."""

    def __init__(self, draw: Any, fault_rate: float, clock: Clock, budget: float) -> None:
        self.draw, self.fault_rate, self.clock, self.budget = draw, fault_rate, clock, budget
        self.started: dict[tuple[str, str], dict[str, Any]] = {}
        self.refused: set[tuple[str, str]] = set()  # refused for good: it stays refused on redelivery
        self.order: list[tuple[str, str]] = []  # (state machine, execution name) in start order

    def start_execution(self, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        self.clock.spend(self.budget)
        if (stateMachineArn, name) in self.refused:
            raise ClientError({"Error": {"Code": "StateMachineDoesNotExist", "Message": "gone"}}, "StartExecution")
        if self.fault_rate and self.draw(st.floats(0, 1)) < self.fault_rate:
            code = self.draw(st.sampled_from(START_ERRORS))
            if code == "StateMachineDoesNotExist":
                self.refused.add((stateMachineArn, name))
            if code == "connection":
                raise EndpointConnectionError(endpoint_url="https://states.eu-west-1.amazonaws.com")
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "StartExecution")
        if (stateMachineArn, name) in self.started:
            raise ClientError({"Error": {"Code": "ExecutionAlreadyExists", "Message": name}}, "StartExecution")
        self.started[(stateMachineArn, name)] = json.loads(input)
        self.order.append((stateMachineArn, name))
        return {"executionArn": f"{stateMachineArn}:{name}"}


class ScriptedSqs:
    def __init__(self, draw: Any, fault_rate: float, clock: Clock, budget: float) -> None:
        self.draw, self.fault_rate, self.clock, self.budget = draw, fault_rate, clock, budget
        self.messages: list[dict[str, Any]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict[str, Any]:
        self.clock.spend(self.budget)
        assert QueueUrl == DLQ
        assert len(MessageBody.encode()) <= 262_144
        if self.fault_rate and self.draw(st.floats(0, 1)) < self.fault_rate / 2:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "SendMessage")
        self.messages.append(json.loads(MessageBody))
        return {"MessageId": str(len(self.messages))}


def wanted(record_change: dict[str, Any]) -> list[str]:
    return [w.state_machine_arn for w in WORKFLOWS if w.wants(record_change)]


@settings(max_examples=60)
@given(
    data=st.data(),
    count=st.integers(1, 40),
    items=st.integers(1, 6),
    fault_rate=st.sampled_from([0.0, 0.05, 0.3, 1.0]),
    seconds=st.floats(0.5, 60),
)
def test_redelivery_settles_everything_once_in_order_per_item_within_the_deadline(
    data: Any, count: int, items: int, fault_rate: float, seconds: float
) -> None:
    records = [Record(f"{i:021d}", change(i, data.draw(st.integers(0, items - 1)))) for i in range(count)]
    budget = 2.0
    clock = Clock(seconds, cost=0.4)
    sfn = ScriptedStepFunctions(data.draw, fault_rate, clock, budget)
    sqs = ScriptedSqs(data.draw, fault_rate, clock, budget)
    settled_once: set[str] = set()
    pending = records
    for delivery in range(1000):  # Lambda retries from the earliest reported record
        clock.left = seconds
        starter = Starter(
            WORKFLOWS, sfn, sqs, StarterSettings(DLQ, call_seconds=budget, reserve_seconds=0.5), lambda: clock.left
        )
        outcome = starter.start(pending)
        assert outcome.failed == sorted(outcome.failed), "reported in stream order"
        # A failed record blocks the later records of its item; nothing after it may have started in this
        # invocation for that item.
        if not outcome.failed:
            settled_once.update(r.sequence_number for r in pending)
            break
        first = outcome.failed[0]
        settled_once.update(r.sequence_number for r in pending if r.sequence_number < first)
        pending = [r for r in pending if r.sequence_number >= first]
        if fault_rate == 1.0 or delivery >= OUTAGE_DELIVERIES:
            # The outage ends: at once after a total one, within a few deliveries otherwise (the draws could
            # otherwise fail every call forever; a longer outage is the mapping's retry limit's and its
            # on-failure destination's to end, not the starter's).
            fault_rate = sfn.fault_rate = sqs.fault_rate = 0.0
        seconds = max(seconds, 10.0)  # an invocation too short for a record is followed by one that has time
    else:
        raise AssertionError("redelivery never settled the batch")
    assert settled_once == {r.sequence_number for r in records}
    assert clock.calls_without_budget == 0

    dead = {(m["stateMachineArn"], m["change"]["eventId"]) for m in sqs.messages}
    for record in records:
        name = execution_name("orders", record.change["eventId"])
        for arn in wanted(record.change):
            started = (arn, name) in sfn.started
            assert started or (arn, record.change["eventId"]) in dead, (arn, record.sequence_number)
    # Per item and state machine, executions started in stream order.
    by_item: dict[tuple[str, str], list[int]] = defaultdict(list)
    for arn, name in sfn.order:
        index = int(name.split("-e", 1)[1])
        by_item[(arn, records[index].change["keys"]["id"])].append(index)
    assert all(indexes == sorted(indexes) for indexes in by_item.values())


def test_the_input_limit_is_counted_in_utf8_bytes_as_aws_counts_it() -> None:
    clock = Clock(60, 0)
    sfn = ScriptedStepFunctions(None, 0.0, clock, 1)
    sqs = ScriptedSqs(None, 0.0, clock, 1)
    # 100,000 'é' are 200,000 UTF-8 bytes (under 262,144) but 600,000 as escaped JSON: it must start.
    fits = Record("1", change(1, 1, "é" * 100_000))
    # 140,000 'é' are 280,000 UTF-8 bytes: over the limit, dead-lettered at once, not retried.
    too_large = Record("4", change(4, 2, "é" * 140_000))
    starter = Starter(WORKFLOWS, sfn, sqs, StarterSettings(DLQ), lambda: clock.left)

    outcome = starter.start([fits, too_large])

    assert outcome.failed == []
    assert (f"{ARN}fulfil", "orders-e1") in sfn.started
    assert (f"{ARN}fulfil", "orders-e4") not in sfn.started
    [message] = sqs.messages
    assert (message["reason"], message["workflow"], message["errorCode"]) == (
        "input-too-large",
        "fulfil",
        "InputTooLarge",
    )
    assert str(MAX_INPUT_BYTES) in message["errorMessage"]
    assert "change" not in message, "a 280 KB change does not fit an SQS message: its keys do"
    assert message["keys"] == {"id": "o-2"}
    assert message["eventId"] == "e4"
    assert message["changeBytes"] > 262_144
    # The audit workflow's mapped input is small: it started for both records.
    assert sfn.started[(f"{ARN}audit", "orders-e4")] == {"id": "o-2", "event": "MODIFY"}


def test_a_dead_letter_that_fits_carries_the_whole_change() -> None:
    clock = Clock(60, 0)
    sfn = ScriptedStepFunctions(None, 0.0, clock, 1)
    sqs = ScriptedSqs(None, 0.0, clock, 1)

    def refuse(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "InvalidExecutionInput", "Message": "bad"}}, "StartExecution")

    sfn.start_execution = refuse  # type: ignore[method-assign]
    record = Record("1", change(1, 1))
    outcome = Starter(WORKFLOWS, sfn, sqs, StarterSettings(DLQ), lambda: 60).start([record])
    assert outcome.failed == []
    assert [(m["workflow"], m["reason"], m["change"]) for m in sqs.messages] == [
        ("audit", "not-retryable", record.change),
        ("fulfil", "not-retryable", record.change),
    ]
