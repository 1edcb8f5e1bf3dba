"""Example consumer of the item bus (an EventBridge rule target): one structured log line and one metric per event.

The metric is written in CloudWatch Embedded Metric Format by powertools Metrics, i.e. as a log line that
CloudWatch turns into a metric: no cloudwatch:PutMetricData permission and no API call on the hot path.

Environment:
  POWERTOOLS_METRICS_NAMESPACE  metric namespace (required by powertools)
  POWERTOOLS_SERVICE_NAME       service dimension
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()

METRIC_NAME = "ItemEventsConsumed"


def describe(event: dict[str, Any]) -> dict[str, Any]:
    """What is worth a log line: which item, what happened, which fields changed."""
    detail = event.get("detail") or {}
    return {
        "eventBridgeId": event.get("id"),
        "detailType": event.get("detail-type"),
        "source": event.get("source"),
        "changeEventId": detail.get("eventId"),
        "keys": detail.get("keys"),
        "changedFields": detail.get("changedFields"),
    }


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = describe(event)
    logger.info("item event consumed", extra=summary)
    metrics.add_dimension(name="detailType", value=str(summary["detailType"]))
    metrics.add_metric(name=METRIC_NAME, unit=MetricUnit.Count, value=1)
    return summary
