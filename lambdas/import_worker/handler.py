"""The import worker: SQS work queue -> one chunk per message -> items -> the orchestrator's task token.

Each message carries a task token of the orchestrator's `ImportChunks` map (sqs:sendMessage.waitForTaskToken):
the chunk's result goes back with SendTaskSuccess, and the map waits for every chunk. A message whose chunk
fails (S3 or DynamoDB errors) is reported in batchItemFailures, retried by SQS, and after the queue's
maxReceiveCount moved to the work DLQ; the orchestrator's task then times out and the report lists the
chunk as failed. A token the orchestrator no longer waits for (timed out, execution stopped) is logged and
the message deleted: redelivering it could never succeed.

Environment (set by modules/pipeline):
  TABLE_NAME      the items table
  ITEM_CONTRACT   the API's item contract (common/items.py), rendered by Terraform from crud_api
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from common import aws_clients
from import_worker.chunk import import_chunk
from import_worker.items import ItemContract

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}  # the orchestrator stopped waiting for this chunk


@cache
def contract() -> ItemContract:
    return ItemContract.from_json(os.environ["ITEM_CONTRACT"])


@cache
def client(service: str) -> Any:
    return aws_clients.client(service)


def record_handler(record: SQSRecord) -> None:
    message = json.loads(record.body)
    try:
        import_and_answer(message)
    except Exception:
        # Powertools logs only "batch item failures count"; an operator needs which chunk and why.
        where = {"source": message.get("source"), **(message.get("chunk") or {})}
        logger.exception("chunk failed: SQS delivers it again, then the work DLQ keeps it", extra=where)
        raise


def import_and_answer(message: dict[str, Any]) -> None:
    result = import_chunk(message, contract(), os.environ["TABLE_NAME"], client("s3"), client("dynamodb"))
    logger.info(
        "chunk imported", extra={"source": message["source"], **{k: v for k, v in result.items() if k != "rejected"}}
    )
    try:
        client("stepfunctions").send_task_success(taskToken=message["taskToken"], output=json.dumps(result))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in GONE:
            raise
        logger.warning(
            "the orchestrator no longer waits for this chunk",
            extra={"source": message["source"], "index": result["index"]},
        )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
