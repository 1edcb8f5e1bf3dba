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
from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from common import aws_clients
from common.change import to_change
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


class ConfigurationError(ValueError):
    """An environment variable of the function is missing or invalid."""


def _whole_number(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = environ.get(name, str(default))
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high}, got {text!r}")
    return int(text)


def settings_from_environ(environ: Mapping[str, str]) -> tuple[PublisherSettings, str, str | None]:
    bus = environ.get("EVENT_BUS_NAME", "")
    if not re.match(r"^[A-Za-z0-9._/:-]{1,1600}$", bus):
        raise ConfigurationError(f"EVENT_BUS_NAME must be an event bus name or ARN, got {bus!r}")
    dlq_url = environ.get("DLQ_URL", "")
    if not dlq_url.startswith(("https://", "http://")):
        raise ConfigurationError(f"DLQ_URL must be an SQS queue URL, got {dlq_url!r}")
    source = environ.get("EVENT_SOURCE", "app.items")
    if not SOURCE_PATTERN.match(source) or source.startswith("aws."):
        raise ConfigurationError(
            f"EVENT_SOURCE must be 1-256 of letters, digits, '.', '_', '-' and not start with 'aws.', got {source!r}"
        )
    entity = environ.get("ENTITY", "item")
    if not SOURCE_PATTERN.match(entity):
        raise ConfigurationError(f"ENTITY must be 1-256 of letters, digits, '.', '_', '-', got {entity!r}")
    settings = PublisherSettings(
        event_bus_name=bus,
        source=source,
        entity=entity,
        max_attempts=_whole_number(environ, "MAX_ATTEMPTS", 5, 1, 20),
        max_entry_bytes=_whole_number(environ, "MAX_ENTRY_BYTES", DEFAULT_MAX_ENTRY_BYTES, 1024, 1024 * 1024),
        max_request_bytes=_whole_number(environ, "MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES, 1024, 1024 * 1024),
        dlq_max_message_bytes=_whole_number(
            environ, "DLQ_MAX_MESSAGE_BYTES", DEFAULT_DLQ_MAX_MESSAGE_BYTES, 1024, 1024 * 1024
        ),
        call_seconds=CALL_SECONDS,
        claim_check_bucket=environ.get("CLAIM_CHECK_BUCKET") or None,
    )
    return settings, dlq_url, environ.get("DOCUMENT_ATTRIBUTE") or None


logger = Logger()
# X-Ray (the function's tracing mode): a subsegment per AWS call (PutEvents, SendMessageBatch, PutObject) from
# the botocore patch, record counts as annotations. Off outside Lambda and with POWERTOOLS_TRACE_DISABLED=true.
tracer = Tracer(patch_modules=("botocore",))
SETTINGS, DLQ_URL, DOCUMENT_ATTRIBUTE = settings_from_environ(os.environ)


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
        SETTINGS,
        events_client(),
        sqs_client(),
        DLQ_URL,
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
        sleep=time.sleep,
        s3=s3_client() if SETTINGS.claim_check_bucket else None,
    )
    outcome = publisher.publish(
        (
            record["dynamodb"]["SequenceNumber"],
            to_change(record, document_attribute=DOCUMENT_ATTRIBUTE),
            record.get("eventSourceARN"),
        )
        for record in records
    )
    counts = {
        "records": len(records),
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
