"""Every documented refusal of a make target is one line on stderr and a non-zero exit, never a traceback
(issue #29). `make plan|apply|destroy` are in test_deploy.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.localrt import fire
from tests.conftest import one_line_refusal


def refusal(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    return one_line_refusal(fire.main, argv, capsys)


@pytest.fixture
def outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(fire, "ROOT", tmp_path)
    path = tmp_path / "envs" / "local" / ".local" / "outputs.json"
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "aws_endpoint_url": "http://127.0.0.1:9",  # the discard port: nothing answers there
                "aws_region": "us-east-1",
                "aws_access_key_id": "AKIAEXAMPLE",
                "aws_secret_access_key": "secret",
            }
        )
    )
    return path


def test_make_fire_before_make_local_says_start_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fire, "ROOT", tmp_path)
    assert refusal(capsys, ["items-local-export"]).startswith("make fire: no local runtime of envs/local has started")


def test_make_fire_when_the_runtime_stopped_says_start_it(capsys: pytest.CaptureFixture[str], outputs: Path) -> None:
    line = refusal(capsys, ["items-local-export"])
    assert line.startswith("make fire: the local runtime at http://127.0.0.1:9 does not answer")
    assert line.endswith("start make local first")


def test_make_fire_without_a_schedule_lists_the_schedules(
    capsys: pytest.CaptureFixture[str], outputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fire, "schedule_names", lambda _: ["items-local-export"])
    assert refusal(capsys, []) == (
        "make fire: name a schedule: SCHEDULE=<items-local-export>  (schedules of the running make local)"
    )
    assert refusal(capsys, ["nope"]) == (
        "make fire: no schedule 'nope' in the running make local (schedules: items-local-export)"
    )


@pytest.mark.parametrize(
    ("env", "problem"), [("", "name an environment"), ("nope", "there is no environment envs/nope")]
)
def test_make_deployer_policy_names_the_environments(
    capsys: pytest.CaptureFixture[str], env: str, problem: str
) -> None:
    from scripts import deployer_policy

    assert deployer_policy.main([env]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"make deployer-policy: {problem}: ENV=<bootstrap|dev|local|prod|staging>"]


def test_make_token_before_make_local_says_start_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scripts.localrt import token

    monkeypatch.setattr(token, "ROOT", tmp_path)
    assert token.main([]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "make token: no local runtime of envs/local has started: start make local first"
    ]
