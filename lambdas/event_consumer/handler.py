"""Example consumer of the item bus (an EventBridge rule target): one structured log line and one metric per event.

The metric is written in CloudWatch Embedded Metric Format by powertools Metrics, i.e. as a log line that
CloudWatch turns into a metric: no cloudwatch:PutMetricData permission and no API call on the hot path.

A change too large for an event arrives as a claim-check reference (`detail.payload`); the consumer reads
it back with common.claim_check.resolve (s3:GetObject on the bus's claim-check objects).

Environment:
  POWERTOOLS_METRICS_NAMESPACE  metric namespace (required by powertools)
  POWERTOOLS_SERVICE_NAME       service dimension
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from common.claim_check import resolve

logger = Logger()
metrics = Metrics()
# X-Ray: botocore is patched when the S3 client is first made (see s3()), so the cold start of the common
# case, an event that carries its change, does not import it.
tracer = Tracer(auto_patch=False)

METRIC_NAME = "ItemEventsConsumed"


@cache
def s3() -> Any:
    # Imported here, not at module level: botocore costs about 150 ms of cold start and only claim-checked
    # events need it (measured with make bench, imports.event_consumer_ratio).
    from common import aws_clients

    tracer.patch(["botocore"])  # a subsegment per GetObject
    return aws_clients.client("s3")


def change_of(event: dict[str, Any]) -> dict[str, Any]:
    """The change the event carries, read back from S3 when the event is a claim-check reference."""
    detail = event.get("detail") or {}
    return resolve(detail, s3()) if "payload" in detail else dict(detail)


def describe(event: dict[str, Any]) -> dict[str, Any]:
    """What is worth a log line: which item, what happened, which fields changed."""
    detail = change_of(event)
    return {
        "eventBridgeId": event.get("id"),
        "detailType": event.get("detail-type"),
        "source": event.get("source"),
        "changeEventId": detail.get("eventId"),
        "keys": detail.get("keys"),
        "changedFields": detail.get("changedFields"),
        "claimChecked": "payload" in (event.get("detail") or {}),
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = describe(event)
    logger.info("item event consumed", extra=summary)
    metrics.add_dimension(name="detailType", value=str(summary["detailType"]))
    metrics.add_metric(name=METRIC_NAME, unit=MetricUnit.Count, value=1)
    return summary
