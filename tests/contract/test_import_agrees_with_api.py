"""The importer against the API: a line is imported exactly when the API would accept it as a body, and is
stored as the API stores it (the same contract, rendered by Terraform from crud_api, drives both); the export
returns items as the API does."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from import_worker.items import ItemContract, LineRejected, attribute_values, parse
from table_exporter import export as table_export

from tests.conftest import REGION
from tests.contract.crud_client import CrudClient


@pytest.fixture(scope="session")
def contract(crud_definition: dict[str, Any]) -> ItemContract:
    return ItemContract.from_json(crud_definition["item_contract"])


# --- the API and the importer agree -----------------------------------------------------------------------

BODIES = [
    {"name": "plain"},
    {"name": "with defaults", "amount": 3, "tags": ["a"]},
    {"name": "emoji 😀" * 10, "attributes": {"x": [1, 2, {"y": None}]}},
    {"name": "unicode é", "amount": 12345678901234567890123456789012345678},
    {"name": "too precise", "amount": 123456789012345678901234567890123456789},
    {"name": "x", "unknown": 1},
    {"amount": 1},
    {"name": "x", "id": "mine"},
    {"name": "x", "attributes": json.loads("[" * 31 + "1" + "]" * 31)},
    {"name": "x", "attributes": json.loads("[" * 32 + "1" + "]" * 32)},
    {"name": "x", "amount": -1},
    {"name": "x" * 201},
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_a_line_is_imported_exactly_when_the_api_accepts_the_body_and_stored_alike(
    crud: CrudClient, contract: ItemContract, body: dict[str, Any]
) -> None:
    line = json.dumps(body, ensure_ascii=False)
    answer = crud.request("POST", "/items", raw=line)
    try:
        parsed, chars = parse(contract, line)
    except LineRejected:
        assert 400 <= answer.status < 500, (answer.status, answer.body)
        return
    assert answer.status == 201, answer.body
    [stored] = [i for i in crud.stored() if i["id"] == answer.json()["id"]]
    imported = boto3.client("dynamodb", region_name=REGION)
    item = dict(stored)
    mine = attribute_values(contract, parsed, "imported-id", stored["createdAt"], chars, None)
    imported.put_item(TableName="items", Item=mine)
    [written] = [i for i in crud.stored() if i["id"] == "imported-id"]
    assert {k: v for k, v in written.items() if k not in ("id", "document")} == {
        k: v for k, v in item.items() if k not in ("id", "document")
    }
    # The same document; its text may escape differently (the API's template writes \uXXXX for non-ASCII).
    assert json.loads(written["document"]) == json.loads(stored["document"])


def test_the_export_streams_every_item_as_the_api_returns_it(
    aws: None, monkeypatch: pytest.MonkeyPatch, crud: CrudClient
) -> None:
    ids = {crud.request("POST", "/items", {"name": f"e{i}"}).json()["id"] for i in range(7)}
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="results", CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.setattr(table_export, "PART_BYTES", 5 << 20)
    count = table_export.export(
        boto3.client("dynamodb", region_name=REGION), s3, "items", "results", "exports/x.jsonl", page_size=3
    )
    assert count == 7
    exported = [
        json.loads(line) for line in s3.get_object(Bucket="results", Key="exports/x.jsonl")["Body"].read().splitlines()
    ]
    assert {e["id"] for e in exported} == ids
    first = next(e for e in exported)
    assert first == crud.request("GET", f"/items/{first['id']}").json()


@pytest.mark.parametrize(
    "number",
    [
        "1E+126",
        "-1E+126",
        "9.9999999999999999999999999999999999999E+125",
        "1E-130",
        "1E-131",
        "-1E-131",
        "0.0",
        "1e400",
    ],
)
def test_the_importer_accepts_a_number_exactly_when_the_api_does(
    crud: CrudClient, contract: ItemContract, number: str
) -> None:
    """Issue #28, finding 7: the importer compared numbers as floats, where 1E+126 equals DynamoDB's largest
    number 9.99...E+125, and imported what the API refuses."""
    line = '{"name": "n", "attributes": {"x": ' + number + "}}"
    if crud.request("POST", "/items", raw=line).status == 201:
        parse(contract, line)
    else:
        with pytest.raises(LineRejected, match=r"range|not JSON"):
            parse(contract, line)
