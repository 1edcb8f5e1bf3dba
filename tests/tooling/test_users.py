"""make user and make token for a deployed environment (scripts/users.py), against moto's Cognito.

moto answers SRP with a challenge but does not verify the client's proof, so a wrong password is not caught
here; Cognito verifies it on AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from scripts import users

REGION = "eu-west-1"


@pytest.fixture
def deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A deployed stack's outputs (terraform output -json) with its pool and SRP-only app client."""
    for name, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool = idp.create_user_pool(PoolName="items-dev-users", UsernameAttributes=["email"])["UserPool"]["Id"]
        flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="items-dev", ExplicitAuthFlows=flows)
        outputs = tmp_path / "outputs.json"
        outputs.write_text(
            json.dumps(
                {
                    "user_pool_id": {"value": pool},
                    "user_pool_client_id": {"value": client["UserPoolClient"]["ClientId"]},
                    "region": {"value": REGION},
                }
            )
        )
        yield outputs


def test_a_new_user_signs_in_once_with_its_temporary_password_and_then_with_its_own(
    deployed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert users.main(["user", "dev", "--email", "ada@example.com", "--outputs", str(deployed)]) == 0
    said = capsys.readouterr().err
    temporary = said.split("(shown once): ", 1)[1].split()[0]
    monkeypatch.setenv("COGNITO_PASSWORD", temporary)
    monkeypatch.setenv("COGNITO_NEW_PASSWORD", "My-own-password-1!")
    assert users.main(["token", "dev", "--email", "ada@example.com", "--outputs", str(deployed)]) == 0
    token = capsys.readouterr().out.strip()
    claims = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["token_use"] == "id"
    monkeypatch.setenv("COGNITO_PASSWORD", "My-own-password-1!")
    monkeypatch.delenv("COGNITO_NEW_PASSWORD")
    assert users.main(["token", "dev", "--email", "ada@example.com", "--outputs", str(deployed)]) == 0  # no prompt


@pytest.mark.parametrize(
    ("argv", "refusal"),
    [
        (["user", "dev"], "make user: name the user: make user ENV=dev EMAIL=<address>"),
        (["token", "dev"], "make token: name the user: make token ENV=dev EMAIL=<address>"),
    ],
)
def test_refusals_are_one_line(argv: list[str], refusal: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert users.main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [refusal]


def test_a_user_that_exists_already_is_refused_in_one_line(deployed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["user", "dev", "--email", "ada@example.com", "--outputs", str(deployed)]
    assert users.main(argv) == 0
    capsys.readouterr()
    assert users.main(argv) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("make user: ada@example.com is already a user of ")
