"""Fixtures of the local runtime's tests."""

from __future__ import annotations

import pytest

from scripts.localrt.stepfunctions import speed_up_interpreter


@pytest.fixture(autouse=True)
def fast_interpreter() -> None:
    speed_up_interpreter()  # moto's ASL interpreter as the local runtime runs it (once per process)
