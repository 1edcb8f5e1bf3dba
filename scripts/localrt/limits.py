"""Payload limits counted the way AWS counts them, where moto counts differently or not at all.

- Step Functions: a state's input or output may hold 256 KiB of UTF-8 (Step Functions quotas, "Maximum
  input or output size for a task, state, or execution"). moto measures `json.dumps` with its default
  ASCII escapes and spaces, so `é` costs 6 bytes instead of 2 and valid payloads fail locally. Here the
  compact UTF-8 text is measured; beyond the limit the state fails with `States.DataLimitExceeded`, as on AWS.
- SQS: a message's body and attributes may hold the queue's MaximumMessageSize in bytes (1 MiB by default
  since 2025, SQS quotas); a batch as much in total. moto counts the body's characters. Here UTF-8 bytes of
  the body plus each attribute's name, type and value are counted; beyond the limit SendMessage answers
  `InvalidParameterValue` and SendMessageBatch `BatchRequestTooLong`, as on AWS.
- EventBridge PutEvents: at most 10 entries, and the entries' sizes (the formula of "Calculating PutEvents
  event entry size": Time 14 bytes, UTF-8 of Source, DetailType, Detail and each Resources entry) at most
  1 MiB in total (EventBridge raised it from 256 KB on 2026-01-29). moto checks the count only; beyond the size
  the request fails with `ValidationException` "Total size of the entries in the request is over the limit.",
  the message AWS answers.

Lambda's asynchronous invocation payload (1 MB, Lambda API reference, Invoke) is not checked separately: locally the only
asynchronous invoker is EventBridge, whose events are already held to the 1 MiB above.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.events.exceptions import ValidationException
from moto.events.models import EventsBackend
from moto.sqs.exceptions import BatchRequestTooLong, InvalidParameterValue
from moto.sqs.models import SQSBackend
from moto.stepfunctions.parser.asl.component.state import state as sfn_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service

STATE_PAYLOAD_BYTES = 256 * 1024
PUT_EVENTS_REQUEST_BYTES = 1024 * 1024
SQS_BATCH_BYTES = 1024 * 1024


def state_payload_bytes(value: Any) -> int:
    text = (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    )
    return len(text.encode("utf-8"))


def is_within_state_quota(value: Any) -> bool:
    return state_payload_bytes(value) <= STATE_PAYLOAD_BYTES


def put_events_entry_bytes(entry: dict[str, Any]) -> int:
    size = 14 if entry.get("Time") is not None else 0
    for name in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(name) or "").encode("utf-8"))
    return size + sum(len(str(resource).encode("utf-8")) for resource in entry.get("Resources") or [])


def sqs_message_bytes(body: str, attributes: dict[str, Any] | None) -> int:
    size = len(body.encode("utf-8"))
    for name, attribute in (attributes or {}).items():
        value = attribute.get("string_value") or attribute.get("StringValue") or attribute.get("binary_value") or ""
        data_type = attribute.get("data_type") or attribute.get("DataType") or ""
        size += len(name.encode()) + len(str(data_type).encode()) + len(str(value).encode())
    return size


_installed = threading.Lock()


def install() -> None:
    """Once per process (moto runs in it); idempotent."""
    if not _installed.acquire(blocking=False):
        return
    sfn_state.is_within_size_quota = is_within_state_quota  # type: ignore[attr-defined]
    state_task_service.is_within_size_quota = is_within_state_quota  # type: ignore[attr-defined]

    put_events = EventsBackend.put_events

    def put_events_within_limit(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(events) <= 10 and sum(put_events_entry_bytes(e) for e in events) > PUT_EVENTS_REQUEST_BYTES:
            raise ValidationException("Total size of the entries in the request is over the limit.")
        return put_events(self, events)

    EventsBackend.put_events = put_events_within_limit  # type: ignore[method-assign]

    send_message = SQSBackend.send_message

    def send_message_within_limit(
        self: SQSBackend, queue_name: str, message_body: str, *args: Any, **kwargs: Any
    ) -> Any:
        queue = self.get_queue(queue_name)
        attributes = kwargs.get("message_attributes") or (args[0] if args else None)
        if sqs_message_bytes(message_body, attributes) > int(queue.maximum_message_size):  # type: ignore[attr-defined]
            raise InvalidParameterValue(
                "One or more parameters are invalid. Reason: Message must be shorter than "
                f"{queue.maximum_message_size} bytes."  # type: ignore[attr-defined]
            )
        return send_message(self, queue_name, message_body, *args, **kwargs)

    SQSBackend.send_message = send_message_within_limit  # type: ignore[method-assign]

    send_message_batch = SQSBackend.send_message_batch

    def send_message_batch_within_limit(self: SQSBackend, queue_name: str, entries: dict[str, dict[str, Any]]) -> Any:
        total = sum(
            sqs_message_bytes(entry.get("MessageBody", ""), entry.get("MessageAttributes"))
            for entry in entries.values()
        )
        if total > SQS_BATCH_BYTES:
            raise BatchRequestTooLong(total)
        return send_message_batch(self, queue_name, entries)

    SQSBackend.send_message_batch = send_message_batch_within_limit  # type: ignore[method-assign]
