"""Starts one Step Functions execution per matching change of a DynamoDB stream batch.

Environment (checked at cold start; a bad value fails the init with a message naming it):
  STATE_MACHINE_ARN   the workflow to start (required)
  EVENT_NAMES         comma-separated subset of INSERT,MODIFY,REMOVE (default: all three)
  CONDITIONS          JSON rules, see conditions.py (default: every change)
  DOCUMENT_ATTRIBUTE  attribute holding the item's user fields as JSON text, lifted to the top level
  SDK_MAX_ATTEMPTS    attempts per StartExecution call, adaptive retry mode (default 5)

Executions are named after the table and the record's eventID, so a redelivered record (a retried batch)
cannot start a second execution: StartExecution answers ExecutionAlreadyExists, counted as a duplicate
(while the first execution still runs, it answers with that execution instead, counted as started).
That guarantee needs a STANDARD target; EXPRESS workflows do not enforce unique names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from botocore.exceptions import ClientError

from common.change import EVENT_NAMES, to_change
from stream_trigger.conditions import Predicate, parse_conditions

STATE_MACHINE_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$")
EXECUTION_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


class ConfigurationError(ValueError):
    """An environment variable of the function is missing or invalid."""


@dataclass(frozen=True)
class Settings:
    state_machine_arn: str
    event_names: frozenset[str]
    matches: Predicate
    document_attribute: str | None
    sdk_max_attempts: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        arn = environ.get("STATE_MACHINE_ARN", "")
        if not STATE_MACHINE_ARN_PATTERN.match(arn):
            raise ConfigurationError(f"STATE_MACHINE_ARN must be a state machine ARN, got {arn!r}")
        names = frozenset(name.strip() for name in environ.get("EVENT_NAMES", ",".join(EVENT_NAMES)).split(","))
        if not names or not names <= set(EVENT_NAMES):
            raise ConfigurationError(f"EVENT_NAMES must be a comma-separated subset of {','.join(EVENT_NAMES)}")
        attempts = environ.get("SDK_MAX_ATTEMPTS", "5")
        if not attempts.isdigit() or not 1 <= int(attempts) <= 20:
            raise ConfigurationError(f"SDK_MAX_ATTEMPTS must be a whole number from 1 to 20, got {attempts!r}")
        return cls(
            state_machine_arn=arn,
            event_names=names,
            matches=parse_conditions(environ.get("CONDITIONS")),
            document_attribute=environ.get("DOCUMENT_ATTRIBUTE") or None,
            sdk_max_attempts=int(attempts),
        )


logger = Logger()
SETTINGS = Settings.from_environ(os.environ)
# A batch where every record failed is answered like any other, record by record, rather than raised.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
counts: Counter[str] = Counter()


@cache
def stepfunctions() -> Any:
    return boto3.client(
        "stepfunctions", config=Config(retries={"mode": "adaptive", "total_max_attempts": SETTINGS.sdk_max_attempts})
    )


def execution_name(table_name: str | None, event_id: str) -> str:
    """Deterministic, valid (letters, digits, '-', '_'), at most 80 characters, unique per table and record."""
    readable = f"{table_name or 'table'}-{event_id}"
    if EXECUTION_NAME_PATTERN.match(readable):
        return readable
    digest = hashlib.sha256(f"{table_name}/{event_id}".encode()).hexdigest()[:40]
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", table_name or "table")[:39]
    return f"{prefix}-{digest}"


def start_workflow(change: dict[str, Any]) -> str:
    """Starts the execution for one change: 'started', or 'duplicate' when this record already started one."""
    name = execution_name(change["tableName"], change["eventId"])
    try:
        stepfunctions().start_execution(
            stateMachineArn=SETTINGS.state_machine_arn,
            name=name,
            input=json.dumps(change, separators=(",", ":"), ensure_ascii=False),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            logger.info("execution already started", extra={"execution_name": name})
            return "duplicate"
        logger.warning("start failed", extra={"execution_name": name, "error": str(error)})
        raise
    return "started"


def record_handler(record: DynamoDBRecord) -> None:
    counts["seen"] += 1
    change = to_change(record.raw_event, document_attribute=SETTINGS.document_attribute)
    if change["eventName"] not in SETTINGS.event_names or not SETTINGS.matches(change):
        counts["skipped"] += 1
        return
    counts["matched"] += 1
    counts[start_workflow(change)] += 1


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    counts.clear()
    response = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=processor,
        context=context,
    )
    failed = len(response.get("batchItemFailures", []))
    summary = {key: counts[key] for key in ("seen", "skipped", "matched", "started", "duplicate")}
    logger.info("batch processed", extra={**summary, "failed": failed})
    return response
