"""lambdas/common/claim_check.py: a reference resolves to exactly the change stored, or fails loudly."""

from __future__ import annotations

from typing import Any

import pytest

from common import claim_check

CHANGE = {
    "eventId": "e1",
    "eventName": "MODIFY",
    "tableName": "orders",
    "keys": {"id": "o-1"},
    "newImage": {"id": "o-1", "note": "é" * 10},
    "oldImage": None,
    "changedFields": ["note"],
    "sequenceNumber": "100",
    "approximateCreationTime": "2026-11-26T10:00:00.000Z",
}


class Body:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def read(self) -> bytes:
        return self.content


class FakeS3:
    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": Body(self.objects[(Bucket, Key)])}


def test_a_reference_resolves_to_the_stored_change() -> None:
    key, content = claim_check.object_key(CHANGE), claim_check.body(CHANGE)
    detail = claim_check.reference(CHANGE, "claims-bucket", key, content)
    assert key == "claims/orders/e1.json"
    assert set(detail) == {*claim_check.REFERENCE_FIELDS, "payload"}
    assert claim_check.resolve(detail, FakeS3({("claims-bucket", key): content})) == CHANGE
    assert claim_check.resolve(CHANGE, None) == CHANGE, "an event that carries its change needs no S3"


def test_a_changed_object_is_refused() -> None:
    key, content = claim_check.object_key(CHANGE), claim_check.body(CHANGE)
    detail = claim_check.reference(CHANGE, "claims-bucket", key, content)
    with pytest.raises(claim_check.ClaimCheckError, match="does not match its reference"):
        claim_check.resolve(detail, FakeS3({("claims-bucket", key): content.replace(b"o-1", b"o-2")}))
    with pytest.raises(claim_check.ClaimCheckError, match="not an s3:// claim-check URI"):
        claim_check.resolve({**detail, "payload": {"uri": "https://example.org/x"}}, None)


def test_a_referenced_object_nested_thousands_deep_is_refused_not_a_recursion_error() -> None:
    deep = b'{"a": ' + b"[" * 12_000 + b"]" * 12_000 + b"}"
    detail = claim_check.reference(CHANGE, "claims-bucket", "claims/deep.json", deep)
    with pytest.raises(claim_check.ClaimCheckError, match="levels deep"):
        claim_check.resolve(detail, FakeS3({("claims-bucket", "claims/deep.json"): deep}))
