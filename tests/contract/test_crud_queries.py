"""Queries by field (crud_api's `indexes`) through the local stage: the rendered request template and ASL over
moto's DynamoDB with the global secondary indexes the module declares (its `table_indexes` output).

The property: for any items and any query the API offers, the pages of GET /items?... read one after the other
hold exactly the items a full scan selects, in the order of the index's sort field, whatever the limit, with
items at the size limit in between and under owner isolation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.localrt.authorizers import Authorizers
from scripts.tfeval import crud_definition
from tests.contract.crud_client import CrudClient, build_crud, lambda_authorizer

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 40},
        "status": {"type": "string", "enum": ["NEW", "PAID", "SHIPPED"], "default": "NEW"},
        "customer": {"type": "string", "maxLength": 20, "default": "nobody"},
        "amount": {"type": "number", "default": 0},
        "blob": {"type": "string"},
    },
}
INDEXES = {
    "by_status": {"partition": "status", "sort": "createdAt"},
    "by_customer": {"partition": "customer", "sort": "amount"},
}
MAX_BODY_CHARS = 32768
AUTHORIZER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:tenants"


def render(owner_isolation: bool) -> dict[str, Any]:
    variables: dict[str, Any] = {"table_name": "items", "item_schema": SCHEMA, "indexes": INDEXES}
    if owner_isolation:
        variables.update(
            authorization="CUSTOM",
            custom_authorizer=lambda_authorizer(AUTHORIZER_ARN, 0),
            owner_claim="tenant",
        )
    return crud_definition(**variables)


@pytest.fixture(scope="module")
def definitions() -> dict[bool, dict[str, Any]]:
    return {isolated: render(isolated) for isolated in (False, True)}


def tenant_authorizer(uri: str, event: dict[str, Any]) -> dict[str, Any]:
    """The token names the tenant (the owner claim)."""
    token = event["headers"]["Authorization"]
    api = event["methodArn"].split("/", 1)[0]
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{api}/*"}
    return {"principalId": token, "policyDocument": {"Statement": [statement]}, "context": {"tenant": token}}


def client(definition: dict[str, Any]) -> CrudClient:
    isolated = definition["variables"].get("owner_claim") is not None
    authorizers = Authorizers(definition["openapi"], invoke_authorizer=tenant_authorizer) if isolated else None
    return build_crud(definition, authorizers=authorizers)


def caller(owner: str | None) -> dict[str, str]:
    return {"Authorization": owner} if owner else {}


def read_all(crud: CrudClient, query: dict[str, str], owner: str | None) -> list[dict[str, Any]]:
    """Every page of one query, following nextCursor; each page within the limit."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(200):
        response = crud.request(
            "GET", "/items", query={**query, **({"cursor": cursor} if cursor else {})}, headers=caller(owner)
        )
        assert response.status == 200, response.body
        page = response.json()
        assert len(page["items"]) <= int(query["limit"])
        items.extend(page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


def stored_items(crud: CrudClient) -> list[tuple[str | None, dict[str, Any]]]:
    """The full scan: every stored item as the API shows it, with its owner."""
    return [
        (
            item.get("owner"),
            {
                **json.loads(item["document"]),
                "id": item["id"],
                "createdAt": item["createdAt"],
                "version": int(item["version"]),
            },
        )
        for item in crud.stored()
    ]


BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "gte": lambda value, bound: value >= bound,
    "gt": lambda value, bound: value > bound,
    "lte": lambda value, bound: value <= bound,
    "lt": lambda value, bound: value < bound,
}


def expected(
    items: list[tuple[str | None, dict[str, Any]]], owner: str | None, query: dict[str, str]
) -> list[dict[str, Any]]:
    """What the query must return, computed from the scan: filter, bound, order."""
    index = next(
        name
        for name, index in INDEXES.items()
        if index["partition"] in query and query.get("sort", index["sort"]).lstrip("-") == index["sort"]
    )
    partition, sort = INDEXES[index]["partition"], INDEXES[index]["sort"]
    numeric = sort == "amount"

    def key(item: dict[str, Any]) -> Any:
        return Decimal(str(item[sort])) if numeric else item[sort]

    selected = [item for item_owner, item in items if item_owner == owner and item[partition] == query[partition]]
    for bound, holds in BOUNDS.items():
        if f"{sort}.{bound}" in query:
            limit = query[f"{sort}.{bound}"]
            selected = [item for item in selected if holds(key(item), Decimal(limit) if numeric else limit)]
    return sorted(selected, key=key, reverse=query.get("sort", "").startswith("-"))


AMOUNTS = [-12.5, 0, 3, 3, 7.25, 1e20, 100]
item_strategy = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["acme", "globex"]),
        "status": st.sampled_from(["NEW", "PAID", "SHIPPED"]),
        "customer": st.sampled_from(["c1", "c2", "élan"]),
        "amount": st.sampled_from(AMOUNTS),
        "large": st.booleans(),
    }
)


@st.composite
def queries(draw: st.DrawFn) -> dict[str, str]:
    index = INDEXES[draw(st.sampled_from(sorted(INDEXES)))]
    partition, sort = index["partition"], index["sort"]
    values = {"status": ["NEW", "PAID", "SHIPPED"], "customer": ["c1", "c2", "élan", "nobody"]}[partition]
    query = {partition: draw(st.sampled_from(values)), "limit": str(draw(st.integers(1, 4)))}
    direction = draw(st.sampled_from(["", sort, f"-{sort}"]))
    if direction:
        query["sort"] = direction
    if sort == "amount":
        bounds = draw(st.sampled_from([(), ("gte",), ("gt",), ("lte",), ("lt",), ("gte", "lte")]))
        for bound in bounds:
            query[f"amount.{bound}"] = str(draw(st.sampled_from([-100, 0, 3, 50, 5e20])))
    elif draw(st.booleans()):
        query["createdAt.gte"] = "2000-01-01T00:00:00.000Z"
    return query


LARGE_BLOB = "x" * (MAX_BODY_CHARS - 200)  # brings a body to the largest an item may be: one a page


@pytest.fixture(params=[False, True], ids=["shared", "owner-isolation"])
def queried(request: pytest.FixtureRequest, aws: None, definitions: dict[bool, dict[str, Any]]) -> CrudClient:
    return client(definitions[request.param])


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(items=st.lists(item_strategy, max_size=9), query_list=st.lists(queries(), min_size=1, max_size=4))
def test_query_pages_equal_the_filtered_and_sorted_scan(
    queried: CrudClient, items: list[dict[str, Any]], query_list: list[dict[str, str]]
) -> None:
    crud = queried
    owner_isolation = crud.definition["variables"].get("owner_claim") is not None
    for item in crud.stored():
        crud.table.delete_item(Key={"id": item["id"]})
    for number, item in enumerate(items):
        body = {key: item[key] for key in ("status", "customer", "amount")} | {"name": f"item-{number}"}
        if item["large"] and number % 3 == 0:
            body["blob"] = LARGE_BLOB
        owner = item["owner"] if owner_isolation else None
        response = crud.request("POST", "/items", body, headers=caller(owner))
        assert response.status == 201, response.body
    scan = stored_items(crud)
    for query in query_list:
        for owner in ["acme", "globex"] if owner_isolation else [None]:
            returned = read_all(crud, query, owner)
            wanted = expected(scan, owner, query)
            assert sorted(item["id"] for item in returned) == sorted(item["id"] for item in wanted), query
            sort = next(
                index["sort"]
                for index in INDEXES.values()
                if index["partition"] in query and query.get("sort", index["sort"]).lstrip("-") == index["sort"]
            )
            assert [str(item[sort]) for item in returned] == [str(item[sort]) for item in wanted], (
                "in the index's order"
            )


def test_create_and_replace_write_each_index_key_beside_the_document(
    aws: None, definitions: dict[bool, dict[str, Any]]
) -> None:
    crud = client(definitions[True])
    created = crud.request(
        "POST", "/items", {"name": "a", "customer": "c1", "amount": 5}, headers=caller("acme")
    ).json()
    (stored,) = crud.stored()
    assert stored["index.by_status.partition"] == "acme#NEW", "the schema's default, scoped to the owner"
    assert stored["index.by_status.sort"] == f"#{created['createdAt']}"
    assert (stored["index.by_customer.partition"], stored["index.by_customer.sort"]) == ("acme#c1", Decimal(5))
    replaced = crud.request(
        "PUT", f"/items/{created['id']}", {"name": "a", "status": "PAID", "amount": 7.5}, headers=caller("acme")
    )
    assert replaced.status == 200, replaced.body
    (stored,) = crud.stored()
    assert stored["index.by_status.partition"] == "acme#PAID"
    assert stored["index.by_status.sort"] == f"#{created['createdAt']}", "createdAt is kept, so is its sort key"
    assert (stored["index.by_customer.partition"], stored["index.by_customer.sort"]) == ("acme#nobody", Decimal("7.5"))
    assert (
        "index.by_status.partition" not in crud.request("GET", f"/items/{created['id']}", headers=caller("acme")).json()
    )


@pytest.fixture
def shared(aws: None, definitions: dict[bool, dict[str, Any]]) -> CrudClient:
    crud = client(definitions[False])
    for number in range(3):
        assert crud.request("POST", "/items", {"name": f"n{number}", "status": "PAID", "amount": number}).status == 201
    return crud


def refusal(crud: CrudClient, query: dict[str, str]) -> str:
    response = crud.request("GET", "/items", query=query)
    assert response.status == 400, (query, response.body)
    assert response.json()["error"] == "BadRequest"
    return str(response.json()["message"])


def test_a_cursor_belongs_to_the_query_that_returned_it(shared: CrudClient) -> None:
    cursor = shared.request("GET", "/items", query={"status": "PAID", "limit": "1"}).json()["nextCursor"]
    assert shared.request("GET", "/items", query={"status": "PAID", "limit": "2", "cursor": cursor}).status == 200
    for other in [
        {"status": "NEW"},
        {"status": "PAID", "sort": "-createdAt"},
        {"status": "PAID", "createdAt.gte": "2000"},
        {"customer": "nobody"},
        {},
    ]:
        assert "cursor is not one this API issued" in refusal(shared, {**other, "cursor": cursor}), other
    list_cursor = shared.request("GET", "/items", query={"limit": "1"}).json()["nextCursor"]
    assert "cursor is not one this API issued" in refusal(shared, {"status": "PAID", "cursor": list_cursor})


def test_a_filter_no_index_serves_is_refused_with_the_queries_offered(shared: CrudClient) -> None:
    offered = "Filter with one of: customer=<value> [sort=amount or -amount] [amount.gte, .gt, .lte or .lt=<value>]; status=<value> [sort=createdAt or -createdAt] [createdAt.gte, .gt, .lte or .lt=<value>]."
    assert refusal(shared, {"name": "n1"}) == f"name is not a parameter of this list. {offered}"
    assert refusal(shared, {"sort": "createdAt"}) == offered, "a sort needs a filter"
    assert refusal(shared, {"status": "PAID", "sort": "amount"}) == offered, "no index sorts status by amount"
    assert refusal(shared, {"status": "PAID", "customer": "c1"}) == offered, "one index per query"
    assert refusal(shared, {"status": "PAID", "amount.gte": "1"}) == offered


def test_sort_bounds_are_one_key_condition(shared: CrudClient) -> None:
    page = shared.request("GET", "/items", query={"customer": "nobody", "amount.gte": "1", "amount.lte": "2"}).json()
    assert [item["amount"] for item in page["items"]] == [1, 2]
    assert "one bound" in refusal(shared, {"customer": "nobody", "amount.gt": "0", "amount.lt": "2"})
    assert "must be a number" in refusal(shared, {"customer": "nobody", "amount.gte": "1e400"})
    assert "longer than any stored customer" in refusal(shared, {"customer": "c" * 21})


def test_the_document_declares_the_query_parameters(definitions: dict[bool, dict[str, Any]]) -> None:
    parameters = {p["name"]: p for p in definitions[False]["openapi"]["paths"]["/items"]["get"]["parameters"]}
    assert sorted(parameters) == sorted(
        ["limit", "cursor", "status", "customer", "sort"]
        + [f"{f}.{b}" for f in ("createdAt", "amount") for b in BOUNDS]
    )
    assert parameters["sort"]["schema"]["enum"] == ["-amount", "-createdAt", "amount", "createdAt"]
    assert parameters["amount.gte"]["schema"] == {"type": "number"}
    assert parameters["customer"]["schema"] == {"type": "string", "maxLength": 20}


def test_items_deleted_between_counting_and_reading_are_counted_again(
    shared: CrudClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page is counted (keys and costs) and then read. When every item counted, and every one after them,
    is gone by the read, the state machine counts again (and answers what is there: nothing) rather than
    failing on a page it counted but could not read."""
    from moto.dynamodb.models.table import Table

    original = Table.query
    counts: list[int] = []

    def deleting_everything_after_the_first_count(self: Any, *arguments: Any, **keywords: Any) -> Any:
        results = original(self, *arguments, **keywords)
        projection = arguments[6] if len(arguments) > 6 else keywords.get("projection_expressions")
        if projection:  # a count (keys and costs only), as DynamoDBBackend.query passes it
            counts.append(len(results[0]))
            if len(counts) == 1:
                for item in list(self.all_items()):
                    self.delete_item(item.attrs["id"], None)
        return results

    monkeypatch.setattr(Table, "query", deleting_everything_after_the_first_count)
    page = shared.request("GET", "/items", query={"status": "PAID", "limit": "2"})
    assert page.status == 200, page.body
    assert page.json() == {"items": [], "nextCursor": None}
    assert counts == [3, 0], "counted once (limit + 1 found), then again after the read found nothing"


def test_an_item_written_between_counting_and_reading_skips_no_other(
    shared: CrudClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next page starts after the last item the page returned, not the last one counted: an item written in
    between (here before the counted ones) is returned and the counted one it displaced comes next page."""
    from import_worker.items import ItemContract, attribute_values
    from moto.dynamodb.models.table import Table

    contract = ItemContract.from_json(shared.definition["item_contract"])
    original = Table.query
    counted: list[int] = []

    def writing_after_the_first_count(self: Any, *arguments: Any, **keywords: Any) -> Any:
        results = original(self, *arguments, **keywords)
        projection = arguments[6] if len(arguments) > 6 else keywords.get("projection_expressions")
        if projection and not counted:
            counted.append(len(results[0]))
            body = {"name": "late", "status": "PAID", "amount": 0.5}
            self.put_item(attribute_values(contract, body, "late", "2026-01-01T00:00:00.000Z", 40, None))
        return results

    monkeypatch.setattr(Table, "query", writing_after_the_first_count)
    amounts: list[Any] = []
    cursor = None
    while True:
        query = {"customer": "nobody", "sort": "amount", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = shared.request("GET", "/items", query=query).json()
        amounts += [item["amount"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert counted == [3]
    assert amounts == [0, 0.5, 1, 2], "nothing skipped, nothing twice"
