"""An evaluated aws_dynamodb_table as DynamoDB's CreateTable takes it: the one translation the local runtime's
deployer, the provider mirror, the bench and the tests' tables share."""

from __future__ import annotations

from typing import Any


def table_values(name: str, table_indexes: dict[str, Any], owner_index: str | None = None) -> dict[str, Any]:
    """An aws_dynamodb_table as modules/dynamodb_table evaluates by default (hash key id, a stream with both
    images) with crud_api's `table_indexes` (its global_secondary_indexes and attributes) and, under owner
    isolation, the stack's owner index: for tests and the bench, which create the table without Terraform."""
    indexes = dict(table_indexes["global_secondary_indexes"])
    attributes = {"id": "S", **table_indexes["attributes"]}
    if owner_index:
        indexes[owner_index] = {
            "hash_key": "owner",
            "range_key": "id",
            "projection_type": "INCLUDE",
            "non_key_attributes": ["cost"],
        }
        attributes["owner"] = "S"
    return {
        "name": name,
        "hash_key": "id",
        "attribute": [{"name": attribute, "type": kind} for attribute, kind in attributes.items()],
        "stream_enabled": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "global_secondary_index": [{"name": index, **declared} for index, declared in indexes.items()],
    }


def table_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """CreateTable's arguments for an evaluated aws_dynamodb_table: keys, attributes, stream and indexes."""
    declared = {a["name"] for a in values.get("attribute", [])}

    def keys(hash_key: str, range_key: Any) -> list[dict[str, str]]:
        # An unset optional attribute comes out of the mocked evaluation as a random string: a range key is
        # real only if it is a declared attribute.
        return [{"AttributeName": hash_key, "KeyType": "HASH"}] + (
            [{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key in declared else []
        )

    arguments: dict[str, Any] = {
        "TableName": values["name"],
        "KeySchema": keys(values["hash_key"], values.get("range_key")),
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in values.get("attribute", [])
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if values.get("stream_enabled"):
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": values["stream_view_type"]}
    if values.get("global_secondary_index"):
        arguments["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index["name"],
                "KeySchema": keys(index["hash_key"], index.get("range_key")),
                "Projection": {"ProjectionType": index.get("projection_type") or "ALL"}
                | (
                    {"NonKeyAttributes": index["non_key_attributes"]}
                    if index.get("projection_type") == "INCLUDE"
                    else {}
                ),
            }
            for index in values["global_secondary_index"]
        ]
    return arguments
