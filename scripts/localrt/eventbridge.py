"""EventBridge targets moto does not deliver: Step Functions (`sfn`) and SNS (`sns`); and replays of an archive
as EventBridge replays them (`install_replay`).

moto delivers a rule's matching events to SQS targets itself. For a state machine or a topic, the runtime
puts a delivery queue in the target's place (moto fills it) and `TargetDelivery` takes each event from it
and delivers it as EventBridge would: StartExecution with the target's role (as `events.amazonaws.com`
assumes it), or Publish to the topic; retried with backoff while the error is transient and the target's
retry policy allows (attempts and event age); otherwise the event goes to the target's dead-letter queue
with the attributes EventBridge sets (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE), or is dropped
without one, as on AWS (EventBridge user guide, "Event retry policy and using dead-letter queues").
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

TRANSIENT_CODES = frozenset(
    {"ThrottlingException", "Throttling", "ServiceUnavailable", "InternalFailure", "InternalError"}
)
DEFAULT_ATTEMPTS = 185  # EventBridge's default retry policy: 185 attempts within 24 hours
DEFAULT_EVENT_AGE_SECONDS = 86_400


@dataclass(frozen=True)
class Target:
    rule_arn: str
    arn: str  # the state machine or topic
    delivery_queue_url: str  # what moto fills in the target's place
    role_arn: str | None = None
    dead_letter_queue_url: str | None = None
    maximum_retry_attempts: int = DEFAULT_ATTEMPTS
    maximum_event_age_in_seconds: int = DEFAULT_EVENT_AGE_SECONDS

    @property
    def kind(self) -> str:
        return "sfn" if ":states:" in self.arn else "sns"


def deliver(target: Target, event: str, client: Callable[[str, str | None], Any]) -> None:
    """One event to its target; raises ClientError or BotoCoreError when the call fails."""
    if target.kind == "sfn":
        client("stepfunctions", target.role_arn).start_execution(
            stateMachineArn=target.arn, name=uuid.uuid4().hex, input=event
        )
    else:
        client("sns", None).publish(TopicArn=target.arn, Message=event)


def error_of(error: Exception) -> tuple[str, str]:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return str(details.get("Code", "ClientError")), str(details.get("Message", error))
    return "InternalFailure", str(error)


def settle(
    target: Target,
    event: str,
    received_at: float,
    client: Callable[[str, str | None], Any],
    sqs: Any,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Delivers with EventBridge's retries; True when delivered, False when dead-lettered or dropped."""
    attempt = 0
    while True:
        attempt += 1
        try:
            deliver(target, event, client)
            return True
        except (ClientError, BotoCoreError) as error:
            code, message = error_of(error)
        too_old = clock() - received_at >= target.maximum_event_age_in_seconds
        if code not in TRANSIENT_CODES or attempt > target.maximum_retry_attempts or too_old:
            break
        sleep(min(0.05 * 2**attempt, 1.0))
    if target.dead_letter_queue_url:
        attributes = {
            "RULE_ARN": target.rule_arn,
            "TARGET_ARN": target.arn,
            "ERROR_CODE": code,
            "ERROR_MESSAGE": message,
        }
        sqs.send_message(
            QueueUrl=target.dead_letter_queue_url,
            MessageBody=event,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value[:256]} for name, value in attributes.items()
            },
        )
    return False


class TargetDelivery:
    """One thread per target, each long-polling its delivery queue (moto wakes a long poll when a message
    arrives, so an event is settled at once and an idle target costs nothing: polling every 0.1 s instead
    kept 6% of a core busy with signed requests, make bench) and settling what arrives."""

    WAIT_SECONDS = 20  # SQS's longest poll

    def __init__(self, targets: list[Target], client: Callable[[str, str | None], Any], sqs: Any):
        self.targets, self.client, self.sqs = targets, client, sqs
        self._stopping = threading.Event()
        for target in targets:
            threading.Thread(target=self._run, args=(target,), name="eventbridge-target", daemon=True).start()

    def _run(self, target: Target) -> None:
        while not self._stopping.is_set():
            try:
                self._drain(target)
            except (ClientError, BotoCoreError):  # the runtime is stopping, or moto hiccuped: poll again
                self._stopping.wait(0.2)

    def _drain(self, target: Target) -> None:
        received = self.sqs.receive_message(
            QueueUrl=target.delivery_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self.WAIT_SECONDS
        )
        for message in received.get("Messages", []):
            settle(target, message["Body"], time.monotonic(), self.client, self.sqs)
            self.sqs.delete_message(QueueUrl=target.delivery_queue_url, ReceiptHandle=message["ReceiptHandle"])

    def stop(self) -> None:
        self._stopping.set()


_replay_installed = threading.Lock()


def _event_time(event: dict[str, Any]) -> float:
    """An archived event's time (moto keeps PutEvents' Time, or its arrival, as epoch seconds)."""
    value = event.get("time")
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()


def _seconds(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def replay_events(replay: Any, archive: Any) -> None:
    """StartReplay as EventBridge runs it (EventBridge API Reference, StartReplay; User Guide, "Replaying
    archived events"): the archived events whose time is within [EventStartTime, EventEndTime), to the rules of
    the destination bus, or only to Destination.FilterArns' rules, each event with a new id and a
    `replay-name`, matched by each rule's pattern and given to its targets whole (through a target's input
    transformer when it has one). moto's replayed every archived event whatever the window, to every rule. The archive's own rule does not match replayed events (its
    pattern asks for no `replay-name`), so a replay is not archived again."""
    from moto.core.utils import unix_time
    from moto.events.models import ReplayState, events_backends

    backend = events_backends[replay.account_id][replay.region]
    bus = backend.describe_event_bus(replay.destination["Arn"].split("/")[-1])
    only = set(replay.destination.get("FilterArns") or [])
    start, end = _seconds(replay.event_start_time), _seconds(replay.event_end_time)
    for event in list(archive.events):
        if not start <= _event_time(event) < end:
            continue
        for rule in list(bus.rules.values()):
            if only and rule.arn not in only:
                continue
            replayed: Any = {**event, "id": str(uuid.uuid4()), "replay-name": replay.name}
            # moto's default "transformation" rebuilds the event from a fixed set of fields (dropping
            # replay-name): a target without an InputTransformer gets the whole event, as on AWS.
            transformed = any(target.get("InputTransformer") for target in rule.targets)
            rule.send_to_targets(replayed, transform_input=transformed)
    replay.state = ReplayState.COMPLETED
    replay.end_time = unix_time()


def install_replay() -> None:
    """Replaces moto's Replay.replay_events (once per process)."""
    if not _replay_installed.acquire(blocking=False):
        return
    from moto.events.models import Replay

    Replay.replay_events = replay_events  # type: ignore[method-assign,assignment]
