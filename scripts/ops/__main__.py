"""The operator's commands against an environment (ENV=local is the running make local).

    python -m scripts.ops status --env <env> [--json]
    python -m scripts.ops dlq --env <env> [--queue <kind or name>] [--limit N] [--json]
    python -m scripts.ops redrive --env <env> --queue <kind, name or all> [--limit N] [--dry-run] [--json]
    python -m scripts.ops replay --env <env> --from <time> --to <time> [--rule <name>] [--json]
    python -m scripts.ops watch --env <env> [--id <item id>] [--for <seconds>]
    python -m scripts.ops backfill --env <env> --index <name or all> [--page-size N] [--json]

Exit codes: 0 nothing needs attention (redrive: everything went back), 1 something does (the report says what;
redrive: messages stay in their DLQ, each with its reason), 2 the command could not run
(one line on stderr: unknown environment, make local not running, no outputs, no credentials).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from scripts.ops import backfill, parked, redrive, replay, status, watch
from scripts.tfeval import environment_roots

ROOT = Path(__file__).resolve().parents[2]


class Refusal(Exception):
    """Why the command cannot run, in one line."""


def local_outputs(root: Path) -> dict[str, Any]:
    path = root / ".local" / "outputs.json"
    if not path.exists():
        raise Refusal(f"start make local first (no {path.relative_to(ROOT)})")
    try:
        outputs: dict[str, Any] = json.loads(path.read_text())
    except ValueError:
        raise Refusal(f"{path.relative_to(ROOT)} is not JSON: start make local again") from None
    return outputs


def applied_outputs(root: Path) -> dict[str, Any]:
    done = subprocess.run(["terraform", "output", "-json"], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip().startswith("{"):
        raise Refusal(f"envs/{root.name} has no outputs: apply it first (make apply ENV={root.name})")
    values = {name: output.get("value") for name, output in json.loads(done.stdout).items()}
    if not values:
        raise Refusal(f"envs/{root.name} has no outputs: apply it first (make apply ENV={root.name})")
    return values


def clients(env: str, outputs: dict[str, Any]) -> Any:
    if env == "local":
        session = boto3.Session(
            aws_access_key_id=outputs["aws_access_key_id"],
            aws_secret_access_key=outputs["aws_secret_access_key"],
            region_name=outputs["aws_region"],
        )
        return lambda name: session.client(name, endpoint_url=outputs["aws_endpoint_url"])
    session = boto3.Session()  # credentials and region from the usual chain
    return lambda name: session.client(name)


def show_dlqs(outputs: dict[str, Any], client: Any, args: argparse.Namespace) -> int:
    """The parked messages of one DLQ or every one, described, none consumed; exit 1 if there are any."""
    dlqs = outputs.get("dlqs") or {}
    chosen = {kind: q for kind, q in dlqs.items() if args.queue in ("", "all", kind, q.get("name"))}
    if not chosen:
        raise Refusal(f"no DLQ {args.queue!r}: QUEUE=<{'|'.join(sorted(dlqs))}> (or a queue name)")
    sqs, shown, found = client("sqs"), {}, 0
    kinds = sorted(chosen)
    walked = parked.each_queue(lambda kind: parked.walk(sqs, chosen[kind]["url"], max(1, args.limit)), kinds)
    for kind, messages in zip(kinds, walked, strict=True):
        queue = chosen[kind]
        found += len(messages)
        shown[kind] = [m.as_json() for m in messages]
        if not args.json and messages:
            print(f"{kind} ({queue['name']}): {len(messages)} shown")
            for m in messages:
                print(f"  {m.sent}  {m.what}\n      why: {m.why}  (received {m.receives} times)")
    if args.json:
        print(json.dumps(shown, indent=2))
    elif not found:
        print("No parked messages.")
    return 1 if found else 0


def run_redrive(outputs: dict[str, Any], client: Any, args: argparse.Namespace) -> int:
    """Every message of the chosen DLQ(s) back where it was going; exit 1 if any stays."""
    if not args.queue:
        dlqs = outputs.get("dlqs") or {}
        raise Refusal(f"name the DLQ: QUEUE=<{'|'.join(sorted(dlqs))}|all> (make dlq shows what each holds)")
    limit = 1000 if args.limit is None else args.limit
    try:
        summary = redrive.redrive(
            outputs, client, args.queue, max(1, limit), args.dry_run, redrive.quiet if args.json else redrive.bar
        )
    except redrive.NotRedriven as refusal:
        raise Refusal(str(refusal)) from None
    print(json.dumps(summary.as_json(), indent=2) if args.json else redrive.render(summary, args.dry_run))
    return 1 if summary.left else 0


def run_replay(outputs: dict[str, Any], client: Any, args: argparse.Namespace) -> int:
    """The archive's events of the window to the bus's rules (or one), followed until the replay ends."""
    if not args.start:
        raise Refusal("name the window: FROM=<ISO 8601 time> [TO=<time, default now>] [RULE=<rule>]")
    try:
        replayed = replay.replay(
            outputs,
            client,
            args.start,
            args.end,
            args.rule,
            replay.wait if args.json else replay.progress,
            dry_run=args.dry_run,
        )
    except replay.NotReplayed as refusal:
        raise Refusal(str(refusal)) from None
    print(json.dumps(replayed.as_json(), indent=2) if args.json else replay.render(replayed))
    return 0 if replayed.state in ("COMPLETED", replay.DRY_RUN) else 1


def run_watch(env: str, outputs: dict[str, Any], args: argparse.Namespace) -> int:
    """Item changes as they happen (live updates), one JSON line each."""
    url = outputs.get("live_updates_url")
    if not url:
        raise Refusal(f"envs/{env} serves no live updates (settings.live_updates is off)")
    authorization = (outputs.get("api_authorization") or {}).get("type")
    if authorization == "AWS_IAM":
        raise Refusal("this environment's WebSocket API takes SigV4-signed connects; make watch sends a token")
    token = os.environ.get("TOKEN") or outputs.get("demo_access_token")
    if authorization == "COGNITO" and not token:
        raise Refusal(f"a token is needed: export TOKEN=$(make -s token ENV={env} EMAIL=<you>)")
    what = f"item {args.id}" if args.id else "every item"
    print(f"make watch: changes of {what} on {url}" + (f" for {args.seconds:g} s" if args.seconds else ""), flush=True)
    try:
        received = watch.watch(url, token if authorization == "COGNITO" else None, args.id, args.seconds)
    except watch.NotWatched as refusal:
        raise Refusal(str(refusal)) from None
    except KeyboardInterrupt:
        return 0
    print(f"make watch: {received} change(s).", flush=True)
    return 0


def run_backfill(env: str, outputs: dict[str, Any], client: Any, args: argparse.Namespace) -> int:
    """The key attributes of query indexes on every item stored before the indexes existed; resumable."""
    if not args.index:
        declared = ((outputs.get("query_indexes") or {}).get("indexes")) or {}
        raise Refusal(f"name the index: INDEX=<{'|'.join(sorted(declared)) or 'none declared'}|all>")
    try:
        indexes = backfill.chosen_indexes(outputs.get("query_indexes"), args.index)
    except backfill.NotBackfilled as refusal:
        raise Refusal(str(refusal)) from None
    table = outputs["table_name"]
    checkpoint = backfill.checkpoint_path(env, table, indexes)
    resumed = checkpoint.exists()
    owner_isolation = bool(outputs["query_indexes"].get("owner_isolation"))
    try:
        with backfill.bar(table) as progress:
            counts = backfill.backfill(
                client("dynamodb"), table, indexes, owner_isolation, checkpoint, max(1, args.page_size), progress
            )
    except backfill.NotBackfilled as refusal:
        raise Refusal(str(refusal)) from None
    except KeyboardInterrupt:
        print(f"make backfill: interrupted; run it again to continue from {checkpoint.relative_to(ROOT)}.")
        return 1
    if args.json:
        print(json.dumps({"table": table, "indexes": [i.name for i in indexes], "resumed": resumed, **asdict(counts)}))
    else:
        print(backfill.render(table, indexes, counts, resumed))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.ops", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("command", choices=["status", "dlq", "redrive", "replay", "watch", "backfill"])
    parser.add_argument("--env", default="local")
    parser.add_argument("--json", action="store_true", help="the report as JSON, for scripts")
    parser.add_argument(
        "--queue", default="", help="dlq: a DLQ by kind (fanout, rule-audit, ...) or name; default every one"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="dlq: messages shown per queue (default 20); redrive: per queue (default 1000)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="redrive, replay: say what would be done, change nothing"
    )
    parser.add_argument("--from", dest="start", default="", help="replay: the window's start (ISO 8601, or now)")
    parser.add_argument("--to", dest="end", default="now", help="replay: the window's end (default now)")
    parser.add_argument("--rule", default="", help="replay: only this rule of the bus (default every rule)")
    parser.add_argument("--id", default="", help="watch: one item's changes (default every item's)")
    parser.add_argument(
        "--for", dest="seconds", type=float, default=None, help="watch: stop after this many seconds (default never)"
    )
    parser.add_argument("--index", default="", help="backfill: the query index (settings.api.indexes) or all")
    parser.add_argument("--page-size", type=int, default=backfill.PAGE_SIZE, help="backfill: items per scanned page")
    args = parser.parse_args(argv)
    try:
        roots = {root.name: root for root in environment_roots() if root.name != "bootstrap"}
        if args.env not in roots:
            raise Refusal(f"no environment {args.env!r}: ENV=<{'|'.join(sorted(roots))}>")
        outputs = local_outputs(roots[args.env]) if args.env == "local" else applied_outputs(roots[args.env])
        if args.command == "dlq":
            args.limit = 20 if args.limit is None else args.limit
            return show_dlqs(outputs, clients(args.env, outputs), args)
        if args.command == "redrive":
            return run_redrive(outputs, clients(args.env, outputs), args)
        if args.command == "replay":
            return run_replay(outputs, clients(args.env, outputs), args)
        if args.command == "watch":
            return run_watch(args.env, outputs, args)
        if args.command == "backfill":
            return run_backfill(args.env, outputs, clients(args.env, outputs), args)
        report = status.status(outputs, clients(args.env, outputs))
    except Refusal as refusal:
        print(f"make {args.command}: {refusal}.", file=sys.stderr)
        return 2
    except EndpointConnectionError as error:
        where = "the local runtime" if args.env == "local" else "AWS"
        print(
            f"make {args.command}: {where} does not answer at {error.kwargs.get('endpoint_url')}",
            end="",
            file=sys.stderr,
        )
        print(": start make local first." if args.env == "local" else ".", file=sys.stderr)
        return 2
    except NoCredentialsError:
        print(
            f"make {args.command}: no AWS credentials (the usual chain: AWS_PROFILE, environment, SSO).",
            file=sys.stderr,
        )
        return 2
    except (BotoCoreError, ClientError) as error:
        print(f"make {args.command}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_json(), indent=2) if args.json else status.render(report))
    return 1 if report.needs_attention else 0


if __name__ == "__main__":
    sys.exit(main())
