"""Shared fixtures: moto with real ASL execution, and the CRUD API assembled from Terraform's own rendering."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws

from scripts.tfeval import crud_definition as rendered_crud_definition
from scripts.tfeval import table_arguments, table_values

# Hypothesis' per-example deadline is a timed assertion: on a loaded machine it fails a property that holds (an
# example of 209 ms against 200 ms, four pytest workers on two cores). Speed is for make bench to measure.
settings.register_profile("no_deadline", deadline=None)
settings.load_profile("no_deadline")

REGION = "eu-west-1"
ACCOUNT = "123456789012"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files marked `long` first. pytest-xdist hands out whole files (--dist loadfile, in collection order
    with --no-loadscope-reorder, as make test runs it), so a long file collected late kept one worker busy
    while the others had finished (test_bench.py, 65 s, started at 137 s of 200). The order within each group
    is kept."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # botocore >= 1.44 sends DescribeStream to an account-prefixed host that moto does not route.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        # moto starts each test without boto3's default session, so every client would load its service's
        # model from disk again (~0.1 s each); one session per process, made under these fake credentials, keeps
        # them loaded. moto's backends are still new for every test.
        boto3.DEFAULT_SESSION = fake_credentials_session()
        yield


@functools.cache
def fake_credentials_session() -> boto3.Session:
    # The region stays the environment's, read as each client is made (as boto3's own default session does).
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", aws_session_token="testing")


def create_table(name: str, owner_index: str | None = None, table_indexes: dict[str, Any] | None = None) -> Any:
    """A table as modules/dynamodb_table creates it by default (hash key id, stream with both images), with
    the owner index modules/stack adds for owner isolation when `owner_index` names it, and the query indexes
    crud_api's `table_indexes` output declares (as rendered), created as the local runtime creates it."""
    declared = table_indexes or {"global_secondary_indexes": {}, "attributes": {}}
    boto3.client("dynamodb", region_name=REGION).create_table(
        **table_arguments(table_values(name, declared, owner_index))
    )
    table = boto3.resource("dynamodb", region_name=REGION).Table(name)
    table.wait_until_exists()
    return table


def create_state_machine(name: str, definition: dict[str, Any], machine_type: str = "STANDARD") -> str:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return sfn.create_state_machine(
        name=name,
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        type=machine_type,
    )["stateMachineArn"]


@pytest.fixture(scope="session")
def crud_definition() -> dict[str, Any]:
    return rendered_crud_definition(table_name="items")


def one_line_refusal(main: Any, argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """A command's refusal: exit 2, nothing on stdout, one line on stderr (issue #29), returned."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return str(lines[0])
