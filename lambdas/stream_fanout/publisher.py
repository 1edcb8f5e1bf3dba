"""Publishes changes to EventBridge so that every record ends up published, dead-lettered, or reported failed.

Pure logic over injected clients, clock and sleep, so the invariant can be tested against any failure pattern:

1. Each record becomes one entry (see `to_entry`). An entry larger than `max_entry_bytes`, counted the way
   AWS counts PutEvents entry size, is claim-checked when a bucket is configured: the change goes to S3 and
   the entry carries a reference (lambdas/common/claim_check.py), in the record's place in the stream. Only
   when S3 fails too (or the reference itself is too large) does it go to the DLQ.
2. Entries are packed in stream order into the fewest PutEvents calls possible without reordering: at most
   10 entries and at most `max_request_bytes` per call (greedy packing is optimal for contiguous groups).
3. A call can succeed with FailedEntryCount > 0. Only failed entries with retryable codes are resent, with
   exponential backoff and full jitter, up to `max_attempts` per entry. A chunk is settled before the next
   one is sent, so the bus sees the batch in stream order except for retried entries, which follow their chunk.
4. What is still failing, non-retryable or oversized goes to the DLQ as
   {"reason", "errorCode", "errorMessage", "attempts", "change"} and counts as handled; when that message
   would exceed `dlq_max_message_bytes`, the change is replaced by what identifies it (keys, eventId,
   eventName, tableName, sequenceNumber, entryBytes), so a dead letter always fits and never loops.
5. Every send (first attempts, retries, dead letters) first checks that the invocation's remaining time
   covers the call's worst case (`call_seconds`) plus `reserve_seconds`. What cannot be done in time, and a
   record whose dead letter cannot be sent, is returned as failed, in stream order: Lambda retries the batch
   from the earliest of them (records after it may be published twice: delivery is at least once).

Limits (AWS raised EventBridge entries and SQS messages from 256 KB to 1 MB on 2026-01-29, AWS Compute Blog;
both are settings so an older LocalStack or a stricter queue can be matched): `max_entry_bytes` and
`max_request_bytes` default to 1 MiB; `dlq_max_message_bytes` to 256 KiB, which every SQS queue accepts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from common import claim_check
from common.json_text import dumps, utf8_size

MAX_ENTRIES_PER_CALL = 10
DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
DEFAULT_DLQ_MAX_MESSAGE_BYTES = 256 * 1024
RETRYABLE_CODES = frozenset({"ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable"})
DETAIL_TYPE_SUFFIX = {"INSERT": "created", "MODIFY": "updated", "REMOVE": "deleted"}
SQS_BATCH_SIZE = 10

T = TypeVar("T")


@dataclass(frozen=True)
class PublisherSettings:
    event_bus_name: str
    source: str = "app.items"
    entity: str = "item"
    max_attempts: int = 5
    max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    dlq_max_message_bytes: int = DEFAULT_DLQ_MAX_MESSAGE_BYTES
    base_delay_seconds: float = 0.05
    max_delay_seconds: float = 2.0
    # The worst case of one PutEvents or SendMessageBatch call with the SDK's own retries (handler's Config).
    call_seconds: float = 10.0
    # Left of the invocation after the last call: the response and the logs.
    reserve_seconds: float = 1.0
    claim_check_bucket: str | None = None  # None: oversized changes go to the DLQ


@dataclass(slots=True)
class Pending:
    """One record on its way: its stream sequence number, the change, and the PutEvents entry."""

    sequence_number: str
    change: dict[str, Any]
    entry: dict[str, Any]
    size: int
    attempts: int = 0
    error_code: str | None = None
    error_message: str | None = None


@dataclass
class Outcome:
    published: list[str] = field(default_factory=list)
    dead_lettered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    put_events_calls: int = 0
    retries: int = 0
    claim_checked: list[str] = field(default_factory=list)  # published as a reference to S3
    errors: dict[str, str] = field(default_factory=dict)  # error code -> one of its messages, for the log


@lru_cache(maxsize=16)  # one stream per batch
def table_arn(stream_arn: str | None) -> str | None:
    """arn:...:table/<name>/stream/<label> -> arn:...:table/<name>."""
    return stream_arn.split("/stream/", 1)[0] if stream_arn else None


def to_entry(change: dict[str, Any], stream_arn: str | None, settings: PublisherSettings) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Source": settings.source,
        "DetailType": f"{settings.entity}.{DETAIL_TYPE_SUFFIX[change['eventName']]}",
        "Detail": dumps(change),
        "EventBusName": settings.event_bus_name,
    }
    if resource := table_arn(stream_arn):
        entry["Resources"] = [resource]
    if change.get("approximateCreationTime"):
        entry["Time"] = _event_time(change["approximateCreationTime"])
    return entry


@lru_cache(maxsize=64)  # a batch's records share a handful of seconds
def _event_time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def entry_size(entry: dict[str, Any]) -> int:
    """PutEvents entry size as AWS documents it: 14 bytes for Time, then the UTF-8 bytes of Source,
    DetailType, Detail and each resource."""
    size = 14 if entry.get("Time") else 0
    size += utf8_size(entry["Source"]) + utf8_size(entry["DetailType"]) + utf8_size(entry["Detail"])
    size += sum(utf8_size(resource) for resource in entry.get("Resources", ()))
    return size


def contiguous_chunks(items: Sequence[T], size_of: Callable[[T], int], max_count: int, max_bytes: int) -> list[list[T]]:
    """Items in order, cut into the fewest contiguous chunks of at most max_count items and max_bytes
    (greedy is optimal when order must be kept). An item larger than max_bytes gets a chunk of its own."""
    chunks: list[list[T]] = []
    current: list[T] = []
    current_bytes = 0
    for item in items:
        size = size_of(item)
        if current and (len(current) == max_count or current_bytes + size > max_bytes):
            chunks.append(current)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += size
    if current:
        chunks.append(current)
    return chunks


class Publisher:
    def __init__(
        self,
        settings: PublisherSettings,
        events: Any,
        sqs: Any,
        dlq_url: str,
        remaining_seconds: Callable[[], float],
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
        s3: Any = None,
    ):
        self.settings = settings
        self.s3 = s3
        self.events = events
        self.sqs = sqs
        self.dlq_url = dlq_url
        self.remaining_seconds = remaining_seconds
        self.sleep = sleep
        self.rng = rng or random.Random()

    def publish(self, records: Iterable[tuple[str, dict[str, Any], str | None]]) -> Outcome:
        """records: (sequence number, change, stream ARN) in stream order, consumed lazily: a chunk is built,
        sent and dropped before the next one is built, so memory stays flat whatever the batch size."""
        outcome = Outcome()
        dead: list[tuple[Pending, str]] = []
        largest = min(self.settings.max_entry_bytes, self.settings.max_request_bytes)
        chunk: list[Pending] = []
        chunk_bytes = 0
        stopped = False  # out of time: everything from here on is reported for redelivery
        for sequence_number, change, stream_arn in records:
            if stopped:
                outcome.failed.append(sequence_number)
                continue
            entry = to_entry(change, stream_arn, self.settings)
            item = Pending(sequence_number, change, entry, entry_size(entry))
            if item.size > largest:
                item = self._claim_check(item, stream_arn, largest, outcome)
                if item.error_code:
                    dead.append((item, "oversized"))
                    continue
            if chunk and (
                len(chunk) == MAX_ENTRIES_PER_CALL or chunk_bytes + item.size > self.settings.max_request_bytes
            ):
                stopped = not self._send(chunk, outcome, dead)
                chunk, chunk_bytes = [], 0
                if stopped:
                    outcome.failed.append(sequence_number)
                    continue
            chunk.append(item)
            chunk_bytes += item.size
        if chunk and not stopped:
            self._send(chunk, outcome, dead)
        self._dead_letter(dead, outcome)
        outcome.failed.sort(key=_stream_position)
        return outcome

    def _claim_check(self, item: Pending, stream_arn: str | None, largest: int, outcome: Outcome) -> Pending:
        """The item as a reference to its change stored in S3; or the item with the reason it could not be."""
        item.error_code = "EntryTooLarge"
        item.error_message = f"entry is {item.size} bytes; PutEvents accepts at most {largest}"
        bucket = self.settings.claim_check_bucket
        if bucket is None or self.s3 is None or not self._has_time():
            return item
        key, content = claim_check.object_key(item.change), claim_check.body(item.change)
        try:
            self.s3.put_object(Bucket=bucket, Key=key, Body=content, ContentType="application/json")
        except (ClientError, BotoCoreError) as error:
            item.error_message += f"; the claim check failed too: {error}"
            return item
        detail = claim_check.reference(item.change, bucket, key, content)
        entry = {**item.entry, "Detail": dumps(detail)}
        checked = Pending(item.sequence_number, item.change, entry, entry_size(entry))
        if checked.size > largest:  # even the reference (its keys) is too large
            return item
        outcome.claim_checked.append(item.sequence_number)
        return checked

    def _send(self, chunk: list[Pending], outcome: Outcome, dead: list[tuple[Pending, str]]) -> bool:
        """Settles one chunk; False (and the chunk reported failed) when there is no time for it."""
        if not self._has_time():
            outcome.failed.extend(item.sequence_number for item in chunk)
            return False
        self._settle(chunk, outcome, dead)
        return True

    def _has_time(self, waiting: float = 0.0) -> bool:
        """Whether one more call (after `waiting` seconds) can finish before the invocation's reserve."""
        return self.remaining_seconds() - waiting >= self.settings.call_seconds + self.settings.reserve_seconds

    def _settle(self, chunk: list[Pending], outcome: Outcome, dead: list[tuple[Pending, str]]) -> None:
        """Sends one chunk until every entry is published or given up on."""
        waiting = chunk
        while waiting:
            failed = self._put(waiting, outcome)
            failed_ids = {id(item) for item in failed}
            outcome.published.extend(item.sequence_number for item in waiting if id(item) not in failed_ids)
            retry: list[Pending] = []
            for item in failed:
                if item.error_code not in RETRYABLE_CODES:
                    dead.append((item, "rejected"))
                elif item.attempts >= self.settings.max_attempts:
                    dead.append((item, "retries exhausted"))
                else:
                    retry.append(item)
            if not retry:
                return
            delay = self._backoff(max(item.attempts for item in retry))
            if not self._has_time(delay):
                outcome.failed.extend(item.sequence_number for item in retry)  # Lambda retries them
                return
            self.sleep(delay)
            outcome.retries += len(retry)
            # Retried entries are re-packed: what was one chunk may have shrunk to one call.
            waiting = retry

    def _put(self, items: list[Pending], outcome: Outcome) -> list[Pending]:
        """One PutEvents call; returns the items that failed (with their error recorded)."""
        for item in items:
            item.attempts += 1
        outcome.put_events_calls += 1
        try:
            response = self.events.put_events(Entries=[item.entry for item in items])
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "ClientError")
            for item in items:
                item.error_code, item.error_message = code, details.get("Message", str(error))
            return list(items)
        except BotoCoreError as error:  # connection trouble: the whole call is worth retrying
            for item in items:
                item.error_code, item.error_message = "InternalFailure", str(error)
            return list(items)
        if not response.get("FailedEntryCount"):
            return []
        failed = []
        for item, result in zip(items, response["Entries"], strict=True):
            if result.get("ErrorCode"):
                item.error_code, item.error_message = result["ErrorCode"], result.get("ErrorMessage", "")
                failed.append(item)
        return failed

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform between 0 and the capped exponential delay."""
        ceiling = min(self.settings.max_delay_seconds, self.settings.base_delay_seconds * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)

    def _dead_letter(self, dead: list[tuple[Pending, str]], outcome: Outcome) -> None:
        limit = self.settings.dlq_max_message_bytes
        for item, _ in dead:
            outcome.errors.setdefault(item.error_code or "Unknown", item.error_message or "")
        bodies = [(item, self._dead_letter_body(item, reason, limit)) for item, reason in dead]
        for batch in contiguous_chunks(bodies, lambda pair: utf8_size(pair[1]), SQS_BATCH_SIZE, limit):
            if not self._has_time():
                outcome.failed.extend(item.sequence_number for item, _ in batch)
                continue
            entries = [{"Id": str(index), "MessageBody": body} for index, (_, body) in enumerate(batch)]
            try:
                response = self.sqs.send_message_batch(QueueUrl=self.dlq_url, Entries=entries)
                not_sent = {failure["Id"] for failure in response.get("Failed", [])}
            except (ClientError, BotoCoreError) as error:
                not_sent = {entry["Id"] for entry in entries}
                code = (
                    error.response.get("Error", {}).get("Code", "ClientError")
                    if isinstance(error, ClientError)
                    else "InternalFailure"
                )
                outcome.errors.setdefault(f"{code} (dead-letter queue)", str(error))
            for index, (item, _) in enumerate(batch):
                target = outcome.failed if str(index) in not_sent else outcome.dead_lettered
                target.append(item.sequence_number)

    @staticmethod
    def _dead_letter_body(item: Pending, reason: str, limit: int) -> str:
        message: dict[str, Any] = {
            "reason": reason,
            "errorCode": item.error_code,
            "errorMessage": item.error_message,
            "attempts": item.attempts,
            "change": item.change,
        }
        text = dumps(message)
        if utf8_size(text) <= limit:
            return text
        # Too large for the queue: what identifies the change, so it can be read again from the table.
        change = message.pop("change")
        message |= {name: change.get(name) for name in ("keys", "eventId", "eventName", "tableName", "sequenceNumber")}
        message["entryBytes"] = item.size
        return dumps(message)


def _stream_position(sequence_number: str) -> tuple[int, str]:
    """DynamoDB stream sequence numbers are decimal strings of varying length: compare them as numbers."""
    return (int(sequence_number), sequence_number) if sequence_number.isdigit() else (0, sequence_number)
