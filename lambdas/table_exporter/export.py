"""Every item of the table as JSON lines, in the form the API returns an item (the document's fields with
`id`, `version`, `createdAt`, `updatedAt`), paginated by Scan and streamed to S3 (pure over injected clients).

Memory stays flat: lines are buffered up to one part (8 MiB) and sent as a multipart upload; an export smaller
than one part is one PutObject. A failed export aborts its upload, so no partial object is left behind (the
results bucket's lifecycle also aborts incomplete uploads after a day).
"""

from __future__ import annotations

import json
from typing import Any

PART_BYTES = 8 << 20  # S3 parts are at least 5 MiB except the last
SERVER_FIELDS = ("id", "version", "createdAt", "updatedAt")


def as_api_item(item: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(item["document"]["S"]) if "document" in item else {}
    return {
        **document,
        "id": item["id"]["S"],
        "version": int(item["version"]["N"]) if "version" in item else 1,
        **{name: item[name]["S"] for name in ("createdAt", "updatedAt") if name in item},
    }


def pages(dynamodb: Any, table: str, page_size: int) -> Any:
    arguments: dict[str, Any] = {"TableName": table, "Limit": page_size}
    while True:
        page = dynamodb.scan(**arguments)
        yield page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class _Upload:
    def __init__(self, s3: Any, bucket: str, key: str):
        self.s3, self.bucket, self.key = s3, bucket, key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= PART_BYTES:
            self._send_part()

    def _send_part(self) -> None:
        if self.upload_id is None:
            created = self.s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType="application/x-ndjson"
            )
            self.upload_id = created["UploadId"]
        number = len(self.parts) + 1
        sent = self.s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=bytes(self.buffer)
        )
        self.parts.append({"ETag": sent["ETag"], "PartNumber": number})
        self.buffer.clear()

    def finish(self) -> None:
        if self.upload_id is None:
            self.s3.put_object(
                Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer), ContentType="application/x-ndjson"
            )
            return
        if self.buffer:
            self._send_part()
        self.s3.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )

    def abort(self) -> None:
        if self.upload_id is not None:
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


def export(dynamodb: Any, s3: Any, table: str, bucket: str, key: str, page_size: int = 1000) -> int:
    """Writes the export; returns how many items it holds."""
    upload, count = _Upload(s3, bucket, key), 0
    try:
        for items in pages(dynamodb, table, page_size):
            for item in items:
                upload.write(json.dumps(as_api_item(item), ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
                count += 1
        upload.finish()
    except BaseException:
        upload.abort()
        raise
    return count
