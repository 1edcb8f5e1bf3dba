"""The `system` fixture: one running system per test module and engine (tests/e2e/system.py).

Locally every test runs on both engines of the local runtime: moto with our workers and IAM enforced, and
ministack (an engine we did not write). E2E_ENGINE=moto|ministack (`make e2e ENGINE=...`) picks one; against a
deployment (E2E_OUTPUTS) there is no engine to pick.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.system import System, started_system


def engines() -> list[str]:
    if os.environ.get("E2E_OUTPUTS"):
        return ["deployed"]
    chosen = os.environ.get("E2E_ENGINE")
    return [chosen] if chosen else ["moto", "ministack"]


@pytest.fixture(scope="module", params=engines())
def system(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    yield from started_system(tmp_path_factory, request.param)
