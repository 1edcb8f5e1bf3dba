"""Fixtures of the contract tests: the CRUD API as the local runtime serves it."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.localrt.stepfunctions import speed_up_interpreter
from tests.contract.crud_client import CrudClient, build_crud


@pytest.fixture(autouse=True)
def fast_interpreter() -> None:
    speed_up_interpreter()  # moto's ASL interpreter as the local runtime runs it (once per process)


@pytest.fixture
def crud(aws: None, crud_definition: dict[str, Any]) -> CrudClient:
    return build_crud(crud_definition)
