"""Starts the workflows of a stream batch so that every change is started, dead-lettered, or reported failed.

Pure logic over injected clients and clock (the handler wires boto3 and Lambda's context), so its guarantees
can be tested against any failure pattern:

1. Records are taken in stream order. Each matching workflow gets one StartExecution named after the table
   and the record's eventID (see `execution_name`): a redelivered record answers ExecutionAlreadyExists and
   counts as a duplicate, so each change starts each workflow once (STANDARD workflows enforce names).
2. An input larger than Step Functions accepts (262,144 bytes of UTF-8: StartExecution's `input` limit,
   counted the way AWS counts it, not as escaped JSON) and the errors that no retry can cure
   (ValidationException, InvalidExecutionInput, StateMachineDoesNotExist, ...) are settled at once: the change
   goes to the dead-letter queue as {"reason", "workflow", "stateMachineArn", "errorCode", "errorMessage",
   "change"}, or, when the change itself is too large for an SQS message, with its keys, eventId,
   sequenceNumber and size instead of the change. A record redelivered because an earlier one failed is
   dead-lettered again: the DLQ is at least once, like the stream.
3. Any other failure (throttling, a service fault, after the SDK's bounded retries) fails the record, and no
   later record of the same item is started in this invocation: executions of one item start in stream
   order. Records of other items go on.
4. Before each call the remaining invocation time must cover the call's worst case plus a reserve; when it
   does not, this record and every later one are reported failed (Lambda retries the batch from the earliest
   reported record), so the invocation never runs past its timeout.
5. A dead-letter message that cannot be sent fails its record too: nothing is dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from common.json_text import dumps, utf8_size
from stream_trigger.workflows import Workflow

MAX_INPUT_BYTES = 262_144  # StartExecution input: "expressed as bytes in UTF-8 encoding", at most 262144
MAX_DLQ_MESSAGE_BYTES = 262_144  # every SQS queue accepts this (newer queues up to 1 MiB)
NOT_RETRYABLE = frozenset(
    {
        "ValidationException",
        "InvalidExecutionInput",
        "InvalidName",
        "InvalidArn",
        "StateMachineDoesNotExist",
        "StateMachineDeleting",
        "StateMachineTypeNotSupported",
    }
)
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@dataclass(frozen=True)
class StarterSettings:
    dlq_url: str
    max_input_bytes: int = MAX_INPUT_BYTES
    max_dlq_message_bytes: int = MAX_DLQ_MESSAGE_BYTES
    call_seconds: float = 10.0  # the worst case of one SDK call with its retries (handler.call_budget)
    reserve_seconds: float = 1.0  # left for the response and the logs


@dataclass(frozen=True)
class Record:
    sequence_number: str
    change: dict[str, Any]


@dataclass
class Outcome:
    failed: list[str] = field(default_factory=list)  # sequence numbers, in stream order
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (workflow, started|duplicate|...)
    records: int = 0


def execution_name(table_name: str | None, event_id: str) -> str:
    """Deterministic, valid (letters, digits, '-', '_'), at most 80 characters, unique per table and record."""
    readable = f"{table_name or 'table'}-{event_id}"
    if EXECUTION_NAME.match(readable):
        return readable
    digest = hashlib.sha256(f"{table_name}/{event_id}".encode()).hexdigest()[:40]
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", table_name or "table")[:39]
    return f"{prefix}-{digest}"


def item_key(change: Mapping[str, Any]) -> str:
    return json.dumps(change.get("keys"), sort_keys=True, separators=(",", ":"))


class OutOfTime(Exception):
    pass


class Starter:
    def __init__(
        self,
        workflows: tuple[Workflow, ...],
        stepfunctions: Any,
        sqs: Any,
        settings: StarterSettings,
        remaining_seconds: Callable[[], float],
    ) -> None:
        self.workflows = workflows
        self.stepfunctions = stepfunctions
        self.sqs = sqs
        self.settings = settings
        self.remaining_seconds = remaining_seconds

    def start(self, records: Iterable[Record]) -> Outcome:
        outcome = Outcome()
        blocked: set[str] = set()
        out_of_time = False
        for record in records:
            outcome.records += 1
            key = item_key(record.change)
            if out_of_time or key in blocked:
                outcome.failed.append(record.sequence_number)
                continue
            try:
                settled = self._start_record(record, outcome)
            except OutOfTime:
                out_of_time = True
                settled = False
            if not settled:
                blocked.add(key)
                outcome.failed.append(record.sequence_number)
        return outcome

    def _ensure_time(self) -> None:
        if self.remaining_seconds() < self.settings.call_seconds + self.settings.reserve_seconds:
            raise OutOfTime

    def _start_record(self, record: Record, outcome: Outcome) -> bool:
        """True when every matching workflow was started (or was already, or the change was dead-lettered)."""
        for workflow in self.workflows:
            if not workflow.wants(record.change):
                continue
            result = self._start(workflow, record)
            outcome.counts[(workflow.name, result)] += 1
            if result == "failed":
                return False
        return True

    def _start(self, workflow: Workflow, record: Record) -> str:
        text = dumps(workflow.input_for(record.change))
        size = utf8_size(text)
        if size > self.settings.max_input_bytes:
            reason = f"input of {size} bytes exceeds Step Functions' {self.settings.max_input_bytes}"
            return self._dead_letter(workflow, record, "input-too-large", "InputTooLarge", reason)
        self._ensure_time()
        name = execution_name(record.change.get("tableName"), str(record.change.get("eventId")))
        try:
            self.stepfunctions.start_execution(stateMachineArn=workflow.state_machine_arn, name=name, input=text)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "Unknown"))
            if code == "ExecutionAlreadyExists":
                return "duplicate"
            message = str(error.response.get("Error", {}).get("Message", ""))
            if code in NOT_RETRYABLE:
                return self._dead_letter(workflow, record, "not-retryable", code, message)
            return "failed"
        except BotoCoreError:  # connection errors and timeouts after the SDK's retries
            return "failed"
        return "started"

    def _dead_letter(self, workflow: Workflow, record: Record, reason: str, code: str, message: str) -> str:
        body: dict[str, Any] = {
            "reason": reason,
            "workflow": workflow.name,
            "stateMachineArn": workflow.state_machine_arn,
            "errorCode": code,
            "errorMessage": message,
            "change": record.change,
        }
        text = dumps(body)
        if utf8_size(text) > self.settings.max_dlq_message_bytes:
            # The change itself is too large for SQS: what identifies it, so it can be read again from the table.
            reduced = {k: v for k, v in body.items() if k != "change"}
            change = record.change
            reduced |= {
                "keys": change.get("keys"),
                "eventId": change.get("eventId"),
                "eventName": change.get("eventName"),
                "tableName": change.get("tableName"),
                "sequenceNumber": change.get("sequenceNumber"),
                "changeBytes": utf8_size(dumps(change)),
            }
            text = dumps(reduced)
        self._ensure_time()
        try:
            self.sqs.send_message(QueueUrl=self.settings.dlq_url, MessageBody=text)
        except (ClientError, BotoCoreError):
            return "failed"
        return "dead_lettered"
