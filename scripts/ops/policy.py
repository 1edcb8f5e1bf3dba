"""The operator's least-privilege policy for one environment: what `make status`, `dlq`, `redrive`, `replay`
and `backfill` call, on that environment's exact resources, derived from Terraform's evaluation of it (the same one the
gates and the deployer policy read).

    python -m scripts.ops.policy prod        # writes build/operator-policy.prod.json

The account is `${aws:PrincipalAccount}` (an IAM policy variable), so one document serves any account. The
IAM gate checks it against AWS's Service Authorization Reference (tests/tooling/test_ops.py), and the local
runtime, which enforces IAM, runs every command as an identity holding only this policy
(tests/e2e/test_operations.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scripts.deployer_policy import ACCOUNT
from scripts.tfeval import Evaluation, environment_roots, evaluated

ROOT = Path(__file__).resolve().parents[2]
# The STANDARD state machines make status lists the failures of (status.STANDARD_MACHINES, by output name).
STANDARD_MACHINE_OUTPUTS = ("workflow_state_machine_arn", "import_state_machine_arn")


def _queue_arn(evaluation: Evaluation, url: str) -> str:
    return f"arn:aws:sqs:{evaluation.region}:{evaluation.account}:{url.rsplit('/', 1)[-1]}"


def _statement(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)), "Resource": sorted(set(resources))}


def statements(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Each command's calls on the environment's resources (scripts/ops: status.py, parked.py, redrive.py,
    replay.py); a statement with nothing to name is left out."""
    region, account, outputs = evaluation.region, evaluation.account, evaluation.outputs

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{account}:{resource}"

    dlqs = list((outputs.get("dlqs") or {}).values())
    targets = [t.values for t in evaluation.of_type("aws_cloudwatch_event_target")]
    target_arns = [str(t["arn"]) for t in targets]
    machines = [str(outputs[name]) for name in STANDARD_MACHINE_OUTPUTS if outputs.get(name)]
    async_functions = [
        str(c.values["function_name"]) for c in evaluation.of_type("aws_lambda_function_event_invoke_config")
    ]
    stream_readers = [str(q["function_name"]) for q in dlqs if q.get("function_name")]
    streams = {str(q["stream_arn"]).split("/stream/")[0] + "/stream/*" for q in dlqs if q.get("stream_arn")}
    bucket = outputs.get("results_bucket_name")
    rules = [r.values for r in evaluation.of_type("aws_cloudwatch_event_rule")]
    found = [
        # status (depth, oldest), dlq (each message looked at and released), redrive (taken, then deleted
        # or released)
        _statement(
            "SeeAndTakeParkedMessages",
            ["sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"],
            [_queue_arn(evaluation, q["url"]) for q in dlqs],
        ),
        _statement(
            "PutMessagesBackOntoTheirQueues",
            ["sqs:SendMessage", "sqs:GetQueueUrl"],
            [_queue_arn(evaluation, q["source_queue_url"]) for q in dlqs if q.get("source_queue_url")]
            + [a for a in target_arns if a.startswith("arn:aws:sqs:")],
        ),
        _statement("ListFailedExecutions", ["states:ListExecutions"], machines),
        _statement(
            "ReadFailedExecutions",
            ["states:DescribeExecution"],
            [m.replace(":stateMachine:", ":execution:") + ":*" for m in machines],
        ),
        _statement(
            "StartWorkflowsAgain",
            ["states:StartExecution"],
            machines[:1] + [a for a in target_arns if a.startswith("arn:aws:states:")],
        ),
        _statement(
            "InvokeFunctionsAgain",
            ["lambda:InvokeFunction"],
            [arn("lambda", f"function:{name}") for name in [*stream_readers, *async_functions]]
            + [a for a in target_arns if a.startswith("arn:aws:lambda:")],
        ),
        _statement(
            "RereadStreamRecords",
            ["dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"],
            list(streams),
        ),
        _statement(
            "ReadAlarms",
            ["cloudwatch:DescribeAlarms"],
            [arn("cloudwatch", f"alarm:{name}") for name in (outputs.get("alarm_names") or {}).values()],
        ),
        # ListEventSourceMappings names no resource (Service Authorization Reference, AWS Lambda).
        _statement("ListStreamMappings", ["lambda:ListEventSourceMappings"], ["*"] if stream_readers else []),
        _statement("ListImportReports", ["s3:ListBucket"], [f"arn:aws:s3:::{bucket}"] if bucket else []),
        _statement("ReadImportReports", ["s3:GetObject"], [f"arn:aws:s3:::{bucket}/reports/*"] if bucket else []),
        _statement("PublishToTopicTargets", ["sns:Publish"], [a for a in target_arns if a.startswith("arn:aws:sns:")]),
        _statement(
            "ReadRulesAndTargets",
            ["events:ListTargetsByRule", "events:DescribeRule"],
            [arn("events", _rule_path(r)) for r in rules],
        ),
    ]
    table = outputs.get("table_name")
    if table and ((outputs.get("query_indexes") or {}).get("indexes")):
        # backfill (scripts/ops/backfill.py): pages of the table, a re-read when an update raced, the write
        found.append(
            _statement(
                "BackfillQueryIndexKeys",
                ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:UpdateItem"],
                [arn("dynamodb", f"table/{table}")],
            )
        )
    archive = outputs.get("event_archive_arn")
    bus = outputs.get("event_bus_arn")
    if archive and bus:
        found += [
            # ListRules names no resource (Service Authorization Reference, Amazon EventBridge): replay reads the
            # bus's rules to resolve RULE=<name>.
            _statement("ListTheBusRules", ["events:ListRules"], ["*"]),
            _statement("ReplayTheArchive", ["events:StartReplay"], [str(archive), str(bus)]),
            _statement("FollowReplays", ["events:DescribeReplay"], [arn("events", "replay/*")]),
        ]
    return [s for s in found if s["Resource"]]


def _rule_path(values: dict[str, Any]) -> str:
    bus = values.get("event_bus_name") or "default"
    return f"rule/{values['name']}" if bus == "default" else f"rule/{bus}/{values['name']}"


def policy(evaluation: Evaluation, account: str = ACCOUNT) -> dict[str, Any]:
    """The policy document, with `account` (default: the IAM policy variable) in every ARN."""
    text = json.dumps({"Version": "2012-10-17", "Statement": statements(evaluation)})
    return dict(json.loads(text.replace(f":{evaluation.account}:", f":{account}:")))


def main(argv: list[str] | None = None) -> int:
    roots = {root.name: root for root in environment_roots() if root.name != "bootstrap"}
    parser = argparse.ArgumentParser(prog="python -m scripts.ops.policy", description=__doc__.splitlines()[0])
    parser.add_argument("env", help=f"one of {', '.join(sorted(roots))}")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.env not in roots:
        print(f"make operator-policy: no environment {args.env!r}: ENV=<{'|'.join(sorted(roots))}>.", file=sys.stderr)
        return 2
    output = args.output or ROOT / "build" / f"operator-policy.{args.env}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(policy(evaluated(roots[args.env].resolve())), indent=2) + "\n")
    print(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
