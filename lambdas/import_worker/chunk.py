"""One chunk of an import: its lines read by byte range, each written as an item or rejected with its reason.

Pure over injected S3 and DynamoDB clients and a clock. Idempotent: an item's id is derived from the object
(bucket, key, version) and the line number, and written only if absent, so a chunk delivered twice (SQS is at
least once; the same S3 event may start two executions) writes nothing twice, and a line already written
counts as imported. A new upload of the same key is a new version, hence new ids: a new import.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from import_worker.items import ItemContract, LineRejected, attribute_values, parse

# PutItem calls in flight per chunk: each is one network round trip (milliseconds), and a chunk holds up to
# 1,000 lines; botocore clients are thread-safe. An import through the local runtime went from 14 to 45 lines/s
# (make bench, runtime.import_lines_per_second, 2,000 lines).
WRITERS = 8

# Namespace of the ids of imported items (uuid5): fixed, so the same line of the same object version always
# gets the same id.
IMPORT_NAMESPACE = uuid.UUID("5f0c6a53-3c57-4c67-9d4a-1b6f0d2f8a11")


def item_id(source: dict[str, Any], line: int) -> str:
    return str(
        uuid.uuid5(
            IMPORT_NAMESPACE, f"s3://{source['bucket']}/{source['key']}?versionId={source.get('versionId')}#{line}"
        )
    )


def now_text(clock: Callable[[], datetime]) -> str:
    """ISO 8601 UTC with milliseconds, as the API's request template writes createdAt/updatedAt."""
    moment = clock().astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class ChunkResult:
    index: int
    report_limit: int
    imported: int = 0
    rejected_count: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, error: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < self.report_limit:
            self.rejected.append({"line": line, "error": error})

    def as_output(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "imported": self.imported,
            "rejectedCount": self.rejected_count,
            "rejected": self.rejected,
        }


def read_lines(s3: Any, source: dict[str, Any], chunk: dict[str, Any]) -> list[bytes]:
    if chunk["end"] <= chunk["start"]:
        return []
    versioned = {"VersionId": source["versionId"]} if source.get("versionId") else {}
    body: bytes = s3.get_object(
        Bucket=source["bucket"], Key=source["key"], Range=f"bytes={chunk['start']}-{chunk['end'] - 1}", **versioned
    )["Body"].read()
    lines = body.split(b"\n")
    return lines[:-1] if body.endswith(b"\n") else lines


def import_chunk(
    message: dict[str, Any],
    contract: ItemContract,
    table: str,
    s3: Any,
    dynamodb: Any,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Imports the chunk a work message names; AWS errors propagate (the message is retried, then
    dead-lettered), rejections of lines do not."""
    source, chunk, owner = message["source"], message["chunk"], message.get("owner")
    result = ChunkResult(index=chunk["index"], report_limit=chunk.get("reportLimit", 100))
    now = now_text(clock)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        writes = []
        for number, raw in enumerate(read_lines(s3, source, chunk), start=chunk["firstLine"]):
            if not raw.strip():
                continue  # a blank line holds no item
            try:
                body, chars = parse(contract, _text(raw))
            except LineRejected as rejection:
                result.reject(number, str(rejection))
                continue
            item = attribute_values(contract, body, item_id(source, number), now, chars, owner)
            writes.append(pool.submit(put_if_absent, dynamodb, table, item))
        for write in writes:
            write.result()  # the first failure fails the chunk (SQS retries it; written lines stay written)
    result.imported = len(writes)  # written now, or by an earlier delivery of the same lines
    return result.as_output()


def put_if_absent(dynamodb: Any, table: str, item: dict[str, Any]) -> None:
    """PutItem unless the id exists: a line imported before (an earlier delivery) is left as it is now."""
    try:
        dynamodb.put_item(
            TableName=table,
            Item=item,
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": "id"},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        raise LineRejected("not UTF-8 text") from None
