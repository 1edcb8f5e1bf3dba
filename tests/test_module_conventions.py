"""Facts that span Terraform and Python and that neither tool checks alone."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pinned_powertools() -> str:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    [pin] = [d for d in dev if d.startswith("aws-lambda-powertools")]
    return pin.split("==")[1]


def test_lambda_layers_run_the_powertools_release_the_tests_run() -> None:
    pattern = re.compile(r'variable "powertools_version" \{.*?default\s*=\s*"([^"]+)"', re.S)
    defaults = {
        path.parent.name: match.group(1)
        for path in sorted((ROOT / "modules").glob("*/variables.tf"))
        if (match := pattern.search(path.read_text()))
    }
    assert {"lambda_function", "stream_trigger"} <= set(defaults)
    assert set(defaults.values()) == {pinned_powertools()}, defaults
