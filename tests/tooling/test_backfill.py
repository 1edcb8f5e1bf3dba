"""make backfill (scripts/ops/backfill.py) over moto's DynamoDB: the table as crud_api declares it (with its
query index), items stored before the index existed (the importer's layout without indexes, which is the
API's), and an API-rendered item contract for what the API would write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from import_worker.items import ItemContract, attribute_values

from scripts.ops import backfill
from tests.conftest import REGION, create_table


def stored_before_the_index(contract: ItemContract, count: int, **fields: Any) -> list[dict[str, Any]]:
    """Items as the API stored them before `indexes` named any index: no key attributes."""
    unindexed = ItemContract(**{**contract.__dict__, "indexes": (), "_validate": []})
    return [
        attribute_values(
            unindexed, {"name": f"n{n}", **fields}, f"id-{n:03}", f"2026-01-01T00:00:{n:02}.000Z", 20, None
        )
        for n in range(count)
    ]


@pytest.fixture
def setup(aws: None, crud_definition: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    contract = ItemContract.from_json(crud_definition["item_contract"])
    create_table("items", None, crud_definition["table_indexes"])
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for item in stored_before_the_index(contract, 12, status="PAID"):
        dynamodb.put_item(TableName="items", Item=item)
    return {"dynamodb": dynamodb, "indexes": contract.indexes, "checkpoint": tmp_path / "checkpoint.json"}


def query(dynamodb: Any, status: str) -> list[str]:
    items = dynamodb.query(
        TableName="items",
        IndexName="by_status",
        KeyConditionExpression="#p = :p",
        ExpressionAttributeNames={"#p": "index.by_status.partition"},
        ExpressionAttributeValues={":p": {"S": f"#{status}"}},
    )["Items"]
    return sorted(item["id"]["S"] for item in items)


def run(setup: dict[str, Any], **options: Any) -> backfill.Counts:
    return backfill.backfill(setup["dynamodb"], "items", setup["indexes"], False, setup["checkpoint"], **options)


def test_every_item_gets_its_keys_once_and_a_second_run_writes_nothing(setup: dict[str, Any]) -> None:
    dynamodb = setup["dynamodb"]
    assert query(dynamodb, "PAID") == [], "items stored before the index are not in it"
    counts = run(setup, page_size=5)
    assert (counts.read, counts.written, counts.pages) == (12, 12, 3)
    assert query(dynamodb, "PAID") == [f"id-{n:03}" for n in range(12)]
    [item] = [i for i in dynamodb.scan(TableName="items")["Items"] if i["id"]["S"] == "id-003"]
    assert item["index.by_status.sort"] == {"S": "#2026-01-01T00:00:03.000Z"}, "as the API writes it"
    assert item["version"] == {"N": "1"}, "a backfill is not an update of the item"
    again = run(setup, page_size=5)
    assert (again.written, again.already) == (0, 12)
    assert not setup["checkpoint"].exists()


def test_an_interrupted_backfill_resumes_where_it_stopped(setup: dict[str, Any]) -> None:
    pages: list[int] = []

    def interrupt_after_two_pages(counts: backfill.Counts) -> None:
        pages.append(counts.pages)
        if counts.pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(setup, page_size=4, progress=interrupt_after_two_pages)
    assert json.loads(setup["checkpoint"].read_text())["counts"]["read"] == 8, "saved after each page"
    scans: list[dict[str, Any]] = []
    dynamodb = setup["dynamodb"]

    class Watched:
        def __getattr__(self, name: str) -> Any:
            return getattr(dynamodb, name)

        def scan(self, **arguments: Any) -> Any:
            scans.append(arguments)
            return dynamodb.scan(**arguments)

    counts = backfill.backfill(Watched(), "items", setup["indexes"], False, setup["checkpoint"], page_size=4)
    assert "ExclusiveStartKey" in scans[0], "continues from the checkpoint, not from the start"
    assert (counts.read, counts.written, counts.already) == (12, 12, 0), "each item read and written once"
    assert query(dynamodb, "PAID") == [f"id-{n:03}" for n in range(12)]
    assert not setup["checkpoint"].exists()


def test_an_update_made_during_the_backfill_is_kept(setup: dict[str, Any]) -> None:
    """The API replaces item 5 (status NEW, version 2, its own key attributes) after the backfill read it and
    before it wrote: the conditional write fails, the item is read again and found already indexed."""
    dynamodb = setup["dynamodb"]
    raced = {"done": False}

    class Racing:
        def __getattr__(self, name: str) -> Any:
            return getattr(dynamodb, name)

        def update_item(self, **arguments: Any) -> Any:
            if arguments["Key"]["id"]["S"] == "id-005" and not raced["done"]:
                raced["done"] = True
                dynamodb.update_item(
                    TableName="items",
                    Key={"id": {"S": "id-005"}},
                    UpdateExpression="SET #d = :d, #v = :v, #p = :p, #s = :s",
                    ExpressionAttributeNames={
                        "#d": "document",
                        "#v": "version",
                        "#p": "index.by_status.partition",
                        "#s": "index.by_status.sort",
                    },
                    ExpressionAttributeValues={
                        ":d": {"S": json.dumps({"name": "n5", "status": "NEW"})},
                        ":v": {"N": "2"},
                        ":p": {"S": "#NEW"},
                        ":s": {"S": "#2026-01-01T00:00:05.000Z"},
                    },
                )
            return dynamodb.update_item(**arguments)

    counts = backfill.backfill(Racing(), "items", setup["indexes"], False, setup["checkpoint"], page_size=5)
    assert (counts.written, counts.changed_meanwhile, counts.already) == (11, 1, 1)
    assert query(dynamodb, "NEW") == ["id-005"]
    [item] = [i for i in dynamodb.scan(TableName="items")["Items"] if i["id"]["S"] == "id-005"]
    assert (item["version"], json.loads(item["document"]["S"])["status"]) == ({"N": "2"}, "NEW")


def test_an_item_without_a_field_the_index_needs_is_counted_not_guessed(setup: dict[str, Any]) -> None:
    dynamodb = setup["dynamodb"]
    old = dict(dynamodb.get_item(TableName="items", Key={"id": {"S": "id-000"}})["Item"])
    old["document"] = {"S": json.dumps({"name": "from an older schema"})}
    dynamodb.put_item(TableName="items", Item=old)
    counts = run(setup)
    assert (counts.written, counts.missing_field) == (11, 1)
    assert "1 without a field an index needs" in backfill.render("items", setup["indexes"], counts, False)
