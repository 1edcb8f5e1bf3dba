"""The claim check: how a change too large for an event travels, and how a consumer gets it back.

The fan-out writes the change (the same JSON object other events carry as `detail`) to
`s3://<bucket>/claims/<table>/<eventId>.json` and publishes a reference instead:

    {"eventId", "eventName", "tableName", "keys", "changedFields", "sequenceNumber", "approximateCreationTime",
     "payload": {"uri": "s3://<bucket>/claims/<table>/<eventId>.json", "sha256": "<hex>", "bytes": <int>}}

Rules that match on `detail.eventName`, `keys` or `changedFields` still match; rules on image fields
(`detail.newImage.status`) do not, as the images are in the object. A consumer calls `resolve(detail, s3)`:
the detail itself when it carries the change, else the stored change, checked against `sha256` and `bytes`.
Objects expire after the bucket's lifecycle (event_bus `claim_check_expiration_days`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from common.json_text import deeper_than, dumps

# An item nests at most 32 levels (DynamoDB); a change wraps its images in a few more.
CHANGE_MAX_DEPTH = 40

REFERENCE_FIELDS = (
    "eventId",
    "eventName",
    "tableName",
    "keys",
    "changedFields",
    "sequenceNumber",
    "approximateCreationTime",
)


class ClaimCheckError(ValueError):
    """A reference whose object is missing, or whose content does not match its digest or size."""


def object_key(change: Mapping[str, Any]) -> str:
    return f"claims/{change.get('tableName') or 'table'}/{change['eventId']}.json"


def body(change: Mapping[str, Any]) -> bytes:
    return dumps(change).encode("utf-8")


def reference(change: Mapping[str, Any], bucket: str, key: str, content: bytes) -> dict[str, Any]:
    """The detail published instead of a change stored at s3://bucket/key."""
    return {
        **{name: change.get(name) for name in REFERENCE_FIELDS},
        "payload": {
            "uri": f"s3://{bucket}/{key}",
            "sha256": hashlib.sha256(content).hexdigest(),
            "bytes": len(content),
        },
    }


def resolve(detail: Mapping[str, Any], s3: Any) -> dict[str, Any]:
    """The change an event carries, fetched from S3 and verified when the event is a reference."""
    payload = detail.get("payload")
    if not isinstance(payload, Mapping):
        return dict(detail)
    uri = str(payload.get("uri", ""))
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ClaimCheckError(f"not an s3:// claim-check URI: {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    content = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if len(content) != payload.get("bytes") or hashlib.sha256(content).hexdigest() != payload.get("sha256"):
        raise ClaimCheckError(f"{uri} does not match its reference (size or sha256 differ)")
    text = content.decode("utf-8")
    if deeper_than(text, CHANGE_MAX_DEPTH):  # before parsing: json.loads recurses once per level
        raise ClaimCheckError(f"{uri} nests objects and arrays more than {CHANGE_MAX_DEPTH} levels deep")
    change: dict[str, Any] = json.loads(text)
    return change
