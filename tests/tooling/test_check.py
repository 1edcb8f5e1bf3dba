"""scripts/check.py: stages in order, failing fast, and the static gates failing on known-bad input."""

from __future__ import annotations

import argparse
import subprocess
import threading
from pathlib import Path

import pytest

from scripts import check

CHECKOV = check.ROOT / ".venv-checkov" / "bin" / "checkov"


def test_stages_run_in_order_and_stop_at_the_first_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []

    def stage(name: str, ok: bool) -> check.Callable[[argparse.Namespace], check.Outcome]:
        def run(_: argparse.Namespace) -> check.Outcome:
            ran.append(name)
            return check.Outcome(ok, f"{name} summary", f"{name} details")

        return run

    monkeypatch.setattr(check, "STAGES", {"a": stage("a", True), "b": stage("b", False), "c": stage("c", True)})
    assert check.main([]) == 1
    assert ran == ["a", "b"]
    out = capsys.readouterr().out
    assert "[ok  ] a" in out
    assert "[FAIL] b        b summary" in out
    assert "b details" in out

    ran.clear()
    assert check.main(["c", "a"]) == 0
    assert ran == ["c", "a"]
    assert "all 2 stages passed" in capsys.readouterr().out


def test_one_core_stages_run_side_by_side_and_are_reported_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    both_running = threading.Barrier(2, timeout=10)  # each waits for the other: only side by side can they pass

    def stage(name: str) -> check.Callable[[argparse.Namespace], check.Outcome]:
        def run(_: argparse.Namespace) -> check.Outcome:
            both_running.wait()
            return check.Outcome(name == "types", f"{name} summary")

        return run

    monkeypatch.setattr(check, "CORES", 2)
    monkeypatch.setattr(check, "STAGES", {"types": stage("types"), "checkov": stage("checkov")})
    assert check.batches(["build", "types", "checkov", "validate", "types"]) == [
        ["build"],
        ["types", "checkov"],
        ["validate"],
        ["types"],
    ]
    assert check.main(["types", "checkov"]) == 1
    out = capsys.readouterr().out
    assert out.index("[ok  ] types") < out.index("[FAIL] checkov")


def test_an_unknown_stage_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        check.main(["tftests"])
    assert "unknown stage(s): tftests" in capsys.readouterr().err


def test_per_folder_names_the_failed_folders_and_counts_run_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "ensure_initialised", lambda folder: None)
    folders = [check.ROOT / "modules" / "alarms", check.ROOT / "modules" / "stack"]

    def action(folder: Path) -> subprocess.CompletedProcess[str]:
        failed = folder.name == "stack"
        return subprocess.CompletedProcess(
            [], 1 if failed else 0, "Success! 3 passed, 0 failed.", "boom" if failed else ""
        )

    outcome = check.per_folder(folders, action, "tests")
    assert not outcome.ok
    assert outcome.summary == "1/2 folders, 6 run blocks passed; failed: modules/stack"
    assert "--- modules/stack" in outcome.details
    assert "boom" in outcome.details


def test_terraform_folders_include_nested_modules_but_not_tests() -> None:
    folders = [f.relative_to(check.ROOT).as_posix() for f in check.terraform_folders()]
    assert "modules/crud_api/modules/definition" in folders
    assert "envs/prod" in folders
    assert not [f for f in folders if "/tests" in f or ".terraform" in f]


def test_terraform_tests_start_with_the_whole_stack_then_the_most_run_blocks() -> None:
    names = ["modules/sqs_queue", "envs/prod", "modules/lambda_function", "modules/stack", "modules/s3_bucket"]
    ordered = [f.relative_to(check.ROOT).as_posix() for f in check.longest_first([check.ROOT / n for n in names])]
    assert set(ordered[:2]) == {"envs/prod", "modules/stack"}
    assert ordered[2:] == ["modules/lambda_function", "modules/sqs_queue", "modules/s3_bucket"]  # 28, 6, 4 run blocks


def test_mypy_strict_fails_on_an_untyped_function(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def double(x):\n    return x * 2\n")
    outcome = check.types_outcome([str(bad)])
    assert not outcome.ok
    assert "Function is missing a type annotation" in outcome.details


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is installed into .venv-checkov by make setup")
def test_checkov_fails_on_an_unencrypted_queue_and_accepts_a_skip_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "plain" {\n  name = "plain"\n}\n')
    outcome = check.checkov_outcome([str(tmp_path)])
    assert not outcome.ok
    assert "CKV_AWS_27" in outcome.details  # "Ensure all data stored in the SQS queue is encrypted"

    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "plain" {\n'
        "  #checkov:skip=CKV_AWS_27:holds only public test data\n"
        '  name = "plain"\n}\n'
    )
    accepted = check.checkov_outcome([str(tmp_path)])
    assert accepted.ok, accepted.details
    assert "1 skipped with a reason" in accepted.summary


@pytest.mark.parametrize("stage", ["build", "lint", "fmt", "types"])
def test_fast_stages_pass_on_this_checkout(stage: str) -> None:
    outcome = check.STAGES[stage](argparse.Namespace(stages=[stage], pytest_args=[]))
    assert outcome.ok, outcome.details
