"""Pieces of the local runtime that the end-to-end suite does not reach on its own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts.localrt.runtime import PortInUse, ensure_free
from scripts.localrt.worker import matches_filters
from tests.conftest import create_table
from tests.streams import read_stream_batch


def test_mapping_filters_deliver_only_matching_records(aws: None) -> None:
    table: Any = create_table("orders")
    table.put_item(Item={"id": "o-1", "status": "PENDING"})
    table.put_item(Item={"id": "o-1", "status": "PAID"})
    table.delete_item(Key={"id": "o-1"})
    inserted, modified, removed = read_stream_batch("orders")["Records"]
    paid = json.dumps({"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}})
    removals = json.dumps({"eventName": ["REMOVE"]})

    assert [matches_filters(r, [paid]) for r in (inserted, modified, removed)] == [False, True, False]
    assert [matches_filters(r, [paid, removals]) for r in (inserted, modified, removed)] == [False, True, True]
    assert all(matches_filters(r, []) for r in (inserted, modified, removed)), "no filter: every record"


def test_a_taken_port_is_refused_in_one_sentence() -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(PortInUse, match=f"^port {port} \\(the API\\) is in use"):
            ensure_free(port, "the API")
