"""Starts the Step Functions workflows that a DynamoDB stream batch's changes match (starter.py does the work).

Environment (checked at cold start; a bad value fails the init with a message naming it):
  WORKFLOWS           JSON: workflow name -> stateMachineArn, eventNames, conditions, input (see workflows.py)
  DLQ_URL             SQS queue for changes that cannot be started (too large, or refused for good)
  DOCUMENT_ATTRIBUTE  attribute holding the item's user fields as JSON text, lifted to the top level
  SDK_MAX_ATTEMPTS    attempts per StartExecution/SendMessage call, botocore standard retry mode (default 3)

The guarantee, per record of the stream: each matching workflow is started exactly once (STANDARD workflows;
executions are named after the table and eventID), or the change is in the DLQ, or the record is reported in
batchItemFailures so that Lambda delivers it again; executions of one item start in stream order. Standard
retry mode, not adaptive: adaptive's client-side rate limiter turned throttling into up to 9.4 s of waiting
in one invocation and keeps its state across warm invocations (measured, issue #15); each call's worst case
(attempts x timeouts + backoff) is checked against the invocation's remaining time before the call.
Per-record counts go out as CloudWatch embedded metrics (namespace StreamTrigger, dimension workflow): log
lines, no API calls.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from common import aws_clients
from common.change import to_change, touches_the_item
from common.settings import ConfigurationError, optional, queue_url, whole_number
from stream_trigger.starter import Outcome, Record, Starter, StarterSettings, execution_name
from stream_trigger.workflows import Workflow, parse_workflows

__all__ = ["ConfigurationError", "execution_name", "handler"]

CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 5.0
STANDARD_MODE_MAX_BACKOFF_SECONDS = 20.0  # botocore's cap on one backoff in standard mode
METRICS_NAMESPACE = "StreamTrigger"
RESULTS = ("started", "duplicate", "dead_lettered", "failed")


@dataclass(frozen=True)
class Settings:
    workflows: tuple[Workflow, ...]
    dlq_url: str
    document_attribute: str | None
    sdk_max_attempts: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            workflows=parse_workflows(environ.get("WORKFLOWS")),
            dlq_url=queue_url(environ, "DLQ_URL"),
            document_attribute=optional(environ, "DOCUMENT_ATTRIBUTE"),
            sdk_max_attempts=whole_number(environ, "SDK_MAX_ATTEMPTS", 3, 1, 10),
        )

    @property
    def call_budget_seconds(self) -> float:
        """The worst case of one SDK call: every attempt timing out, with standard mode's capped backoffs."""
        attempts = self.sdk_max_attempts
        backoffs = sum(min(2.0**i, STANDARD_MODE_MAX_BACKOFF_SECONDS) for i in range(attempts - 1))
        return attempts * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + backoffs


logger = Logger()
# X-Ray (the function's tracing mode): a subsegment per AWS call (StartExecution, SendMessage) from the botocore
# patch, counts as annotations. Off outside Lambda and with POWERTOOLS_TRACE_DISABLED=true.
tracer = Tracer(patch_modules=("botocore",))
SETTINGS = Settings.from_environ(os.environ)


def _config() -> Config:
    return Config(
        retries={"mode": "standard", "total_max_attempts": SETTINGS.sdk_max_attempts},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )


@cache
def stepfunctions() -> Any:
    return aws_clients.client("stepfunctions", config=_config())


@cache
def sqs() -> Any:
    return aws_clients.client("sqs", config=_config())


def emit_metrics(outcome: Outcome) -> None:
    for workflow in SETTINGS.workflows:
        for result in RESULTS:
            count = outcome.counts[(workflow.name, result)]
            if count:
                with single_metric(
                    name=result.title().replace("_", ""),
                    unit=MetricUnit.Count,
                    value=count,
                    namespace=METRICS_NAMESPACE,
                ) as metric:
                    metric.add_dimension(name="workflow", value=workflow.name)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A generator: each change is built when its turn comes and dropped after, so memory stays flat and the
    # garbage collector does not rescan a batch's worth of live changes (a list took 95 us per record, this 49: make bench).
    records = (
        Record(r["dynamodb"]["SequenceNumber"], change)
        for r in event.get("Records", [])
        if touches_the_item(change := to_change(r, document_attribute=SETTINGS.document_attribute))
    )
    starter = Starter(
        SETTINGS.workflows,
        stepfunctions(),
        sqs(),
        StarterSettings(dlq_url=SETTINGS.dlq_url, call_seconds=SETTINGS.call_budget_seconds),
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    outcome = starter.start(records)
    emit_metrics(outcome)
    summary = {f"{workflow}.{result}": n for (workflow, result), n in sorted(outcome.counts.items())}
    tracer.put_annotation("records", outcome.records)  # type: ignore[arg-type]  # typed as numbers.Number
    tracer.put_annotation("failed", len(outcome.failed))  # type: ignore[arg-type]
    logger.info("batch processed", extra={"records": outcome.records, "failed": len(outcome.failed), **summary})
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in outcome.failed]}
