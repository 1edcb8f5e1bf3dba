"""make e2e: one suite, three targets; a missing LocalStack or missing credentials is a one-line skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import deploy, e2e


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(e2e, "write_outputs", lambda env, runner, environ: Path(f"/tmp/{env}.json"))
    monkeypatch.setattr(deploy, "main", lambda argv: calls.append((argv, {})) or 0)
    return calls


def runner_into(calls: list[tuple[list[str], dict[str, str]]]) -> e2e.Runner:
    def run(command: list[str], cwd: Path, env: dict[str, str]) -> int:
        calls.append((command, env))
        return 0

    return run


def test_local_target_runs_the_suite_on_the_local_runtime(ran: list[tuple[list[str], dict[str, str]]]) -> None:
    assert e2e.main([], runner_into(ran)) == 0
    ((command, env),) = ran
    assert command[-1] == "tests/e2e"
    assert "E2E_OUTPUTS" not in env


def test_an_engine_named_runs_the_local_suite_on_that_engine_only(
    ran: list[tuple[list[str], dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("E2E_ENGINE", raising=False)
    assert e2e.main(["--engine", "ministack"], runner_into(ran)) == 0
    assert e2e.main([], runner_into(ran)) == 0
    (_, named), (_, both) = ran
    assert named["E2E_ENGINE"] == "ministack"
    assert "E2E_ENGINE" not in both  # tests/e2e/conftest.py: both engines


def test_localstack_target_applies_tests_and_destroys(
    ran: list[tuple[list[str], dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "localstack_answers", lambda endpoint: True)
    monkeypatch.setenv("LOCALSTACK_ENDPOINT", "http://127.0.0.1:4566")
    monkeypatch.setenv("CI", "false")  # restored after the test: the target sets CI=true for its own apply
    assert e2e.main(["--target", "localstack"], runner_into(ran)) == 0
    assert [c[0] for c in ran if c[0][0] != e2e.sys.executable] == [["apply", "local"], ["destroy", "local"]]
    (_, env) = next(c for c in ran if c[0][0] == e2e.sys.executable)
    assert env["E2E_OUTPUTS"] == "/tmp/local.json"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert env["E2E_TARGET"] == "localstack"


def test_missing_localstack_or_credentials_is_a_one_line_skip(
    ran: list[tuple[list[str], dict[str, str]]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOCALSTACK_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing answers
    assert e2e.main(["--target", "localstack"], runner_into(ran)) == 0
    monkeypatch.setattr(deploy, "has_aws_credentials", lambda: False)
    assert e2e.main(["--target", "aws", "--env", "dev"], runner_into(ran)) == 0
    assert ran == []
    lines = capsys.readouterr().out.strip().splitlines()
    assert (
        lines[0]
        == "make e2e: skipped: LocalStack is not answering at http://127.0.0.1:9 (start it, or set LOCALSTACK_ENDPOINT)."
    )
    assert lines[1].startswith("make e2e: skipped: no AWS credentials")
