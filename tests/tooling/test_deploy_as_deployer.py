"""envs/local deployed, read back and destroyed through moto with IAM enforced, as a role that holds only the
generated deployer policy (build/deployer-policy.local.json): the calls are the provider's
(scripts/localrt/provider_mirror.py), so a permission the policy lacks fails here as `terraform apply`
would fail on AWS, naming the action."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.s3.models import s3_backends

from scripts import deployer_policy
from scripts.localrt import iam as local_iam
from scripts.localrt.provider_mirror import COVERAGE, STEPS, Mirror, unmirrored
from scripts.tfeval import Evaluation, evaluated

pytestmark = pytest.mark.long  # tens of seconds: collected first (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
DEPLOYER = "ci-deployer"


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluated((ROOT / "envs" / "local").resolve())


@pytest.fixture(scope="module")
def document(evaluation: Evaluation, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("policy") / "deployer-policy.local.json"
    assert deployer_policy.main(["local", "--output", str(output)]) == 0
    return dict(json.loads(output.read_text()))


@contextlib.contextmanager
def enforcing_moto(monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[None]:
    """moto with the local runtime's IAM checks (resources named, enforcement switched on by as_deployer)."""
    for name, value in {
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        local_iam.install(None)
        try:
            yield
        finally:
            local_iam.set_enforcement(False)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, evaluation: Evaluation) -> Iterator[None]:
    with enforcing_moto(monkeypatch, evaluation.region):
        yield


def as_deployer(document: dict[str, Any], account: str, region: str) -> Any:
    """Clients of a role whose only policy is `document`, with IAM enforced from here on."""
    iam = boto3.client("iam", region_name=region)
    local_iam.create_operator(iam)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = json.dumps(document).replace("${aws:PrincipalAccount}", account)  # moto resolves no policy variables
    iam.put_role_policy(RoleName=DEPLOYER, PolicyName="deployer", PolicyDocument=policy)
    credentials = boto3.client("sts", region_name=region).assume_role(RoleArn=role, RoleSessionName="ci")["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    local_iam.set_enforcement(True)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        # One client per service: building one costs ~8 ms, more than the call it makes.
        if service not in clients:
            clients[service] = session.client(service)
        return clients[service]

    return client


def deploy_read_destroy(evaluation: Evaluation, document: dict[str, Any]) -> Mirror:
    """Apply, a later plan (refresh and preflight), the system writing into its buckets, destroy."""
    mirror = Mirror(evaluation, as_deployer(document, evaluation.account, evaluation.region))
    mirror.deploy()
    mirror.read_back()
    mirror.plan()
    # What the system wrote meanwhile, put straight into moto's S3 (its TLS-only bucket policies refuse moto's
    # in-process requests, which carry no TLS).
    backend = s3_backends[evaluation.account]["aws"]
    for bucket in evaluation.of_type("aws_s3_bucket"):
        backend.put_object(bucket.values["bucket"], "written-by-the-system.json", b"{}")
    mirror.destroy()
    return mirror


def test_every_resource_type_of_the_environment_is_mirrored_and_documented(evaluation: Evaluation) -> None:
    assert unmirrored(evaluation) == []
    assert set(STEPS) <= set(COVERAGE)


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_the_deployer_policy_deploys_reads_back_and_destroys_the_environment(
    env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every environment's own policy, its own resources (prod adds alarms, a dashboard, the bus archive)."""
    evaluation = evaluated((ROOT / "envs" / env).resolve())
    assert unmirrored(evaluation) == []
    output = tmp_path / f"deployer-policy.{env}.json"
    assert deployer_policy.main([env, "--output", str(output)]) == 0
    document = json.loads(output.read_text())
    with enforcing_moto(monkeypatch, evaluation.region):
        if env == "prod":  # deletion protection on: buckets keep what they hold (envs/README, "Destroying prod")
            with pytest.raises(ClientError) as refused:
                deploy_read_destroy(evaluation, document)
            assert refused.value.response["Error"]["Code"] in ("BucketNotEmpty", "ResourceInUseException")
            return
        mirror = deploy_read_destroy(evaluation, document)
        local_iam.set_enforcement(False)
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []  # destroyed
        assert boto3.client("lambda").list_functions()["Functions"] == []
    assert "lambda:tag_resource" in mirror.calls
    assert "lambda:create_event_source_mapping" in mirror.calls
    assert len(mirror.calls) > 3 * len(evaluation.resources)


NOT_EXERCISED = (
    "<state-bucket>",  # envs/local keeps its state on disk
    "::/tags/*",  # API Gateway's tag on create: moto does not authorize it (the tag gate checks the grant)
    "/stream/*",  # dynamodb:DescribeStream on the table's stream: no mirrored provider call makes it
)


def exercised(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements a deployment of envs/local uses."""
    return [s for s in document["Statement"] if not any(n in json.dumps(s["Resource"]) for n in NOT_EXERCISED)]


@pytest.mark.parametrize("pick", range(3))
def test_removing_a_statement_fails_the_deployment_naming_the_denied_action(
    aws: None, evaluation: Evaluation, document: dict[str, Any], pick: int
) -> None:
    statements = exercised(document)
    removed = random.Random(27).sample(statements, 3)[pick]
    reduced = {**document, "Statement": [s for s in document["Statement"] if s is not removed]}
    with pytest.raises(ClientError) as refusal:
        deploy_read_destroy(evaluation, reduced)
    error = refusal.value.response["Error"]
    assert error["Code"] in ("AccessDenied", "AccessDeniedException", "403"), (removed["Sid"], error)
    message = str(refusal.value)
    if "not authorized to perform: " in message:  # S3 names no action, as on AWS: only the operation
        denied = message.split("not authorized to perform: ", 1)[1].split()[0].split("<")[0]
        assert denied in removed["Action"], (removed["Sid"], message)
