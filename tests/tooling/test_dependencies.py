"""The dependency contract (scripts/dependencies.py, part of make lint) holds, and catches planted imports."""

from __future__ import annotations

from pathlib import Path

from scripts import dependencies


def test_the_library_and_its_tooling_do_not_depend_on_the_local_runtime() -> None:
    assert dependencies.violations() == []


def plant(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_gate_that_reaches_the_local_runtime_through_a_helper_and_a_function_that_imports_scripts_fail(
    tmp_path: Path,
) -> None:
    plant(
        tmp_path,
        {
            "scripts/__init__.py": "",
            "scripts/localrt/__init__.py": "",
            "scripts/localrt/runtime.py": "",
            "scripts/helper.py": "from scripts.localrt.runtime import LocalRuntime\n",
            "scripts/gates/__init__.py": "",
            "scripts/gates/fine.py": "import json\nfrom scripts import deploy\n",
            "scripts/deploy.py": "",
            "scripts/gates/planted.py": "from scripts import helper\n",
            "lambdas/fn/handler.py": "from scripts.deploy import Refusal\n",
            "lambdas/fn/ok.py": "from common import json_text\n",
            "tests/unit/test_fn.py": "from scripts.localrt.runtime import LocalRuntime\nfrom scripts import lambda_events\n",
            "tests/conftest.py": "from scripts.localrt import runtime\n",
            "tests/contract/conftest.py": "from scripts.localrt import runtime\n",
        },
    )
    assert dependencies.violations(tmp_path) == [
        "lambdas/fn/handler.py: imports scripts.deploy (lambdas/ imports nothing from scripts/)",
        "lambdas/fn/handler.py: imports scripts.deploy.Refusal (lambdas/ imports nothing from scripts/)",
        "tests/conftest.py: imports scripts.localrt (unit tests need nothing of the local runtime)",
        "tests/conftest.py: imports scripts.localrt.runtime (unit tests need nothing of the local runtime)",
        "tests/unit/test_fn.py: imports scripts.localrt.runtime (unit tests need nothing of the local runtime)",
        "tests/unit/test_fn.py: imports scripts.localrt.runtime.LocalRuntime (unit tests need nothing of the local "
        "runtime)",
        "scripts/gates/planted.py: reaches the local runtime (scripts.gates.planted -> scripts.helper -> "
        "scripts.localrt.runtime)",
    ]
