#!/usr/bin/env python3
"""terraform plan|apply|destroy for one environment root (envs/<name>), as `make plan ENV=dev` runs it.

Builds nothing itself (make builds the Lambda zips first); initialises the root with its backend
configuration (envs/<name>/backend.hcl, copied from backend.hcl.example) and passes the built
packages' paths and hashes as `lambda_packages`. Stops with one clear sentence when something a
deployment needs is missing, instead of a stack trace.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "build" / "lambdas" / "manifest.json"
LOCAL_ENVS = {"local"}  # state on disk, provider pointed at LocalStack: no AWS credentials needed
DEFAULT_LOCALSTACK_ENDPOINT = "http://localhost:4566"


class Refusal(Exception):
    """A reason not to run, worded for the person at the terminal."""


def environment_root(env: str) -> Path:
    envs = sorted(p.name for p in (ROOT / "envs").iterdir() if p.is_dir()) if (ROOT / "envs").is_dir() else []
    if not env:
        raise Refusal(f"Name an environment: ENV=<{'|'.join(envs) or 'name'}>.")
    root = ROOT / "envs" / env
    if not root.is_dir():
        raise Refusal(f"There is no environment '{env}' (known: {', '.join(envs) or 'none'}).")
    return root


def check_preconditions(action: str, env: str, confirm: str) -> None:
    if action == "destroy" and env == "prod" and confirm != "prod":
        raise Refusal("Refusing to destroy prod: run again with CONFIRM=prod if you mean it.")
    if os.environ.get("TF_PROVIDER_MODE") == "schema":
        raise Refusal(
            "The Terraform registry is unreachable here, so hashicorp/aws is served from its schema only "
            "and cannot plan or apply (not even against LocalStack); run this where registry.terraform.io is reachable."
        )
    if env in LOCAL_ENVS:
        endpoint = localstack_endpoint()
        if not localstack_answers(endpoint):
            raise Refusal(
                f"LocalStack is not answering at {endpoint}: start it (images since 2026.03 need LOCALSTACK_AUTH_TOKEN; "
                "localstack/localstack:4.14 is the last free one) or set LOCALSTACK_ENDPOINT."
            )
    elif not has_aws_credentials():
        raise Refusal("No AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY first.")
    if not MANIFEST.exists():
        raise Refusal("No Lambda build found: run `make build` first.")


def localstack_endpoint() -> str:
    return os.environ.get("LOCALSTACK_ENDPOINT", DEFAULT_LOCALSTACK_ENDPOINT).rstrip("/")


def localstack_answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=3) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def has_aws_credentials() -> bool:
    try:
        import boto3
    except ImportError:  # pragma: no cover - make setup installs it
        return bool(os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"))
    return boto3.Session().get_credentials() is not None


def lambda_packages_var(root: Path) -> str:
    """The manifest as the `lambda_packages` variable, with paths relative to the environment root."""
    functions = json.loads(MANIFEST.read_text())["functions"]
    packages = {
        name: {
            "path": os.path.relpath(ROOT / meta["path"], root),
            "source_code_hash": meta["source_code_hash"],
        }
        for name, meta in functions.items()
    }
    return json.dumps(packages, sort_keys=True)


def init_command(root: Path) -> list[str]:
    command = ["terraform", "init", "-input=false"]
    backend = root / "backend.hcl"
    if (root / "backend.hcl.example").exists():
        if not backend.exists():
            raise Refusal(
                f"{backend.relative_to(ROOT)} is missing: copy backend.hcl.example next to it and fill in your state bucket."
            )
        command.append(f"-backend-config={backend.name}")
    return command


def plan_command(action: str, env: str, root: Path) -> list[str]:
    command = ["terraform", action, "-input=false", f"-var=lambda_packages={lambda_packages_var(root)}"]
    if env in LOCAL_ENVS:
        command.append(f"-var=localstack_endpoint={localstack_endpoint()}")
    return command


def terraform(args: list[str], cwd: Path) -> None:
    completed = subprocess.run(args, cwd=cwd, check=False)
    if completed.returncode != 0:
        raise Refusal(f"`{' '.join(args[:2])}` failed in {cwd.relative_to(ROOT)} (see above).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["plan", "apply", "destroy"])
    parser.add_argument("env", nargs="?", default="")
    parser.add_argument("--confirm", default="")
    args = parser.parse_args(argv)
    try:
        root = environment_root(args.env)
        check_preconditions(args.action, args.env, args.confirm)
        terraform(init_command(root), root)
        terraform(plan_command(args.action, args.env, root), root)
    except Refusal as refusal:
        print(f"make {args.action}: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
