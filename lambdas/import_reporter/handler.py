"""The orchestrator's report task (statemachines/import.asl.json, `Summarize` and `Refuse`): the report and the
notification as data; the state machine writes the one to the results bucket and publishes the other.

Input: {"plan": <the planner's output>, "results": [<chunk results>] | absent when the plan refused the object,
"bucket": <results bucket>}.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from import_reporter.report import refused, summarize

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    plan, bucket = event["plan"], event["bucket"]
    summary = summarize(plan, event["results"], bucket) if plan.get("accepted") else refused(plan, bucket)
    logger.info("import reported", extra={"notification": summary["notification"]})
    return summary
