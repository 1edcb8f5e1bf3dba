#!/usr/bin/env python3
"""terraform plan|apply|destroy for one environment root (envs/<name>), as `make plan ENV=dev` runs it, and
`make bootstrap ENV=dev` (envs/bootstrap, once per account and region).

Initialises the root with its backend configuration (envs/<name>/backend.hcl, copied from
backend.hcl.example) and passes the built packages' paths and hashes as `lambda_packages` (make builds them
first; for LocalStack they are rebuilt with powertools bundled in, since its free image cannot fetch the
public layer). Before any terraform command against AWS, a preflight makes a few read-only calls: the
credentials answer, the state bucket exists, the account and region are bootstrapped, the powertools
layer's public parameter exists in the region, and prod's alarms reach someone. Each failure stops with
one sentence saying how to fix it, instead of a stack trace or a five-minute AccessDenied retry loop.
With CI=true, apply and destroy run with -auto-approve; at a terminal Terraform asks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts import build_lambdas
from scripts.tfeval import SHARED_ROOT_FILES

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "build" / "lambdas" / "manifest.json"
PYPROJECT = ROOT / "pyproject.toml"
BUNDLED_OUTPUT = ROOT / "build" / "lambdas-bundled"  # packages with powertools inside, for LocalStack
BOOTSTRAP = "bootstrap"  # envs/bootstrap: once per account and region, never an environment of its own
DEFAULT_REGION = "eu-west-1"  # the environments' default (envs/<env>/variables.tf)
# What modules/lambda_function resolves the public powertools layer from (its defaults; pyproject's pin).
POWERTOOLS_PARAMETER = "/aws/service/powertools/python/arm64/python3.13/{version}"
PLACEHOLDER_ADDRESS = re.compile(r"@example\.(com|org|net)\b")
LOCAL_ENVS = {"local"}  # state on disk, provider pointed at LocalStack: no AWS credentials needed
DEFAULT_LOCALSTACK_ENDPOINT = "http://localhost:4566"


class Refusal(Exception):
    """A reason not to run, worded for the person at the terminal."""


def environment_root(env: str) -> Path:
    folders = (ROOT / "envs").iterdir() if (ROOT / "envs").is_dir() else iter(())
    envs = sorted(p.name for p in folders if p.is_dir() and p.name not in (BOOTSTRAP, SHARED_ROOT_FILES))
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


def tfvars(env: str) -> str:
    path = ROOT / "envs" / env / "terraform.tfvars"
    return path.read_text() if path.exists() else ""


def environment_region(env: str) -> str:
    """The region an environment deploys to: its tfvars' `region`, else the variables' default."""
    match = re.search(r'^\s*region\s*=\s*"([^"]+)"', tfvars(env), re.M)
    return match.group(1) if match else DEFAULT_REGION


def backend_setting(root: Path, name: str) -> str | None:
    backend = root / "backend.hcl"
    if not backend.exists():
        return None
    match = re.search(rf'^\s*{name}\s*=\s*"([^"]+)"', backend.read_text(), re.M)
    return match.group(1) if match else None


def pinned_powertools() -> str:
    import tomllib

    dev = tomllib.loads(PYPROJECT.read_text())["dependency-groups"]["dev"]
    # "aws-lambda-powertools[tracer]==3.37.0": the version, whatever extras the pin names
    return str(next(d.split("==")[1] for d in dev if re.match(r"aws-lambda-powertools(\[[^\]]*\])?==", d)))


ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client


def boto3_client(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region)  # type: ignore[call-overload]  # (service is a variable)


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return str(code or type(error).__name__)


def preflight(env: str, root: Path, clients: ClientFactory) -> None:
    """Read-only calls that catch what would otherwise fail mid-apply (or hang in AccessDenied retries)."""
    region = environment_region(env)
    try:
        account = clients("sts", region).get_caller_identity()["Account"]
    except Exception as error:  # any botocore failure: expired token, no network, no credentials
        raise Refusal(
            f"AWS credentials do not answer (sts:GetCallerIdentity: {error_code(error)}): refresh them "
            "(aws sso login, AWS_PROFILE) and run again."
        ) from error
    bucket = backend_setting(root, "bucket")
    if bucket is not None:
        try:
            clients("s3", backend_setting(root, "region") or region).head_bucket(
                Bucket=bucket, ExpectedBucketOwner=account
            )
        except Exception as error:
            raise Refusal(
                f"The state bucket {bucket} named in {(root / 'backend.hcl').relative_to(ROOT)} does not exist or is "
                f"not account {account}'s, or s3:ListBucket on it is not granted ({error_code(error)}): create it "
                "(versioned, encrypted), fix backend.hcl or grant the permission."
            ) from error
    if env == BOOTSTRAP:
        return
    settings = tfvars(env)
    if env == "prod" and PLACEHOLDER_ADDRESS.search(settings.split("email_endpoints", 1)[-1].split("]", 1)[0]):
        raise Refusal(
            "envs/prod/terraform.tfvars still subscribes the placeholder address to prod's alarms: "
            "put your on-call address in settings.alarms.email_endpoints (or set settings.alarms.topic_arn)."
        )
    try:
        role = clients("apigateway", region).get_account().get("cloudwatchRoleArn")
    except Exception as error:
        raise Refusal(
            f"API Gateway's account settings in {region} cannot be read ({error_code(error)}): the identity needs "
            f"apigateway:GET on arn:aws:apigateway:{region}::/account (build/deployer-policy.{env}.json grants it)."
        ) from error
    if not role:
        raise Refusal(
            f"API Gateway in {region} has no CloudWatch Logs role for account {account}, so the API stage cannot "
            f"enable its access log: run `make bootstrap ENV={env}` once for this account and region."
        )
    if not re.search(r"\b(powertools_layer_arn\s*=|powertools_bundled\s*=\s*true)", settings):
        parameter = POWERTOOLS_PARAMETER.format(version=pinned_powertools())
        try:
            clients("ssm", region).get_parameter(Name=parameter)
        except Exception as error:
            raise Refusal(
                f"The public powertools layer parameter {parameter} cannot be read in {region} (ssm:GetParameter: "
                f"{error_code(error)}): "
                f"set settings.functions.powertools_layer_arn in envs/{env}/terraform.tfvars to a layer published in {region}."
            ) from error


def lambda_packages_var(root: Path, manifest: Path | None = None) -> str:
    """The manifest as the `lambda_packages` variable, with paths relative to the environment root."""
    manifest = manifest or MANIFEST
    functions = json.loads(manifest.read_text())["functions"]
    packages = {
        name: {
            "path": os.path.relpath(manifest.parent / meta["path"], root),  # manifest paths are relative to it
            "source_code_hash": meta["source_code_hash"],
        }
        for name, meta in functions.items()
    }
    return json.dumps(packages, sort_keys=True)


def require_backend(root: Path) -> None:
    backend = root / "backend.hcl"
    if (root / "backend.hcl.example").exists() and not backend.exists():
        raise Refusal(
            f"{backend.relative_to(ROOT)} is missing: copy backend.hcl.example next to it and fill in your state bucket."
        )


def init_command(root: Path) -> list[str]:
    command = ["terraform", "init", "-input=false"]
    require_backend(root)
    if (root / "backend.hcl").exists():
        command.append(f"-backend-config={(root / 'backend.hcl').name}")
    return command


def bootstrap_init_command(env_root: Path) -> list[str]:
    """envs/bootstrap's state goes to the environment's state bucket, under a key of its region."""
    require_backend(env_root)
    return [
        "terraform",
        "init",
        "-input=false",
        "-reconfigure",  # the same folder may bootstrap another account or region next time
        f"-backend-config={os.path.relpath(env_root / 'backend.hcl', ROOT / 'envs' / BOOTSTRAP)}",
        f"-backend-config=key=bootstrap/{environment_region(env_root.name)}/terraform.tfstate",
    ]


def approval(action: str) -> list[str]:
    """CI has no terminal to answer Terraform's prompt ("error asking for approval: EOF"); people do."""
    return ["-auto-approve"] if action in ("apply", "destroy") and os.environ.get("CI") == "true" else []


def plan_command(action: str, env: str, root: Path, manifest: Path | None = None) -> list[str]:
    command = ["terraform", action, "-input=false", *approval(action)]
    command.append(f"-var=lambda_packages={lambda_packages_var(root, manifest)}")
    if env in LOCAL_ENVS:
        command.append(f"-var=localstack_endpoint={localstack_endpoint()}")
    return command


def bundled_manifest() -> Path:
    """The packages with powertools inside (LocalStack's free image cannot fetch the public layer)."""
    build_lambdas.build(ROOT / "lambdas", BUNDLED_OUTPUT, build_lambdas.POWERTOOLS_BUNDLE)
    return BUNDLED_OUTPUT / "manifest.json"


def terraform(args: list[str], cwd: Path) -> None:
    completed = subprocess.run(args, cwd=cwd, check=False)
    if completed.returncode != 0:
        raise Refusal(f"`{' '.join(args[:2])}` failed in {cwd.relative_to(ROOT)} (see above).")


CLIENTS: ClientFactory = boto3_client


def bootstrap(env: str, env_root: Path) -> None:
    """Applies envs/bootstrap for the environment's account and region (idempotent: run it again freely)."""
    if env in LOCAL_ENVS:
        raise Refusal("LocalStack needs no bootstrap: run `make apply ENV=local`.")
    if os.environ.get("TF_PROVIDER_MODE") == "schema":
        check_preconditions("apply", env, "")  # the same one-sentence refusal as plan/apply
    if not has_aws_credentials():
        raise Refusal("No AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY first.")
    root = ROOT / "envs" / BOOTSTRAP
    require_backend(env_root)
    preflight(BOOTSTRAP, env_root, CLIENTS)
    terraform(bootstrap_init_command(env_root), root)
    terraform(
        ["terraform", "apply", "-input=false", *approval("apply"), f"-var=region={environment_region(env)}"], root
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["plan", "apply", "destroy", "bootstrap"])
    parser.add_argument("env", nargs="?", default="")
    parser.add_argument("--confirm", default="")
    args = parser.parse_args(argv)
    try:
        root = environment_root(args.env)
        if args.env == BOOTSTRAP:
            raise Refusal("envs/bootstrap is applied through an environment: run `make bootstrap ENV=<env>`.")
        if args.action == "bootstrap":
            bootstrap(args.env, root)
            return 0
        check_preconditions(args.action, args.env, args.confirm)
        if args.env in LOCAL_ENVS:
            manifest = bundled_manifest()
        else:
            preflight(args.env, root, CLIENTS)
            manifest = MANIFEST
        terraform(init_command(root), root)
        terraform(plan_command(args.action, args.env, root, manifest), root)
    except Refusal as refusal:
        print(f"make {args.action}: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
