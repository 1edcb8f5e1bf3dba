"""The project's Terraform toolchain checks real provider arguments, with or without registry access."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MODULE = """
terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 6.0, < 7.0" }
  }
}

resource "aws_sqs_queue" "this" {
  name = "throwaway"
  %s = 1209600
}
"""


def terraform(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs terraform in the environment scripts/tf-env.sh sets up (offline kit or real registry)."""
    script = f". {ROOT}/scripts/tf-env.sh && cd {folder} && terraform {' '.join(args)}"
    return subprocess.run(["bash", "-c", script], text=True, capture_output=True, check=False, env=os.environ.copy())


@pytest.fixture(scope="module")
def bash_available() -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to source scripts/tf-env.sh")


@pytest.mark.parametrize(
    ("argument", "valid"), [("message_retention_seconds", True), ("message_retension_seconds", False)]
)
def test_validate_checks_argument_names_against_the_provider_schema(
    bash_available: None, tmp_path: Path, argument: str, valid: bool
) -> None:
    (tmp_path / "main.tf").write_text(MODULE % argument)
    init = terraform(tmp_path, "init", "-backend=false", "-no-color")
    assert init.returncode == 0, init.stdout + init.stderr
    validate = terraform(tmp_path, "validate", "-no-color")
    if valid:
        assert validate.returncode == 0, validate.stdout + validate.stderr
    else:
        assert validate.returncode != 0
        assert 'An argument named "message_retension_seconds" is not expected here' in validate.stderr


def test_offline_mode_is_chosen_when_forced(bash_available: None, tmp_path: Path) -> None:
    script = f"TF_PROVIDER_MODE= TF_OFFLINE=1 . {ROOT}/scripts/tf-env.sh && echo $TF_PROVIDER_MODE $TF_CLI_CONFIG_FILE"
    result = subprocess.run(["bash", "-c", script], text=True, capture_output=True, check=True)
    mode, config = result.stdout.split()
    assert mode == "schema"
    assert "filesystem_mirror" in Path(config).read_text()
