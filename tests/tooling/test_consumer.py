"""examples/consumer, run as a consumer would run it.

The working tree is committed into a throwaway repository, cloned bare and tagged; the shell lines of the
example's README build the Lambda packages from it, its main.tf and tests/consumer.tftest.hcl become a consumer
root, and `terraform init`, `validate` and `test` run there. The only edits are the repository address (the
placeholder -> the bare clone) and the wheel index (pip reads the wheels this checkout already fetched, so the
test needs no network).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = "https://example.com/your-org/serverless-event-modules.git"
TAG = "v0.1.0"


EXAMPLE = ROOT / "examples" / "consumer"


def code_blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def run(command: list[str] | str, cwd: Path, env: dict[str, str]) -> str:
    if isinstance(command, str):
        command = ["bash", "-c", command]
    result = subprocess.run(command, cwd=cwd, env=env, text=True, capture_output=True, check=False)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def tagged_bare_clone(workdir: Path, env: dict[str, str]) -> Path:
    """The working tree (tracked and new files, .gitignore respected) as one commit, tagged, cloned bare."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT, env)
    source = workdir / "source"
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    identity = ["-c", "user.name=consumer-test", "-c", "user.email=consumer-test@example.com"]
    run(["git", "init", "--quiet"], source, env)
    run(["git", "add", "--all"], source, env)
    run(["git", *identity, "commit", "--quiet", "-m", "release"], source, env)
    run(["git", "tag", TAG], source, env)
    run(["git", "clone", "--quiet", "--bare", str(source), str(workdir / "repo.git")], workdir, env)
    return workdir / "repo.git"


@pytest.fixture(scope="module")
def environment() -> dict[str, str]:
    if shutil.which("git") is None or shutil.which("bash") is None:
        pytest.skip("git and bash are needed to clone the repository as a consumer does")
    env = os.environ.copy()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # python3 with pip, as on a dev box
    env["PIP_NO_INDEX"] = "1"
    env["PIP_FIND_LINKS"] = str(ROOT / "build" / "wheels")
    return env


def test_the_consumer_example_runs_as_written_in_a_consumer_repository(
    environment: dict[str, str], tmp_path: Path
) -> None:
    [shell] = code_blocks((EXAMPLE / "README.md").read_text(), "sh")
    main_tf = (EXAMPLE / "main.tf").read_text()
    test_hcl = (EXAMPLE / "tests" / "consumer.tftest.hcl").read_text()
    assert PLACEHOLDER in shell
    assert PLACEHOLDER in main_tf
    assert f"?ref={TAG}" in main_tf
    modules_used = set(re.findall(r"//modules/([a-z0-9_]+)\?ref=", main_tf))
    published = {p.name for p in (ROOT / "modules").iterdir() if (p / "main.tf").is_file()} - {"conventions"}
    assert modules_used == published, f"examples/consumer does not use {sorted(published - modules_used)}"

    address = f"file://{tagged_bare_clone(tmp_path, environment)}"
    consumer = tmp_path / "consumer"
    (consumer / "tests").mkdir(parents=True)
    run(["bash", "-euo", "pipefail", "-c", shell.replace(PLACEHOLDER, address)], consumer, environment)
    assert (consumer / "lambdas" / "manifest.json").is_file()
    assert not (consumer / ".modules-src").exists()
    (consumer / "main.tf").write_text(main_tf.replace(PLACEHOLDER, address))
    (consumer / "tests" / "consumer.tftest.hcl").write_text(test_hcl)

    terraform = f". {ROOT}/scripts/tf-env.sh >/dev/null && terraform"
    run(f"{terraform} init -backend=false -no-color -input=false", consumer, environment)
    run(f"{terraform} validate -no-color", consumer, environment)
    output = run(f"{terraform} test -no-color", consumer, environment)
    assert "1 passed, 0 failed" in output, output
