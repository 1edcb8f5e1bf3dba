"""The least-privilege IAM policy for the identity that runs `terraform plan|apply|destroy` on one environment.

    python -m scripts.deployer_policy dev          # writes build/deployer-policy.dev.json

From the environment as Terraform evaluates it (the same evaluation the local runtime and the gates use), each
resource and data source the environment manages or reads is turned into the calls the AWS provider makes for
it (create, read, update, delete, tags), on that resource's exact ARN. Besides the resources:

- plan-time calls: the provider validates every state machine definition at plan
  (`states:ValidateStateMachineDefinition`), reads the caller's identity and the powertools parameter;
- log delivery for state machines with logging: `logs:CreateLogDelivery`, `PutResourcePolicy`,
  `DescribeResourcePolicies`, `DescribeLogGroups`, ... for the caller, not only for the state machine's role
  (Step Functions developer guide, "IAM policies for logging to CloudWatch Logs");
- `iam:PassRole` on each role a service is given (Lambda, Step Functions, API Gateway, EventBridge targets,
  Scheduler schedules);
- the state in S3 with native locking (`use_lockfile`): the state object and its `.tflock` beside it.

The account is written as `${aws:PrincipalAccount}` (an IAM policy variable), so one document serves any
account. Actions that support no resource-level permissions (proved from AWS's Service Authorization
Reference by the IAM gate's data) go into one statement on `*`; every other statement names exact ARNs.
The IAM gate checks the result (tests/test_deployer_policy.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from scripts.evaluations import evaluated
from scripts.gates.iam_catalogue import action_resource_formats
from scripts.localrt.evaluate import Evaluation, Resource

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "${aws:PrincipalAccount}"

TAGS = {
    "dynamodb": ["dynamodb:ListTagsOfResource", "dynamodb:TagResource", "dynamodb:UntagResource"],
    "sqs": ["sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue"],
    "sns": ["sns:ListTagsForResource", "sns:TagResource", "sns:UntagResource"],
    "iam": ["iam:ListRoleTags", "iam:TagRole", "iam:UntagRole"],
    "logs": ["logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:TagResource", "logs:UntagResource"],
    "lambda": ["lambda:ListTags", "lambda:TagResource", "lambda:UntagResource"],
    "states": ["states:ListTagsForResource", "states:TagResource", "states:UntagResource"],
    "events": ["events:ListTagsForResource", "events:TagResource", "events:UntagResource"],
    "cloudwatch": ["cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
}
API_GATEWAY_VERBS = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
LOG_DELIVERY = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]

Grant = tuple[list[str], list[str]]  # (actions, resource ARNs)


def _arn(values: dict[str, Any]) -> str:
    return str(values["arn"])


def _with_account(arn: str, account: str) -> str:
    return arn.replace(f":{account}:", f":{ACCOUNT}:").replace(f"::{account}:", f"::{ACCOUNT}:")


def _role_arn(name: str, account: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def _grants(resource: Resource, evaluation: Evaluation) -> list[Grant]:
    """What the provider calls to manage one resource, on which ARNs."""
    kind, v = resource.type, resource.values
    region, account = evaluation.region, evaluation.account
    if not kind.startswith("aws_"):  # terraform_data and the like live in the state only
        return []
    rest_apis = f"arn:aws:apigateway:{region}::/restapis"
    if kind == "aws_dynamodb_table":
        table = _arn(v)
        actions = [
            "dynamodb:CreateTable",
            "dynamodb:DescribeTable",
            "dynamodb:UpdateTable",
            "dynamodb:DeleteTable",
            "dynamodb:DescribeContinuousBackups",
            "dynamodb:UpdateContinuousBackups",
            "dynamodb:DescribeTimeToLive",
            "dynamodb:UpdateTimeToLive",
            "dynamodb:DescribeKinesisStreamingDestination",
            *TAGS["dynamodb"],
        ]
        return [(actions, [table]), (["dynamodb:DescribeStream"], [f"{table}/stream/*"])]
    if kind == "aws_sqs_queue":
        actions = [
            "sqs:CreateQueue",
            "sqs:GetQueueAttributes",
            "sqs:SetQueueAttributes",
            "sqs:DeleteQueue",
            "sqs:GetQueueUrl",
        ]
        return [([*actions, *TAGS["sqs"]], [_arn(v)])]
    if kind == "aws_sqs_queue_policy":
        # The queue is the one its policy document names (its URL may come from a data source).
        queues = sorted({str(s["Resource"]) for s in json.loads(v["policy"])["Statement"]})
        return [(["sqs:GetQueueAttributes", "sqs:SetQueueAttributes"], queues)]
    if kind == "aws_sns_topic":
        actions = ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:DeleteTopic"]
        return [([*actions, *TAGS["sns"]], [_arn(v)])]
    if kind == "aws_sns_topic_subscription":
        return [
            (["sns:Subscribe", "sns:GetTopicAttributes"], [v["topic_arn"]]),
            (["sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"], []),
        ]
    if kind == "aws_iam_role":
        actions = [
            "iam:CreateRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:DeleteRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            # Every role here is handed to a service (Lambda, Step Functions, API Gateway, EventBridge,
            # EventBridge Scheduler).
            "iam:PassRole",
        ]
        return [([*actions, *TAGS["iam"]], [_arn(v)])]
    if kind == "aws_iam_role_policy":
        return [(["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"], [_role_arn(v["role"], account)])]
    if kind == "aws_cloudwatch_log_group":
        actions = [
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy",
        ]
        return [([*actions, *TAGS["logs"]], [_arn(v)]), (["logs:DescribeLogGroups"], [])]
    if kind == "aws_lambda_function":
        actions = [
            "lambda:CreateFunction",
            "lambda:GetFunction",
            "lambda:GetFunctionConfiguration",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:DeleteFunction",
            "lambda:ListVersionsByFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:GetRuntimeManagementConfig",
            "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency",
            *TAGS["lambda"],
        ]
        grants: list[Grant] = [(actions, [_arn(v)])]
        layers = [layer for layer in v.get("layers") or [] if isinstance(layer, str)]
        if layers:  # CreateFunction with a layer reads it
            grants.append((["lambda:GetLayerVersion"], layers))
        return grants
    if kind == "aws_lambda_permission":
        return [(["lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"], [str(v["function_name"])])]
    if kind == "aws_lambda_function_event_invoke_config":
        function = f"arn:aws:lambda:{region}:{account}:function:{v['function_name']}"
        verbs = ["Put", "Get", "Update", "Delete"]
        return [([f"lambda:{verb}FunctionEventInvokeConfig" for verb in verbs], [function, f"{function}:*"])]
    if kind == "aws_lambda_event_source_mapping":
        mappings = f"arn:aws:lambda:{region}:{account}:event-source-mapping:*"  # its UUID is known after create
        return [
            (["lambda:CreateEventSourceMapping"], []),
            (
                ["lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
                [mappings],
            ),
        ]
    if kind == "aws_sfn_state_machine":
        actions = [
            "states:CreateStateMachine",
            "states:DescribeStateMachine",
            "states:UpdateStateMachine",
            "states:DeleteStateMachine",
            "states:ListStateMachineVersions",
            *TAGS["states"],
        ]
        # Plan validates the definition; logging needs log delivery for the caller too.
        return [(actions, [_arn(v)]), (["states:ValidateStateMachineDefinition", *LOG_DELIVERY], [])]
    if kind == "aws_cloudwatch_event_bus":
        actions = ["events:CreateEventBus", "events:DescribeEventBus", "events:UpdateEventBus", "events:DeleteEventBus"]
        return [([*actions, *TAGS["events"]], [_arn(v)])]
    if kind == "aws_cloudwatch_event_bus_policy":
        bus = f"arn:aws:events:{region}:{account}:event-bus/{v['event_bus_name']}"
        return [(["events:PutPermission", "events:RemovePermission", "events:DescribeEventBus"], [bus])]
    if kind == "aws_cloudwatch_event_rule":
        actions = [
            "events:PutRule",
            "events:DescribeRule",
            "events:DeleteRule",
            "events:EnableRule",
            "events:DisableRule",
        ]
        return [([*actions, "events:ListTargetsByRule", *TAGS["events"]], [_arn(v)])]
    if kind == "aws_cloudwatch_event_target":
        bus = v.get("event_bus_name") or "default"
        rule = v["rule"] if bus == "default" else f"{bus}/{v['rule']}"
        return [
            (
                ["events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule"],
                [f"arn:aws:events:{region}:{account}:rule/{rule}"],
            )
        ]
    if kind == "aws_cloudwatch_event_archive":
        archive = f"arn:aws:events:{region}:{account}:archive/{v['name']}"
        actions = ["events:DescribeArchive", "events:UpdateArchive", "events:DeleteArchive"]
        return [(["events:CreateArchive"], [archive, str(v["event_source_arn"])]), (actions, [archive])]
    if kind == "aws_cloudwatch_metric_alarm":
        alarm = f"arn:aws:cloudwatch:{region}:{account}:alarm:{v['alarm_name']}"
        return [
            (
                [
                    "cloudwatch:PutMetricAlarm",
                    "cloudwatch:DescribeAlarms",
                    "cloudwatch:DeleteAlarms",
                    *TAGS["cloudwatch"],
                ],
                [alarm],
            )
        ]
    if kind == "aws_cloudwatch_dashboard":
        dashboard = f"arn:aws:cloudwatch::{account}:dashboard/{v['dashboard_name']}"
        return [(["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"], [dashboard])]
    if kind in (
        "aws_api_gateway_rest_api",
        "aws_api_gateway_deployment",
        "aws_api_gateway_stage",
        "aws_api_gateway_method_settings",
    ):
        # The REST API's id is known after create: its paths, and tags (apigateway:PUT on /tags/<arn>).
        return [(API_GATEWAY_VERBS, [rest_apis, f"{rest_apis}/*", f"arn:aws:apigateway:{region}::/tags/*"])]
    if kind == "aws_s3_bucket":
        bucket = _arn(v)
        reads = [
            "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning",
            "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging",
            "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
            "s3:GetBucketObjectLockConfiguration", "s3:GetBucketTagging", "s3:GetBucketPolicy",
            "s3:GetBucketOwnershipControls", "s3:GetBucketPublicAccessBlock", "s3:ListBucket",
            "s3:ListBucketVersions",
        ]  # fmt: skip
        writes = ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging"]
        # force_destroy empties the bucket first.
        return [(reads + writes, [bucket]), (["s3:DeleteObject", "s3:DeleteObjectVersion"], [f"{bucket}/*"])]
    if kind in ("aws_s3_bucket_public_access_block", "aws_s3_bucket_ownership_controls",
                "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_lifecycle_configuration",
                "aws_s3_bucket_policy", "aws_s3_bucket_versioning", "aws_s3_bucket_notification"):  # fmt: skip
        bucket = f"arn:aws:s3:::{v['bucket']}"
        actions = {
            "aws_s3_bucket_public_access_block": ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
            "aws_s3_bucket_ownership_controls": ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
            "aws_s3_bucket_server_side_encryption_configuration": [
                "s3:PutEncryptionConfiguration",
                "s3:GetEncryptionConfiguration",
            ],
            "aws_s3_bucket_lifecycle_configuration": ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
            "aws_s3_bucket_policy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
            "aws_s3_bucket_versioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
            "aws_s3_bucket_notification": ["s3:PutBucketNotification", "s3:GetBucketNotification"],
        }[kind]
        return [(actions, [bucket])]
    if kind == "aws_scheduler_schedule":
        group = v.get("group_name") or "default"
        schedule = f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{v['name']}"
        verbs = ["Create", "Get", "Update", "Delete"]
        return [([f"scheduler:{verb}Schedule" for verb in verbs], [schedule])]
    if kind in ("aws_api_gateway_usage_plan", "aws_api_gateway_api_key", "aws_api_gateway_usage_plan_key"):
        # Ids are known after create: the usage plans' and keys' paths (a plan's keys are /usageplans/<id>/keys).
        paths = {
            "aws_api_gateway_usage_plan": "usageplans",
            "aws_api_gateway_api_key": "apikeys",
            "aws_api_gateway_usage_plan_key": "usageplans",
        }[kind]
        collection = f"arn:aws:apigateway:{region}::/{paths}"
        return [(API_GATEWAY_VERBS, [collection, f"{collection}/*", f"arn:aws:apigateway:{region}::/tags/*"])]
    if kind in ("aws_cognito_user_pool", "aws_cognito_user_pool_client"):
        pools = f"arn:aws:cognito-idp:{region}:{account}:userpool/*"  # the pool's id is known after create
        if kind == "aws_cognito_user_pool_client":
            verbs = ["Create", "Describe", "Update", "Delete"]
            return [([f"cognito-idp:{verb}UserPoolClient" for verb in verbs], [pools])]
        actions = [
            "cognito-idp:DescribeUserPool",
            "cognito-idp:UpdateUserPool",
            "cognito-idp:DeleteUserPool",
            "cognito-idp:GetUserPoolMfaConfig",
            "cognito-idp:SetUserPoolMfaConfig",
            "cognito-idp:ListTagsForResource",
            "cognito-idp:TagResource",
            "cognito-idp:UntagResource",
        ]
        return [(["cognito-idp:CreateUserPool"], []), (actions, [pools])]
    if kind == "aws_api_gateway_account":
        return [(["apigateway:GET", "apigateway:PATCH"], [f"arn:aws:apigateway:{region}::/account"])]
    raise ValueError(f"deployer_policy: no grant known for {kind} ({resource.address}); add it to _grants")


def _data_grants(kind: str, values: dict[str, Any], evaluation: Evaluation) -> list[Grant]:
    if kind == "aws_caller_identity":
        return [(["sts:GetCallerIdentity"], [])]
    if kind == "aws_ssm_parameter":  # AWS's public parameters have no account in their ARN
        return [(["ssm:GetParameter"], [f"arn:aws:ssm:{evaluation.region}::parameter{values['name']}"])]
    if kind == "aws_sqs_queue":
        return [
            (
                ["sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags"],
                [f"arn:aws:sqs:{evaluation.region}:{evaluation.account}:{values['name']}"],
            )
        ]
    return []  # aws_region, aws_partition: answered by the provider itself


def state_grants(bucket: str, key: str) -> list[Grant]:
    """The S3 backend with use_lockfile: list the bucket, read and write the state and its lock file."""
    return [
        (["s3:ListBucket"], [f"arn:aws:s3:::{bucket}"]),
        (["s3:GetObject", "s3:PutObject"], [f"arn:aws:s3:::{bucket}/{key}"]),
        (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [f"arn:aws:s3:::{bucket}/{key}.tflock"]),
    ]


def shorten(arns: list[str], name_prefix: str) -> list[str]:
    """ARNs of one statement whose names start with the environment's prefix become one wildcard per ARN shape
    (`...:alarm:items-prod-*`, `...:log-group:/aws/lambda/items-prod-*`) when three or more share it: the
    same actions on the same resource type of this environment only, in a document that fits IAM's size
    limits (10,240 characters for a role's inline policies, 6,144 for a managed policy)."""
    if len(arns) < 3 or not name_prefix:
        return arns
    shapes: dict[str, list[str]] = defaultdict(list)
    for arn in arns:
        at = arn.find(name_prefix)
        shapes[arn[: at + len(name_prefix)] if at >= 0 and "*" not in arn[:at] else arn].append(arn)
    shortened = []
    for shape, members in shapes.items():
        shortened += [shape + "*"] if len(members) >= 3 and shape.endswith(name_prefix) else members
    return sorted(shortened)


def policy(
    evaluation: Evaluation,
    data: list[tuple[str, dict[str, Any]]],
    extra: list[Grant] | None = None,
    name_prefix: str = "",
) -> dict[str, Any]:
    """One policy document: a statement per service with exact ARNs, and one for `*`-only actions."""
    by_service: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    unscoped: set[str] = set()
    grants = [g for r in evaluation.resources for g in _grants(r, evaluation)]
    grants += [g for kind, values in data for g in _data_grants(kind, values, evaluation)]
    for actions, resources in [*grants, *(extra or [])]:
        for action in actions:
            formats = action_resource_formats(action) or ("",)
            if not resources or not any(formats):
                unscoped.add(action)
                continue
            for resource in resources:
                by_service[action.split(":")[0]][_with_account(resource, evaluation.account)].add(action)
    statements: list[dict[str, Any]] = []
    for service in sorted(by_service):
        groups_of_arns = by_service[service]
        # Statements group the ARNs that need the same actions.
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for resource, granted in groups_of_arns.items():
            groups[tuple(sorted(granted))].append(resource)
        for index, (names, arns) in enumerate(sorted(groups.items(), key=lambda g: sorted(g[1]))):
            arns = shorten(arns, name_prefix)
            sid = re.sub(r"[^A-Za-z0-9]", "", service.title()) + (str(index + 1) if len(groups) > 1 else "")
            statements.append({"Sid": sid, "Effect": "Allow", "Action": list(names), "Resource": sorted(arns)})
    statements = fit(statements, name_prefix)
    if unscoped:
        statements.append(
            {"Sid": "NoResourceLevelPermissions", "Effect": "Allow", "Action": sorted(unscoped), "Resource": "*"}
        )
    return {"Version": "2012-10-17", "Statement": statements}


ROLE_POLICY_CHARACTERS = 10240  # IAM: a role's inline policies together (IAM User Guide, "IAM and STS quotas")


def fit(
    statements: list[dict[str, Any]], name_prefix: str, limit: int = ROLE_POLICY_CHARACTERS - 600
) -> list[dict[str, Any]]:
    """While the document is too large for a role (with room for the `*` statement), the statements of one
    service that act on this environment's resources only are merged, the service with the most such
    statements first: the union of their actions on the union of their resources, still this environment's
    alone. Each merge trades exactness for size; none happens while the exact document fits."""

    def own(statement: dict[str, Any]) -> bool:
        return bool(name_prefix) and all(name_prefix in arn for arn in statement["Resource"])

    while len(json.dumps(statements)) > limit:
        by_service: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for statement in statements:
            if own(statement):
                by_service[re.sub(r"[0-9]+$", "", statement["Sid"])].append(statement)
        mergeable = {service: group for service, group in by_service.items() if len(group) > 1}
        if not mergeable:
            return statements
        service, group = max(mergeable.items(), key=lambda item: len(json.dumps(item[1])))
        merged = {
            "Sid": f"{service}Environment",
            "Effect": "Allow",
            "Action": sorted({a for statement in group for a in statement["Action"]}),
            "Resource": shorten(sorted({r for statement in group for r in statement["Resource"]}), name_prefix),
        }
        statements = [s for s in statements if s not in group] + [merged]
    return statements


def backend_location(env: str) -> tuple[str, str]:
    """The state bucket and key of envs/<env>/backend.hcl (or its example), for the state statements."""
    folder = ROOT / "envs" / env
    for name in ("backend.hcl", "backend.hcl.example"):
        if (folder / name).exists():
            text = (folder / name).read_text()
            found = dict(re.findall(r'^\s*(bucket|key)\s*=\s*"([^"]+)"', text, re.M))
            return found.get("bucket", "<state-bucket>"), found.get("key", f"{env}/terraform.tfstate")
    return "<state-bucket>", f"{env}/terraform.tfstate"


def environment_prefix(env: str) -> str:
    """`<project>-<environment>-`, the start of every resource name of an environment (envs/<env>/main.tf)."""
    tfvars = ROOT / "envs" / env / "terraform.tfvars"
    text = tfvars.read_text() if tfvars.exists() else ""
    project = re.search(r'^\s*project\s*=\s*"([^"]+)"', text, re.M)
    environment = re.search(r'^\s*environment\s*=\s*"([^"]+)"', text, re.M)
    if environment is None:
        return ""
    return f"{project.group(1) if project else 'items'}-{environment.group(1)}-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("env", help="an environment of envs/ (bootstrap included)")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    if not (ROOT / "envs" / args.env / "main.tf").exists():
        parser.error(f"there is no environment envs/{args.env}")
    evaluation = evaluated((ROOT / "envs" / args.env).resolve())
    bucket, key = backend_location("dev" if args.env == "bootstrap" else args.env)
    if args.env == "bootstrap":
        key = f"bootstrap/{evaluation.region}/terraform.tfstate"
    data = [(d.type, d.values) for d in evaluation.data]
    document = policy(evaluation, data, state_grants(bucket, key), name_prefix=environment_prefix(args.env))
    output = args.output or ROOT / "build" / f"deployer-policy.{args.env}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n")
    size = len(json.dumps(document, separators=(",", ":")))
    print(
        f"{output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}: {len(document['Statement'])} statements, {size} characters"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
