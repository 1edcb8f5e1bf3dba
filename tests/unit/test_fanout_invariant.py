"""The publisher's invariant under injected faults: every record is published, dead-lettered or reported
failed, exactly one of them, whatever EventBridge and SQS do."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_fanout.publisher import MAX_ENTRIES_PER_CALL, Publisher, PublisherSettings, entry_size

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

STREAM_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
PER_ENTRY_ERRORS = ["ThrottlingException", "InternalFailure", "AccessDeniedException", "ValidationException"]
CALL_ERRORS = ["ThrottlingException", "InternalFailure", "AccessDeniedException", "connection"]
DLQ_REASONS = {"oversized", "rejected", "retries exhausted"}


def change(index: int, payload_bytes: int = 20) -> dict[str, Any]:
    return {
        "eventId": f"e{index}",
        "eventName": ("INSERT", "MODIFY", "REMOVE")[index % 3],
        "tableName": "orders",
        "keys": {"id": f"o-{index}"},
        "newImage": {"id": f"o-{index}", "note": "x" * payload_bytes},
        "oldImage": None,
        "changedFields": ["id", "note"],
        "sequenceNumber": f"{index:021d}",
        "approximateCreationTime": "2026-11-26T10:00:00.000Z",
    }


class Clock:
    """The invocation's remaining time; every call costs a drawn latency, every sleep its length."""

    def __init__(self, budget_seconds: float, draw: Any = None, max_latency: float = 0.0):
        self.left = budget_seconds
        self.slept: list[float] = []
        self.draw, self.max_latency = draw, max_latency
        self.lowest_at_a_call = budget_seconds

    def remaining(self) -> float:
        return self.left

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.left -= seconds

    def call(self) -> None:
        self.lowest_at_a_call = min(self.lowest_at_a_call, self.left)
        if self.max_latency:
            self.left -= self.draw(st.floats(0, self.max_latency))


class ScriptedEventBridge:
    """PutEvents whose every call and entry outcome is drawn by hypothesis."""

    def __init__(self, draw: Any, fault_rate: float, clock: Clock | None = None):
        self.draw = draw
        self.fault_rate = fault_rate
        self.clock = clock
        self.published: list[str] = []
        self.calls: list[list[dict[str, Any]]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.clock:
            self.clock.call()
        self.calls.append(Entries)
        if self.fault_rate and self.draw(st.floats(0, 1, exclude_max=True)) < self.fault_rate / 4:
            code = self.draw(st.sampled_from(CALL_ERRORS))
            if code == "connection":
                raise EndpointConnectionError(endpoint_url="https://events.eu-west-1.amazonaws.com")
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "PutEvents")
        results = []
        for entry in Entries:
            if self.fault_rate and self.draw(st.floats(0, 1, exclude_max=True)) < self.fault_rate:
                results.append({"ErrorCode": self.draw(st.sampled_from(PER_ENTRY_ERRORS)), "ErrorMessage": "injected"})
            else:
                self.published.append(json.loads(entry["Detail"])["sequenceNumber"])
                results.append({"EventId": "id"})
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}


class ScriptedSqs:
    def __init__(self, draw: Any, fault_rate: float, clock: Clock | None = None, max_message_bytes: int = 262_144):
        self.draw = draw
        self.fault_rate = fault_rate
        self.clock = clock
        self.max_message_bytes = max_message_bytes
        self.messages: list[dict[str, Any]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.clock:
            self.clock.call()
        assert len(Entries) <= 10
        assert sum(len(e["MessageBody"].encode()) for e in Entries) <= self.max_message_bytes
        if self.fault_rate and self.draw(st.floats(0, 1, exclude_max=True)) < self.fault_rate / 4:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, "SendMessageBatch")
        failed = []
        for entry in Entries:
            if self.fault_rate and self.draw(st.floats(0, 1, exclude_max=True)) < self.fault_rate / 4:
                failed.append({"Id": entry["Id"], "Code": "InternalError", "SenderFault": False})
            else:
                self.messages.append(json.loads(entry["MessageBody"]))
        return {"Successful": [], "Failed": failed}


class ScriptedS3:
    """PutObject that fails as drawn and costs time like every call."""

    def __init__(self, draw: Any, fault_rate: float, clock: Clock) -> None:
        self.draw, self.fault_rate, self.clock = draw, fault_rate, clock
        self.objects: dict[str, bytes] = {}

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str) -> dict[str, Any]:
        self.clock.call()
        if self.fault_rate and self.draw(st.floats(0, 1, exclude_max=True)) < self.fault_rate:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"}}, "PutObject")
        self.objects[f"s3://{Bucket}/{Key}"] = Body
        return {"ETag": "x"}


def dead_sequence(message: dict[str, Any]) -> str:
    return str(message["change"]["sequenceNumber"] if "change" in message else message["sequenceNumber"])


CALL_SECONDS, RESERVE_SECONDS, DLQ_LIMIT = 1.0, 0.5, 4096


@settings(max_examples=100)
@given(
    data=st.data(),
    count=st.integers(min_value=0, max_value=400),
    large=st.dictionaries(
        st.integers(min_value=0, max_value=399), st.sampled_from([5000, 50_000, 390_000]), max_size=5
    ),
    fault_rate=st.sampled_from([0.0, 0.05, 0.3, 0.9]),
    dlq_fault_rate=st.sampled_from([0.0, 0.2]),
    s3_fault_rate=st.sampled_from([0.0, 0.3, 1.0]),
    claim_check=st.booleans(),
    budget=st.sampled_from([900.0, 4.0, 30.0]),
    max_latency=st.sampled_from([0.0, 0.01, 1.0]),
    max_attempts=st.integers(min_value=1, max_value=6),
)
def test_every_record_is_published_dead_lettered_or_reported_within_the_deadline(
    data: Any,
    count: int,
    large: dict[int, int],
    fault_rate: float,
    dlq_fault_rate: float,
    s3_fault_rate: float,
    claim_check: bool,
    budget: float,
    max_latency: float,
    max_attempts: int,
) -> None:
    limit = 4096
    changes = [change(i, payload_bytes=large.get(i, 20 + i % 50)) for i in range(count)]
    clock = Clock(budget, data.draw, max_latency)
    events, sqs = (
        ScriptedEventBridge(data.draw, fault_rate, clock),
        ScriptedSqs(data.draw, dlq_fault_rate, clock, DLQ_LIMIT),
    )
    settings_ = PublisherSettings(
        "orders-bus",
        max_attempts=max_attempts,
        max_request_bytes=limit,
        dlq_max_message_bytes=DLQ_LIMIT,
        call_seconds=CALL_SECONDS,
        reserve_seconds=RESERVE_SECONDS,
        claim_check_bucket="claims" if claim_check else None,
    )
    s3 = ScriptedS3(data.draw, s3_fault_rate, clock)
    publisher = Publisher(
        settings_,
        events,
        sqs,
        "https://sqs/dlq",
        remaining_seconds=clock.remaining,
        sleep=clock.sleep,
        rng=random.Random(0),  # jitter must not make hypothesis draws differ between replays
        s3=s3,
    )

    outcome = publisher.publish((c["sequenceNumber"], c, STREAM_ARN) for c in changes)

    everything = [c["sequenceNumber"] for c in changes]
    dead = [dead_sequence(m) for m in sqs.messages]
    assert sorted(events.published + dead + outcome.failed) == everything, "each record exactly once"
    assert outcome.failed == sorted(outcome.failed), "reported in stream order"
    assert outcome.published == events.published
    assert outcome.dead_lettered == dead
    assert clock.lowest_at_a_call >= CALL_SECONDS + RESERVE_SECONDS, "no call without the time its worst case needs"
    assert clock.left >= 0 or max_latency > CALL_SECONDS, "never past the invocation's timeout"
    for message in sqs.messages:
        assert message["reason"] in DLQ_REASONS
        assert message["errorCode"]
        assert message["errorMessage"]
        assert 0 <= message["attempts"] <= max_attempts
        if "change" in message:
            assert message["change"] == changes[int(message["change"]["eventId"][1:])]
        else:  # too large for the queue: what identifies it
            index = int(message["eventId"][1:])
            assert message["keys"] == changes[index]["keys"]
            assert message["entryBytes"] > limit or len(json.dumps(changes[index])) > DLQ_LIMIT // 2
        if message["reason"] == "rejected":
            assert message["errorCode"] in {"AccessDeniedException", "ValidationException"}
    too_large = {changes[i]["sequenceNumber"] for i in large if i < count and large[i] > limit}
    dead_as_oversized = {dead_sequence(m) for m in sqs.messages if m["reason"] == "oversized"}
    assert dead_as_oversized <= too_large
    assert set(outcome.claim_checked) <= too_large
    assert too_large - dead_as_oversized - set(outcome.claim_checked) <= set(outcome.failed), (
        "never sent whole: claim-checked, dead-lettered, or reported"
    )
    if not claim_check or s3_fault_rate == 1.0:
        assert outcome.claim_checked == []
    for entries in events.calls:  # a reference points at exactly the stored change
        for entry in entries:
            payload = json.loads(entry["Detail"]).get("payload")
            if payload:
                stored = s3.objects[payload["uri"]]
                assert json.loads(stored) == changes[int(json.loads(stored)["eventId"][1:])]
    for call in events.calls:
        assert 1 <= len(call) <= MAX_ENTRIES_PER_CALL
        assert sum(entry_size(entry) for entry in call) <= limit
    assert sum(clock.slept) <= budget
    if fault_rate == 0 and dlq_fault_rate == 0 and budget == 900.0:
        assert outcome.failed == []


OUTAGE_DELIVERIES = 5  # deliveries of a batch that may meet faults before the outage ends


@settings(max_examples=30, suppress_health_check=[HealthCheck.large_base_example, HealthCheck.data_too_large])
@given(data=st.data(), count=st.integers(min_value=1, max_value=60), fault_rate=st.sampled_from([0.05, 0.3]))
def test_redelivery_ends_with_no_record_looping(data: Any, count: int, fault_rate: float) -> None:
    """Lambda retries from the earliest reported record: transient faults end, and a record too large for
    EventBridge and for SQS (a 390 KB item) is settled by a reduced dead letter, not retried forever."""
    changes = [change(i, payload_bytes=390_000 if i % 17 == 3 else 30) for i in range(count)]
    pending = changes
    for delivery in range(500):
        # The outage ends after a few deliveries: the draws could otherwise fail every call forever (all 0.0),
        # which no publisher outlasts; a longer one is the mapping's retry limit's to end.
        faults = fault_rate if delivery < OUTAGE_DELIVERIES else 0.0
        clock = Clock(30.0, data.draw, 0.5)
        publisher = Publisher(
            PublisherSettings("orders-bus", max_request_bytes=4096, dlq_max_message_bytes=DLQ_LIMIT, call_seconds=1.0),
            ScriptedEventBridge(data.draw, faults, clock),
            ScriptedSqs(data.draw, faults / 2, clock, DLQ_LIMIT),
            "https://sqs/dlq",
            remaining_seconds=clock.remaining,
            sleep=clock.sleep,
            rng=random.Random(0),
        )
        outcome = publisher.publish((c["sequenceNumber"], c, STREAM_ARN) for c in pending)
        if not outcome.failed:
            break
        pending = [c for c in pending if int(c["sequenceNumber"]) >= int(outcome.failed[0])]
    else:
        raise AssertionError("a record kept coming back")


@given(count=st.integers(min_value=1, max_value=1000))
def test_small_events_take_one_call_per_ten_records_when_nothing_fails(count: int) -> None:
    events = ScriptedEventBridge(draw=None, fault_rate=0.0)
    publisher = Publisher(
        PublisherSettings("orders-bus"),
        events,
        ScriptedSqs(None, 0.0),
        "https://sqs/dlq",
        remaining_seconds=lambda: 900.0,
        sleep=lambda _: None,
    )
    changes = [change(i) for i in range(count)]

    outcome = publisher.publish((c["sequenceNumber"], c, STREAM_ARN) for c in changes)

    assert outcome.put_events_calls == len(events.calls) == math.ceil(count / 10)
    assert events.published == [c["sequenceNumber"] for c in changes], "in stream order"


def test_failed_entries_are_resent_alone_with_growing_jittered_delays() -> None:
    responses = iter(
        [
            {
                "FailedEntryCount": 2,
                "Entries": [
                    {"EventId": "1"},
                    {"ErrorCode": "ThrottlingException"},
                    {"EventId": "3"},
                    {"ErrorCode": "InternalFailure"},
                ],
            },
            {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException"}, {"EventId": "4"}]},
            {"FailedEntryCount": 0, "Entries": [{"EventId": "2"}]},
        ]
    )
    sent: list[list[str]] = []

    class Events:
        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            sent.append([json.loads(e["Detail"])["eventId"] for e in Entries])
            return next(responses)

    clock = Clock(900.0)
    publisher = Publisher(
        PublisherSettings("orders-bus", base_delay_seconds=1.0, max_delay_seconds=10.0),
        Events(),
        ScriptedSqs(None, 0.0),
        "https://sqs/dlq",
        remaining_seconds=clock.remaining,
        sleep=clock.sleep,
    )
    changes = [change(i) for i in range(1, 5)]
    outcome = publisher.publish((c["sequenceNumber"], c, STREAM_ARN) for c in changes)

    assert sent == [["e1", "e2", "e3", "e4"], ["e2", "e4"], ["e2"]]
    assert outcome.published == [
        changes[0]["sequenceNumber"],
        changes[2]["sequenceNumber"],
        changes[3]["sequenceNumber"],
        changes[1]["sequenceNumber"],
    ]
    assert len(clock.slept) == 2
    assert 0 <= clock.slept[0] <= 1.0
    assert 0 <= clock.slept[1] <= 2.0
