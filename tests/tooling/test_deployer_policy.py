"""The deployer policy: everything `terraform apply` needs for an environment, nothing on other resources, and
valid against AWS's Service Authorization Reference (the IAM gate)."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from scripts import deployer_policy
from scripts.gates.iam_catalogue import check_policy
from scripts.tfeval import Evaluation, Resource, evaluated

ROLE_POLICY_LIMIT = 10_240  # IAM: aggregate inline policies of a role, in non-whitespace characters


def generate(env: str, tmp_path: Path) -> dict[str, Any]:
    output = tmp_path / f"{env}.json"
    assert deployer_policy.main([env, "--output", str(output)]) == 0
    return dict(json.loads(output.read_text()))


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return generate("prod", tmp_path_factory.mktemp("policy"))


def actions_on(document: dict[str, Any], resource: str) -> set[str]:
    return {
        a
        for s in document["Statement"]
        for a in s["Action"]
        if resource in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }


def test_prod_policy_passes_the_iam_gate_and_fits_a_role(prod: dict[str, Any]) -> None:
    assert check_policy(prod, "build/deployer-policy.prod.json") == []
    assert len(json.dumps(prod, separators=(",", ":"))) <= ROLE_POLICY_LIMIT


def test_plan_time_and_log_delivery_calls_are_granted(prod: dict[str, Any]) -> None:
    unscoped = actions_on(prod, "*")
    assert "states:ValidateStateMachineDefinition" in unscoped  # the provider validates definitions at plan
    assert {
        "logs:CreateLogDelivery",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    } <= unscoped
    assert "sts:GetCallerIdentity" in unscoped


def test_every_role_may_be_passed_and_nothing_else_is(prod: dict[str, Any]) -> None:
    passable = [s for s in prod["Statement"] if "iam:PassRole" in s["Action"]]
    assert len(passable) == 1
    assert all(r.startswith("arn:aws:iam::${aws:PrincipalAccount}:role/items-prod-") for r in passable[0]["Resource"])


def test_the_state_and_its_lock_file_are_reachable(prod: dict[str, Any]) -> None:
    key = "arn:aws:s3:::your-terraform-state-bucket/serverless-event-modules/prod/terraform.tfstate"
    assert actions_on(prod, key) == {"s3:GetObject", "s3:PutObject"}
    assert actions_on(prod, f"{key}.tflock") == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}


def test_bootstrap_policy_manages_the_api_gateway_account(tmp_path: Path) -> None:
    document = generate("bootstrap", tmp_path)
    assert check_policy(document, "bootstrap") == []
    assert actions_on(document, "arn:aws:apigateway:eu-west-1::/account") == {"apigateway:GET", "apigateway:PATCH"}


def test_a_resource_type_without_known_grants_is_refused_by_name() -> None:
    evaluation = Evaluation(
        "eu-west-1", "123456789012", [Resource("module.x.aws_kinesis_stream.s", "aws_kinesis_stream", {})], {}
    )
    with pytest.raises(ValueError, match="no grant known for aws_kinesis_stream"):
        deployer_policy.policy(evaluation, [])


def test_shorten_keeps_wildcards_inside_the_environment() -> None:
    alarms = [f"arn:aws:cloudwatch:eu-west-1:1:alarm:items-prod-{n}" for n in ("a", "b", "c")]
    assert deployer_policy.shorten(alarms, "items-prod-") == ["arn:aws:cloudwatch:eu-west-1:1:alarm:items-prod-*"]
    assert deployer_policy.shorten(alarms[:2], "items-prod-") == alarms[:2]
    assert deployer_policy.shorten([*alarms, "arn:aws:cloudwatch:eu-west-1:1:alarm:other"], "items-prod-") == [
        "arn:aws:cloudwatch:eu-west-1:1:alarm:items-prod-*",
        "arn:aws:cloudwatch:eu-west-1:1:alarm:other",  # not this environment's: named exactly
    ]
    groups = [
        f"arn:aws:logs:eu-west-1:1:log-group:/aws/{kind}/items-prod-{n}" for kind in ("lambda", "states") for n in "abc"
    ]
    assert deployer_policy.shorten(groups, "items-prod-") == [
        "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/items-prod-*",
        "arn:aws:logs:eu-west-1:1:log-group:/aws/states/items-prod-*",
    ]


def test_statements_merge_only_when_the_exact_document_would_not_fit_a_role() -> None:
    function = "arn:aws:lambda:eu-west-1:1:function:items-prod-"
    statements = [
        {"Sid": "Lambda1", "Effect": "Allow", "Action": ["lambda:GetFunction"], "Resource": [f"{function}a"]},
        {
            "Sid": "Lambda2",
            "Effect": "Allow",
            "Action": ["lambda:PutFunctionEventInvokeConfig"],
            "Resource": [f"{function}b"],
        },
        {"Sid": "Sqs", "Effect": "Allow", "Action": ["sqs:CreateQueue"], "Resource": ["arn:aws:sqs:eu-west-1:1:other"]},
    ]
    assert deployer_policy.fit(statements, "items-prod-") == statements
    merged = deployer_policy.fit(statements, "items-prod-", limit=300)
    assert merged[-1] == {
        "Sid": "LambdaEnvironment",
        "Effect": "Allow",
        "Action": ["lambda:GetFunction", "lambda:PutFunctionEventInvokeConfig"],
        "Resource": [f"{function}a", f"{function}b"],
    }
    assert statements[2] in merged  # another account's or environment's resources are never merged


# --- issue #27: each finding, and the policy a plan job runs with -------------------------------------------


def grants_action(document: dict[str, Any], action: str, arn: str, account: str = "123456789012") -> bool:
    """The document allows `action` on `arn` (IAM's wildcard matching; the account variable resolved)."""
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        resources = [r.replace("${aws:PrincipalAccount}", account) for r in resources]
        if action in statement["Action"] and any(fnmatch.fnmatchcase(arn, r) for r in resources):
            return True
    return False


@pytest.fixture(scope="module")
def local_policies(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("local")
    output = folder / "local.json"
    assert deployer_policy.main(["local", "--output", str(output)]) == 0
    return json.loads(output.read_text()), json.loads((folder / "reader-local.json").read_text())


def test_event_source_mappings_may_be_tagged_on_create_and_read_back(prod: dict[str, Any]) -> None:
    # The provider tags a mapping on create and lists its tags on every read (provider 5.70+; Lambda Developer
    # Guide, "Using tags on event source mappings").
    mapping = "arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:14e0db71-5d35-4eb5-b481-8945cf9d10c2"
    for action in ("lambda:TagResource", "lambda:ListTags", "lambda:GetEventSourceMapping"):
        assert grants_action(prod, action, mapping), action


def test_the_layer_grant_is_any_version_of_the_public_layer_in_the_environments_region(prod: dict[str, Any]) -> None:
    layer = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64"
    assert grants_action(prod, "lambda:GetLayerVersion", f"{layer}:31")  # not only the mock's version 30


def test_every_regional_arn_is_in_the_environments_own_region(tmp_path: Path) -> None:
    evaluation = evaluated((deployer_policy.ROOT / "envs" / "dev").resolve(), "ap-southeast-2")
    document = deployer_policy.policy(evaluation, [(d.type, d.values) for d in evaluation.data])
    arns = [r for s in document["Statement"] for r in (s["Resource"] if isinstance(s["Resource"], list) else [])]
    elsewhere = [a for a in arns if a.split(":")[3] not in ("ap-southeast-2", "")]  # global services: ""
    assert arns
    assert elsewhere == []


def test_buckets_named_by_prefix_are_granted_by_prefix_before_any_merge(tmp_path: Path) -> None:
    evaluation = evaluated((deployer_policy.ROOT / "envs" / "local").resolve())
    document = deployer_policy.policy(evaluation, [])  # no name prefix: nothing shortened or merged
    buckets = {r for s in document["Statement"] if s["Sid"].startswith("S3") for r in s["Resource"]}
    assert "arn:aws:s3:::items-local-ingest-*" in buckets
    assert not any(b.endswith("local") or "local/" in b for b in buckets), buckets  # the runtime's names


def test_the_reader_policy_can_plan_but_not_apply(local_policies: tuple[dict[str, Any], dict[str, Any]]) -> None:
    deployer, reader = local_policies
    assert check_policy(reader, "reader") == []
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/items-local-items"
    assert grants_action(reader, "dynamodb:DescribeTable", table)
    assert grants_action(reader, "dynamodb:ListTagsOfResource", table)
    assert not grants_action(reader, "dynamodb:DeleteTable", table)
    assert grants_action(deployer, "dynamodb:DeleteTable", table)
    granted = {a for s in reader["Statement"] for a in s["Action"]}
    assert not {"iam:PassRole", "lambda:CreateFunction", "dynamodb:CreateTable"} & granted
