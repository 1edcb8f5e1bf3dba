"""The `system` fixture: one running system per test module (tests/e2e/system.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.system import System, started_system


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    yield from started_system(tmp_path_factory)
