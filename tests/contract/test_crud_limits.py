"""The CRUD API under its documented limits: no 5xx for any body the API accepts, pages cut by size as
well as by count, an exact last page, and strict JSON (DynamoDB's number range, 32 levels, no NaN).

Same assembly as test_crud_api.py: the rendered OpenAPI document and VTL, the real crud.asl.json run by
moto (which enforces Step Functions' 256 KiB state payload, counting non-ASCII as escapes), DynamoDB in moto.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models.table import Table

from tests.contract.crud_client import CrudClient

# One character of each UTF-8 width, and the two characters JSON escapes (each costs 2 in the body).
WIDTHS = {"ascii": "a", "2-byte": "é", "3-byte": "€", "4-byte": "😀", "escaped": '"'}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def body_of_length(target: int, char: str) -> dict[str, Any]:
    """An item whose JSON body (as the client sends it) is exactly `target` UTF-16 units, or one less when a
    2-unit character cannot fill the last place."""
    shell = {"name": "big", "attributes": {"text": ""}}
    room = target - utf16_length(json.dumps(shell, ensure_ascii=False))
    unit = utf16_length(json.dumps(char, ensure_ascii=False)) - 2
    text = char * (room // unit) + "a" * (room % unit)
    body = {"name": "big", "attributes": {"text": text}}
    assert target - 1 <= utf16_length(json.dumps(body, ensure_ascii=False)) <= target
    return body


def list_all(crud: CrudClient, limit: int) -> tuple[list[dict[str, Any]], list[int]]:
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    cursor = None
    for _ in range(200):
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        response = crud.request("GET", "/items", query=query)
        assert response.status == 200, response.body
        page = response.json()
        items.extend(page["items"])
        sizes.append(len(page["items"]))
        cursor = page["nextCursor"]
        if cursor is None:
            return items, sizes
    raise AssertionError("pagination does not terminate")


# --- bodies up to the limit -------------------------------------------------------------------------


@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(width=st.sampled_from(sorted(WIDTHS)), fill=st.floats(min_value=0.5, max_value=1.0))
@example(width="4-byte", fill=1.0)
@example(width="escaped", fill=1.0)
def test_any_body_up_to_the_limit_is_stored_read_replaced_and_listed(crud: CrudClient, width: str, fill: float) -> None:
    """Finding 3: the body sat three times in the state, so bodies under the 413 limit failed with 500."""
    limit = crud.definition["limits"]["max_body_chars"]
    body = body_of_length(int(limit * fill), WIDTHS[width])
    created = crud.request("POST", "/items", body)
    assert created.status == 201, created.body[:300]
    item_id = created.json()["id"]
    read = crud.request("GET", f"/items/{item_id}")
    assert read.status == 200, read.body[:300]
    assert read.json()["attributes"] == body["attributes"]
    replaced = crud.request("PUT", f"/items/{item_id}", body, headers={"If-Match": '"1"'})
    assert replaced.status == 200, replaced.body[:300]
    assert replaced.json()["version"] == 2
    listed, _ = list_all(crud, 100)
    assert [item["attributes"] for item in listed if item["id"] == item_id] == [body["attributes"]]
    crud.table.delete_item(Key={"id": item_id})


def test_a_body_one_character_over_the_limit_is_413_and_writes_nothing(crud: CrudClient) -> None:
    limit = crud.definition["limits"]["max_body_chars"]
    body = body_of_length(limit + 1, "a")
    response = crud.request("POST", "/items", body)
    assert response.status == 413, response.body[:300]
    assert response.json()["error"] == "PayloadTooLarge"
    assert crud.stored() == []


def test_characters_are_counted_as_api_gateway_counts_them(crud: CrudClient) -> None:
    """API Gateway's $input.body.length() is Java's: an emoji is two characters, so half the limit in emoji
    fills it."""
    limit = crud.definition["limits"]["max_body_chars"]
    body = body_of_length(limit + 2, "😀")
    assert len(json.dumps(body, ensure_ascii=False)) < limit  # fits if code points were counted
    assert crud.request("POST", "/items", body).status == 413


# --- pages cut by size ------------------------------------------------------------------------------


def test_a_list_of_items_at_the_size_limit_pages_through_everything(crud: CrudClient) -> None:
    """Finding 2: three large items made GET /items fail with 500 (the page sat three times in the state)."""
    limits = crud.definition["limits"]
    per_page = limits["page_budget_chars"] // limits["largest_item_cost"]
    created = {
        crud.request("POST", "/items", body_of_length(limits["max_body_chars"], char)).json()["id"]
        for char in ["a", "é", "😀"]
    }
    created |= {crud.request("POST", "/items", {"name": f"small-{n}"}).json()["id"] for n in range(4)}
    items, sizes = list_all(crud, 100)
    assert sorted(item["id"] for item in items) == sorted(created)
    assert len(items) == len(created)
    assert max(sizes) <= 100
    assert len(sizes) >= 3 // max(per_page, 1), sizes


def test_items_written_before_costs_were_recorded_count_as_the_largest(crud: CrudClient) -> None:
    for n in range(3):
        crud.table.put_item(
            Item={"id": f"old-{n}", "version": 1, "createdAt": "t", "updatedAt": "t", "document": '{"name":"o"}'}
        )
    items, sizes = list_all(crud, 10)
    assert sorted(item["id"] for item in items) == ["old-0", "old-1", "old-2"]
    assert sizes == [1, 1, 1]


def test_small_items_fill_pages_by_count(crud: CrudClient) -> None:
    for n in range(7):
        crud.table.put_item(
            Item={
                "id": f"seed-{n}",
                "version": 1,
                "createdAt": "t",
                "updatedAt": "t",
                "cost": 300,
                "document": '{"name":"s"}',
            }
        )
    _, sizes = list_all(crud, 3)
    assert sizes == [3, 3, 1]


# --- the exact last page ----------------------------------------------------------------------------


@pytest.fixture(params=["moto", "dynamodb-documented"])
def scan_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto returns no LastEvaluatedKey when a Scan stops at Limit on the table's last item; DynamoDB
    documents that it does (a Scan that stops at Limit always returns one). Both behaviours are tried."""
    if request.param == "dynamodb-documented":
        original = Table.scan

        def scan(self: Table, filters: Any, limit: int, *args: Any, **kwargs: Any) -> Any:
            results, scanned, last_key = original(self, filters, limit, *args, **kwargs)
            if last_key is None and limit and len(results) == limit:
                last_key = self._get_last_evaluated_key(results[-1], kwargs.get("index_name"))
            return results, scanned, last_key

        monkeypatch.setattr(Table, "scan", scan)
    engine: str = request.param
    return engine


@pytest.mark.parametrize("count", [0, 3, 4])
def test_the_last_page_says_nothing_follows(crud: CrudClient, scan_engine: str, count: int) -> None:
    """A page that ends exactly at the end of the table has nextCursor null: no empty page after it."""
    for n in range(count):
        crud.request("POST", "/items", {"name": f"n{n}"})
    items, sizes = list_all(crud, 3)
    assert len(items) == count
    assert sizes == ([3] * (count // 3) + ([count % 3] if count % 3 else [])) or sizes == [0], sizes


# --- strict JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "x", "amount": 1e400}',
        '{"name": "x", "amount": -1e400}',
        '{"name": "x", "amount": NaN}',
        '{"name": "x", "amount": Infinity}',
        '{"name": "x", "amount": -Infinity}',
        '{"name": "x", "attributes": {"tiny": 1e-131}}',
        '{"name": "x", "attributes": {"huge": 1E+126}}',
        '{"name": "x", "attributes": {"list": [1, 2, 1e200]}}',
    ],
)
def test_numbers_dynamodb_cannot_hold_are_400_and_write_nothing(crud: CrudClient, raw: str) -> None:
    """Finding 4: 1e400, NaN and Infinity were stored, and GET then returned Infinity (not JSON)."""
    response = crud.request("POST", "/items", raw=raw)
    assert response.status == 400, response.body
    assert response.json()["error"] == "ValidationError"
    assert crud.stored() == []


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "x", "attributes": {"n": 123456789012345678901234567890123456789}}',  # 39 significant digits
        '{"name": "x", "attributes": {"n": -1.23456789012345678901234567890123456789e5}}',
        '{"name": "x", "attributes": {"n": [0.000123456789012345678901234567890123456789]}}',
    ],
)
def test_numbers_more_precise_than_dynamodb_keeps_are_400(crud: CrudClient, raw: str) -> None:
    response = crud.request("POST", "/items", raw=raw)
    assert (response.status, response.json()["error"]) == (400, "ValidationError"), response.body
    assert crud.stored() == []


@pytest.mark.parametrize(
    "number",
    [
        "0",
        "-0.0",
        "1e-130",
        "9.9999999999999999999999999999999999999E+125",
        "12.5",
        "12345678901234567890123456789012345678",  # 38 significant digits
        "1.000000000000000000000000000000000000000000000",  # trailing zeros are not significant
        "0.000000000000000000000000000000000000000000012",  # nor are leading ones
        "100000000000000000000000000000000000000000000000000",
    ],
)
def test_numbers_within_dynamodb_range_are_kept(crud: CrudClient, number: str) -> None:
    text = '"digits in text: 1234567890123456789012345678901234567890123"'  # strings are not numbers
    response = crud.request("POST", "/items", raw=f'{{"name": "x", "attributes": {{"n": {number}, "t": {text}}}}}')
    assert response.status == 201, response.body
    stored = crud.request("GET", f"/items/{response.json()['id']}").json()
    assert float(stored["attributes"]["n"]) == float(number)


def nested(depth: int) -> dict[str, Any]:
    """An item whose attributes reach `depth` levels of objects and arrays, the item itself included."""
    value: Any = "leaf"
    for level in range(depth - 2):
        value = [value] if level % 2 else {"k": value}
    return {"name": "deep", "attributes": {"k": value}}


def depth_of(value: Any) -> int:
    """Levels of objects and arrays, counted without recursion (the deep cases exceed Python's stack)."""
    deepest, frontier = 0, [(value, 1)]
    while frontier:
        current, level = frontier.pop()
        children = current.values() if isinstance(current, dict) else current if isinstance(current, list) else None
        if children is not None:
            deepest = max(deepest, level)
            frontier.extend((child, level + 1) for child in children)
    return deepest


def test_nesting_up_to_32_levels_is_stored_and_deeper_is_400(crud: CrudClient) -> None:
    """Finding 6: attributes nested 500 deep were schema-valid and failed with 500."""
    assert crud.definition["limits"]["max_depth"] == 32
    deepest = nested(32)
    assert (depth_of(deepest), depth_of(nested(33))) == (32, 33)
    created = crud.request("POST", "/items", deepest)
    assert created.status == 201, created.body
    assert crud.request("GET", f"/items/{created.json()['id']}").json()["attributes"] == deepest["attributes"]
    # Brackets and escaped quotes inside strings are text, not structure.
    tricky = nested(32)
    tricky["attributes"]["text"] = 'x\\"]]]}}}{{{[[["\\'
    assert crud.request("POST", "/items", tricky).status == 201
    for too_deep in (nested(33), nested(500)):
        response = crud.request("POST", "/items", too_deep)
        assert response.status == 400, response.body
        assert response.json()["error"] == "ValidationError"
    assert len(crud.stored()) == 2


@pytest.mark.parametrize("levels", [9_000, 16_000])
def test_a_body_nested_thousands_deep_is_a_400_not_a_dropped_connection(crud: CrudClient, levels: int) -> None:
    """Issue #28, finding 5: 10,500-16,000 nested arrays dropped the connection (RecursionError in the stage's
    parser) and 9,000 levels took ~30 s of CPU before their 400. The depth is bounded before anything parses."""
    body = '{"name": "n", "attributes": {"a": ' + "[" * levels + "]" * levels + "}}"
    response = crud.request("POST", "/items", raw=body)
    assert (response.status, response.json()["error"]) == (400, "ValidationError")
    assert crud.stored() == []
