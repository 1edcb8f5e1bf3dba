"""The one change normaliser (lambdas/common/change.py): plain JSON out of any DynamoDB value and stream record."""

from __future__ import annotations

import base64
import json
from decimal import Context, Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from common.change import image_to_json, iso_time, number, to_change
from tests.conftest import create_table
from tests.unit.streams import pay_then_delete, read_stream_batch

serializer = TypeSerializer()

# Numbers DynamoDB stores (38 significant digits, magnitude 1e-130..1e125) that a JSON reader gets back
# exactly: any integer, and non-integers up to the 15 significant digits an IEEE double keeps.
integers = st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1)
fractions = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent, Context(prec=38)),
    st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1),
    st.integers(min_value=-120, max_value=100),
)
scalars = st.one_of(st.text(), st.booleans(), st.none(), integers, fractions, st.binary())
sets = st.one_of(
    st.sets(st.text(), min_size=1, max_size=5),
    st.sets(st.one_of(integers, fractions), min_size=1, max_size=5),
    st.sets(st.binary(), min_size=1, max_size=5),
)
values = st.recursive(
    st.one_of(scalars, sets),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(), children, max_size=4)),
    max_leaves=20,
)


def canonical(attribute: dict[str, Any]) -> Any:
    """What an attribute value means once types JSON lacks are mapped: sets -> sorted lists, binary -> base64."""
    ((kind, raw),) = attribute.items()
    if kind == "N":
        return Decimal(raw)
    if kind == "B":
        return base64.b64encode(raw).decode()
    if kind == "NS":
        return sorted(Decimal(item) for item in raw)
    if kind == "SS":
        return sorted(raw)
    if kind == "BS":
        return sorted(base64.b64encode(item).decode() for item in raw)
    if kind == "L":
        return [canonical(item) for item in raw]
    if kind == "M":
        return {key: canonical(item) for key, item in raw.items()}
    return TypeDeserializer().deserialize(attribute)


@settings(max_examples=300)
@given(values)
def test_every_dynamodb_value_becomes_plain_json_and_means_the_same(value: Any) -> None:
    attribute = serializer.serialize(value)
    plain = image_to_json({"v": attribute})["v"]

    text = json.dumps(plain, allow_nan=False)
    assert json.loads(text) == plain, "plain JSON types only (no Decimal, bytes or sets)"
    assert "Decimal" not in repr(plain)
    # A JSON reader writing back to DynamoDB parses numbers as decimals (1E+55 arrives as 56 digits).
    back = serializer.serialize(
        json.loads(text, parse_float=Decimal, parse_int=lambda s: Decimal(s).normalize(Context(prec=60)))
    )
    assert canonical(back) == canonical(attribute)


def test_numbers_are_json_numbers_never_strings() -> None:
    image = {
        "int": {"N": "42"},
        "big": {"N": "123456789012345678901234567890"},
        "frac": {"N": "19.990"},
        "neg": {"N": "-0.5"},
        "whole": {"N": "7.000"},
    }
    assert image_to_json(image) == {
        "int": 42,
        "big": 123456789012345678901234567890,
        "frac": 19.99,
        "neg": -0.5,
        "whole": 7,
    }
    assert isinstance(image_to_json(image)["whole"], int)


def test_binary_from_lambda_json_and_from_the_sdk_is_the_same_base64() -> None:
    from_lambda = image_to_json({"b": {"B": "aGk="}, "bs": {"BS": ["Yg==", "YQ=="]}})
    from_sdk = image_to_json({"b": {"B": b"hi"}, "bs": {"BS": [b"b", b"a"]}})
    assert from_lambda == from_sdk == {"b": "aGk=", "bs": ["YQ==", "Yg=="]}


def test_creation_time_is_iso_8601_utc() -> None:
    assert iso_time(1764150000) == "2025-11-26T09:40:00.000Z"
    assert iso_time(1764150000.25) == "2025-11-26T09:40:00.250Z"


@pytest.fixture
def table(aws: None) -> Any:
    return create_table("orders")


def test_changes_of_real_stream_records(table: Any) -> None:
    table.put_item(Item={"id": "o-1", "status": "PENDING", "amount": Decimal("120.5"), "tags": {"b", "a"}})
    pay_then_delete(table, "o-1", also=" REMOVE tags")

    records = read_stream_batch("orders")["Records"]
    inserted, modified, removed = (to_change(record) for record in records)

    assert inserted["eventName"] == "INSERT"
    assert inserted["tableName"] == "orders"
    assert inserted["keys"] == {"id": "o-1"}
    assert inserted["oldImage"] is None
    assert inserted["newImage"] == {"id": "o-1", "status": "PENDING", "amount": 120.5, "tags": ["a", "b"]}
    assert inserted["changedFields"] == ["amount", "id", "status", "tags"]

    assert modified["eventName"] == "MODIFY"
    assert modified["changedFields"] == ["status", "tags"]
    assert modified["oldImage"]["status"] == "PENDING"
    assert modified["newImage"] == {
        "id": "o-1",
        "status": "PAID",
        "amount": 120.5,
    }

    assert removed["eventName"] == "REMOVE"
    assert removed["newImage"] is None
    assert removed["oldImage"] == modified["newImage"]
    assert removed["changedFields"] == ["amount", "id", "status"]

    assert [c["eventId"] for c in (inserted, modified, removed)] == [r["eventID"] for r in records]
    assert [c["sequenceNumber"] for c in (inserted, modified, removed)] == [
        r["dynamodb"]["SequenceNumber"] for r in records
    ]
    assert all(c["approximateCreationTime"].endswith("Z") for c in (inserted, modified, removed))


def test_document_attribute_is_lifted_to_the_item_the_api_shows(table: Any) -> None:
    table.put_item(
        Item={"id": "o-1", "version": 1, "cost": 300, "document": json.dumps({"status": "NEW", "amount": 5})}
    )
    table.put_item(
        Item={"id": "o-1", "version": 2, "cost": 310, "document": json.dumps({"status": "NEW", "amount": 7})}
    )
    table.put_item(Item={"id": "o-2", "version": 1, "document": "not json"})

    inserted, replaced, odd = (
        to_change(r, document_attribute="document") for r in read_stream_batch("orders")["Records"]
    )

    assert inserted["newImage"] == {"id": "o-1", "version": 1, "status": "NEW", "amount": 5}
    assert replaced["changedFields"] == ["amount", "version"], "crud_api's cost is bookkeeping, not a field"
    assert odd["newImage"] == {"id": "o-2", "version": 1, "document": "not json"}, "an unreadable document is kept"


def test_unknown_event_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown eventName 'UPSERT'"):
        to_change({"eventID": "1", "eventName": "UPSERT", "dynamodb": {}})


def test_keys_only_stream_gives_keys_and_no_images() -> None:
    change = to_change({"eventID": "1", "eventName": "MODIFY", "dynamodb": {"Keys": {"id": {"S": "a"}}}})
    assert change["keys"] == {"id": "a"}
    assert change["newImage"] is None
    assert change["oldImage"] is None
    assert change["changedFields"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-0", 0),
        ("2.50", 2.5),
        ("1.0", 1),
        ("1E+2", 100),
        ("12345678901234567890123456789012345678", 12345678901234567890123456789012345678),
        ("1.0000000000000001", 1.0),  # 17 digits: through Decimal, as boto3 gives it
        ("0.1", 0.1),
        ("-1.5e-130", -1.5e-130),
    ],
)
def test_numbers_take_the_same_value_on_the_fast_path(text: str, expected: int | float) -> None:
    value = number(text)
    assert value == expected
    assert type(value) is type(expected)
    oracle = TypeDeserializer().deserialize({"N": text})
    assert value == (int(oracle) if oracle == oracle.to_integral_value() else float(oracle))
