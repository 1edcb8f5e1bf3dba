"""Publishes every change of a DynamoDB stream batch to a custom EventBridge bus (see publisher.py).

Environment (checked at cold start):
  EVENT_BUS_NAME      target bus (required)
  DLQ_URL             SQS queue for records that cannot be published (required)
  EVENT_SOURCE        event `source` (default app.items)
  ENTITY              `detail-type` prefix: <entity>.created|updated|deleted (default item)
  MAX_ATTEMPTS        PutEvents attempts per entry (default 5)
  MAX_ENTRY_BYTES     PutEvents entry size limit (default 1048576, EventBridge's since 2026-01-29)
  MAX_REQUEST_BYTES   PutEvents request size limit (default 1048576)
  DLQ_MAX_MESSAGE_BYTES  largest dead-letter message (default 262144, which every SQS queue accepts)
  DOCUMENT_ATTRIBUTE  attribute holding user fields as JSON text, lifted to the top level of the images
  CLAIM_CHECK_BUCKET  S3 bucket for changes too large for an event (see common/claim_check.py); unset: DLQ

Answers {"batchItemFailures": [...]} with the records that are neither published nor dead-lettered; Lambda
retries from the first of them (so consumers must be idempotent on detail.eventId: delivery is at least once).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from common import aws_clients
from common.change import to_change, touches_the_item
from common.settings import matching, optional, queue_url, whole_number
from stream_fanout.publisher import (
    DEFAULT_DLQ_MAX_MESSAGE_BYTES,
    DEFAULT_MAX_ENTRY_BYTES,
    DEFAULT_MAX_REQUEST_BYTES,
    Publisher,
    PublisherSettings,
)

SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,256}$")
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 5.0
SDK_ATTEMPTS = 3
# The worst case of one call: every SDK attempt timing out, with standard mode's backoffs (1 s, 2 s).
CALL_SECONDS = SDK_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + 1.0 + 2.0


@dataclass(frozen=True)
class Settings:
    publisher: PublisherSettings
    dlq_url: str
    document_attribute: str | None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        source = matching(
            environ,
            "EVENT_SOURCE",
            "app.items",
            r"^(?!aws\.)[A-Za-z0-9._-]{1,256}$",
            "1-256 of letters, digits, '.', '_', '-' and not start with 'aws.'",
        )
        bytes_up_to_1_mib = {"low": 1024, "high": 1024 * 1024}
        publisher = PublisherSettings(
            event_bus_name=matching(
                environ, "EVENT_BUS_NAME", "", r"^[A-Za-z0-9._/:-]{1,1600}$", "an event bus name or ARN"
            ),
            source=source,
            entity=matching(
                environ, "ENTITY", "item", SOURCE_PATTERN.pattern, "1-256 of letters, digits, '.', '_', '-'"
            ),
            max_attempts=whole_number(environ, "MAX_ATTEMPTS", 5, 1, 20),
            max_entry_bytes=whole_number(environ, "MAX_ENTRY_BYTES", DEFAULT_MAX_ENTRY_BYTES, **bytes_up_to_1_mib),
            max_request_bytes=whole_number(
                environ, "MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES, **bytes_up_to_1_mib
            ),
            dlq_max_message_bytes=whole_number(
                environ, "DLQ_MAX_MESSAGE_BYTES", DEFAULT_DLQ_MAX_MESSAGE_BYTES, **bytes_up_to_1_mib
            ),
            call_seconds=CALL_SECONDS,
            claim_check_bucket=optional(environ, "CLAIM_CHECK_BUCKET"),
        )
        return cls(publisher, queue_url(environ, "DLQ_URL"), optional(environ, "DOCUMENT_ATTRIBUTE"))


logger = Logger()
# X-Ray (the function's tracing mode): a subsegment per AWS call (PutEvents, SendMessageBatch, PutObject) from
# the botocore patch, record counts as annotations. Off outside Lambda and with POWERTOOLS_TRACE_DISABLED=true.
tracer = Tracer(patch_modules=("botocore",))
SETTINGS = Settings.from_environ(os.environ)


def _config() -> Config:
    return Config(
        retries={"mode": "standard", "total_max_attempts": SDK_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )


@cache
def events_client() -> Any:
    # The publisher retries failed entries itself; the SDK retries whole-call throttling and connection errors.
    return aws_clients.client("events", config=_config())


@cache
def sqs_client() -> Any:
    return aws_clients.client("sqs", config=_config())


@cache
def s3_client() -> Any:
    return aws_clients.client("s3", config=_config())


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)  # responses name records only; images stay out of traces
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    publisher = Publisher(
        SETTINGS.publisher,
        events_client(),
        sqs_client(),
        SETTINGS.dlq_url,
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
        sleep=time.sleep,
        s3=s3_client() if SETTINGS.publisher.claim_check_bucket else None,
    )
    storage_only = 0

    def news() -> Iterator[tuple[str, dict[str, Any], str | None]]:
        nonlocal storage_only
        for record in records:
            change = to_change(record, document_attribute=SETTINGS.document_attribute)
            if touches_the_item(change):
                yield record["dynamodb"]["SequenceNumber"], change, record.get("eventSourceARN")
            else:
                storage_only += 1

    outcome = publisher.publish(news())
    counts = {
        "records": len(records),
        "storage_only": storage_only,
        "published": len(outcome.published),
        "dead_lettered": len(outcome.dead_lettered),
        "claim_checked": len(outcome.claim_checked),
        "failed": len(outcome.failed),
        "put_events_calls": outcome.put_events_calls,
        "retried_entries": outcome.retries,
    }
    for name, value in counts.items():
        tracer.put_annotation(name, value)  # type: ignore[arg-type]  # powertools types numbers as numbers.Number
    logger.info("batch processed", extra=counts)
    if outcome.errors:  # what kept records off the bus (e.g. AccessDeniedException naming the action)
        logger.warning("records not published", extra={"errors": outcome.errors})
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in outcome.failed]}
