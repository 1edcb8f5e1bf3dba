"""One definition of a *change*: what a DynamoDB stream record means, in plain JSON.

Both stream consumers hand this object on (the trigger as workflow input, the fan-out as the EventBridge
`detail`), so a downstream rule or workflow sees the same shape whichever path it is on:

    {"eventId", "eventName" (INSERT | MODIFY | REMOVE), "tableName", "keys", "newImage", "oldImage",
     "changedFields", "sequenceNumber", "approximateCreationTime"}

Values are plain JSON: numbers become int (when integral) or float, never strings or Decimal, because
EventBridge numeric patterns and ASL numeric comparisons only match JSON numbers; sets become sorted lists;
binary becomes base64 text. Non-integral numbers keep the ~15 significant digits of an IEEE double.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")


class _StreamDeserializer(TypeDeserializer):
    """boto3's deserializer, with binary as base64 text: Lambda delivers it so, an SDK read gives bytes."""

    def _deserialize_b(self, value: str | bytes | bytearray) -> str:
        return value if isinstance(value, str) else base64.b64encode(bytes(value)).decode("ascii")

    def _deserialize_bs(self, value: list[str | bytes | bytearray]) -> set[str]:
        return {self._deserialize_b(item) for item in value}


_deserializer = _StreamDeserializer()


def plain(value: Any) -> Any:
    """A deserialized DynamoDB value as plain JSON types."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    raise TypeError(f"not a DynamoDB value: {type(value).__name__}")


def image_to_json(image: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An attribute-value map ({"name": {"S": "x"}}) as a plain JSON object; None stays None."""
    if image is None:
        return None
    return {name: plain(_deserializer.deserialize(value)) for name, value in image.items()}


def expand_document(item: dict[str, Any] | None, attribute: str | None) -> dict[str, Any] | None:
    """Lift the user fields stored as JSON text in `attribute` to the top level, as the CRUD API shows them.

    Stored attributes win over document fields of the same name (they are server-owned: id, version, ...).
    A missing or non-object document leaves the item untouched: the record is still a change worth passing on.
    """
    if item is None or not attribute or not isinstance(item.get(attribute), str):
        return item
    try:
        document = json.loads(item[attribute])
    except ValueError:
        return item
    if not isinstance(document, dict):
        return item
    return {**document, **{name: value for name, value in item.items() if name != attribute}}


def changed_fields(event_name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """Sorted top-level names whose values differ. INSERT and REMOVE change every field; so does a MODIFY
    whose stream view lacks one of the images (nothing to compare with)."""
    if event_name != "MODIFY" or old is None or new is None:
        return sorted({*(old or {}), *(new or {})})
    return sorted(name for name in {*old, *new} if name not in old or name not in new or old[name] != new[name])


def iso_time(epoch_seconds: float | int | datetime | None) -> str | None:
    if epoch_seconds is None:
        return None
    moment = (
        epoch_seconds.astimezone(UTC)
        if isinstance(epoch_seconds, datetime)
        else datetime.fromtimestamp(float(epoch_seconds), UTC)
    )
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def table_name_from_arn(stream_arn: str | None) -> str | None:
    """arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label> -> <name>."""
    if not stream_arn or ":table/" not in stream_arn:
        return None
    return stream_arn.split(":table/", 1)[1].split("/", 1)[0]


def to_change(record: Mapping[str, Any], *, document_attribute: str | None = None) -> dict[str, Any]:
    """The change described by one stream record as Lambda delivers it (eventID, eventName, dynamodb{...})."""
    event_name = record["eventName"]
    if event_name not in EVENT_NAMES:
        raise ValueError(f"unknown eventName {event_name!r} in stream record {record.get('eventID')!r}")
    stream = record.get("dynamodb", {})
    new_image = expand_document(image_to_json(stream.get("NewImage")), document_attribute)
    old_image = expand_document(image_to_json(stream.get("OldImage")), document_attribute)
    return {
        "eventId": record["eventID"],
        "eventName": event_name,
        "tableName": table_name_from_arn(record.get("eventSourceARN")),
        "keys": image_to_json(stream.get("Keys")) or {},
        "newImage": new_image,
        "oldImage": old_image,
        "changedFields": changed_fields(event_name, old_image, new_image),
        "sequenceNumber": stream.get("SequenceNumber"),
        "approximateCreationTime": iso_time(stream.get("ApproximateCreationDateTime")),
    }
