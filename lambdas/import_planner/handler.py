"""The orchestrator's first task (statemachines/import.asl.json, `Plan`): the plan of one uploaded object.

Environment (set by modules/pipeline):
  IMPORTS_PREFIX, REPORTS_PREFIX           where uploads and reports live (`imports/`, `reports/`)
  MAX_OBJECT_BYTES, MAX_LINES              what one import may hold
  CHUNK_LINES, CHUNK_BYTES                 the most one worker invocation takes
  CONTENT_TYPES                            accepted content types, comma-separated
  MAX_REPORTED_REJECTIONS                  rejections a report lists (all are counted)
  OWNER_METADATA_KEY                       under owner isolation: the user metadata naming the items' owner
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from common import aws_clients
from import_planner.planner import Settings, plan

logger = Logger()


@cache
def settings() -> Settings:
    return Settings(
        imports_prefix=os.environ.get("IMPORTS_PREFIX", "imports/"),
        reports_prefix=os.environ.get("REPORTS_PREFIX", "reports/"),
        max_object_bytes=int(os.environ["MAX_OBJECT_BYTES"]),
        max_lines=int(os.environ["MAX_LINES"]),
        chunk_lines=int(os.environ["CHUNK_LINES"]),
        chunk_bytes=int(os.environ["CHUNK_BYTES"]),
        content_types=tuple(t.strip().lower() for t in os.environ["CONTENT_TYPES"].split(",") if t.strip()),
        max_reported_rejections=int(os.environ.get("MAX_REPORTED_REJECTIONS", "500")),
        owner_metadata_key=os.environ.get("OWNER_METADATA_KEY") or None,
    )


@cache
def s3() -> Any:
    return aws_clients.client("s3")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = plan(settings(), event["detail"], s3())
    logger.info(
        "import planned",
        extra={
            "source": result["source"],
            "accepted": result["accepted"],
            "reason": result.get("reason"),
            "lines": result.get("lines"),
            "chunks": len(result.get("chunks", [])),
        },
    )
    return result
