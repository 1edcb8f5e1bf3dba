"""The deployer policy: everything `terraform apply` needs for an environment, nothing on other resources, and
valid against AWS's Service Authorization Reference (the IAM gate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import deployer_policy
from scripts.gates.iam_catalogue import check_policy
from scripts.localrt.evaluate import Evaluation, Resource

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
