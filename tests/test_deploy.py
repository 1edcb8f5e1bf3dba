"""make plan|apply|destroy (scripts/deploy.py): one clear sentence instead of a stack trace, and the right
terraform commands when everything is in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import deploy


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with envs/dev, envs/prod and envs/local and a build manifest."""
    for env in ("dev", "prod", "local"):
        (tmp_path / "envs" / env).mkdir(parents=True)
    for env in ("dev", "prod"):
        (tmp_path / "envs" / env / "backend.hcl.example").write_text('bucket = "x"\n')
    manifest = tmp_path / "build" / "lambdas" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps(
            {"functions": {"stream_trigger": {"path": "build/lambdas/stream_trigger.zip", "source_code_hash": "abc="}}}
        )
    )
    monkeypatch.setattr(deploy, "ROOT", tmp_path)
    monkeypatch.setattr(deploy, "MANIFEST", manifest)
    monkeypatch.setenv("TF_PROVIDER_MODE", "registry")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    return tmp_path


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], Path]]:
    ran: list[tuple[list[str], Path]] = []
    monkeypatch.setattr(deploy, "terraform", lambda args, cwd: ran.append((args, cwd)))
    return ran


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert deploy.main(list(argv)) == 2
    message = capsys.readouterr().err.strip()
    assert "\n" not in message, "one sentence, no stack trace"
    return message


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["plan"], "Name an environment: ENV=<dev|local|prod>."),
        (["plan", "qa"], "There is no environment 'qa' (known: dev, local, prod)."),
        (["destroy", "prod"], "Refusing to destroy prod: run again with CONFIRM=prod if you mean it."),
        (["apply", "dev"], "envs/dev/backend.hcl is missing: copy backend.hcl.example"),
    ],
)
def test_refusals_name_the_problem(
    workspace: Path, commands: list, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in refusal(capsys, *argv)
    assert commands == []


def test_schema_provider_cannot_deploy_anywhere(
    workspace: Path, commands: list, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_PROVIDER_MODE", "schema")
    for env in ("dev", "local"):
        assert "registry is unreachable" in refusal(capsys, "plan", env)
    assert commands == []


def test_no_credentials(
    workspace: Path, commands: list, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "has_aws_credentials", lambda: False)
    assert refusal(capsys, "plan", "dev").startswith("make plan: No AWS credentials found")


def test_local_needs_localstack(
    workspace: Path, commands: list, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALSTACK_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    message = refusal(capsys, "apply", "local")
    assert "LocalStack is not answering at http://127.0.0.1:9" in message
    assert "LOCALSTACK_AUTH_TOKEN" in message


def test_missing_build(workspace: Path, commands: list, capsys: pytest.CaptureFixture[str]) -> None:
    deploy.MANIFEST.unlink()
    assert "run `make build` first" in refusal(capsys, "plan", "dev")


def test_plan_inits_with_the_backend_and_passes_the_packages(workspace: Path, commands: list[Any]) -> None:
    (workspace / "envs" / "dev" / "backend.hcl").write_text('bucket = "state"\n')

    assert deploy.main(["plan", "dev"]) == 0

    (init, init_cwd), (plan, plan_cwd) = commands
    assert init == ["terraform", "init", "-input=false", "-backend-config=backend.hcl"]
    assert init_cwd == plan_cwd == workspace / "envs" / "dev"
    assert plan[:3] == ["terraform", "plan", "-input=false"]
    packages = json.loads(plan[3].removeprefix("-var=lambda_packages="))
    assert packages == {
        "stream_trigger": {"path": "../../build/lambdas/stream_trigger.zip", "source_code_hash": "abc="}
    }


def test_local_apply_points_at_localstack(
    workspace: Path, commands: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "localstack_answers", lambda endpoint: endpoint == "http://localhost:4566")

    assert deploy.main(["apply", "local"]) == 0

    (init, _), (apply, _) = commands
    assert init == ["terraform", "init", "-input=false"], "local state: no backend configuration"
    assert apply[-1] == "-var=localstack_endpoint=http://localhost:4566"
