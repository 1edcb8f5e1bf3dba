"""Users of a deployed environment's API (COGNITO, the stack's default), after its first apply:

    make user ENV=dev EMAIL=ada@example.com     # python -m scripts.users user dev --email ada@example.com
    make token ENV=dev EMAIL=ada@example.com    # python -m scripts.users token dev --email ada@example.com

`user` creates the user in the stack's pool as an administrator would (the pool allows no sign-up) and prints
a temporary password once. `token` signs in with SRP, the only flow the stack's public app client allows, and
prints the ID token the API takes in `Authorization` (an hour): the first sign-in sets a new password. Passwords
come from COGNITO_PASSWORD and COGNITO_NEW_PASSWORD when set (CI), else from a prompt. The pool and client come
from the environment's `terraform output -json` (or `--outputs FILE`, such a file). `make token` without ENV, or
with ENV=local, is the running `make local`'s token instead (scripts/localrt/token.py).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from scripts.deploy import Refusal, environment_region, environment_root, init_command

ROOT = Path(__file__).resolve().parent.parent


def outputs_of(env: str, outputs_file: Path | None) -> dict[str, Any]:
    """The environment's outputs (terraform output -json, values unwrapped)."""
    if outputs_file is not None:
        raw = json.loads(outputs_file.read_text())
    else:
        root = environment_root(env)
        for command in (init_command(root), ["terraform", "output", "-json"]):
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise Refusal(
                    f"`{' '.join(command[:2])}` failed in envs/{env}: apply the environment first ({done.stderr.strip()[-200:]})"
                )
        raw = json.loads(done.stdout)
    outputs = {name: value.get("value", value) if isinstance(value, dict) else value for name, value in raw.items()}
    if not outputs.get("user_pool_id"):
        raise Refusal(f"envs/{env}'s API has no user pool of its own (its api_authorization is not COGNITO)")
    return outputs


def temporary_password() -> str:
    """Cognito's default policy: 8+ characters with upper and lower case, a digit and a symbol."""
    return f"Tmp-{secrets.token_urlsafe(12)}-9a"


def create_user(idp: Any, pool_id: str, email: str) -> str:
    """The user, e-mail verified, and its temporary password (Cognito sends nothing: printed once here)."""
    password = temporary_password()
    try:
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
    except idp.exceptions.UsernameExistsException:
        raise Refusal(f"{email} is already a user of {pool_id}: make token ENV=<env> EMAIL={email}") from None
    return password


def secret(variable: str, prompt: str) -> str:
    return os.environ.get(variable) or getpass.getpass(prompt)


def sign_in(pool_id: str, client_id: str, region: str, email: str) -> str:
    """An ID token by SRP; the first sign-in of a new user sets its own password."""
    from pycognito import Cognito
    from pycognito.exceptions import ForceChangePasswordException

    user = Cognito(pool_id, client_id, username=email, user_pool_region=region)
    password = secret("COGNITO_PASSWORD", f"Password of {email}: ")
    try:
        user.authenticate(password=password)
    except ForceChangePasswordException:
        new = secret("COGNITO_NEW_PASSWORD", f"New password for {email} (first sign-in): ")
        user.new_password_challenge(password=password, new_password=new)
    return str(user.id_token)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("action", choices=["user", "token"])
    parser.add_argument("env", nargs="?", default="")
    parser.add_argument("--email", default="")
    parser.add_argument("--outputs", type=Path, help="a `terraform output -json` file instead of the state's")
    args = parser.parse_args(argv)
    try:
        if not args.email:
            raise Refusal(f"name the user: make {args.action} ENV={args.env or '<env>'} EMAIL=<address>")
        outputs = outputs_of(args.env, args.outputs)
        region = str(outputs.get("region") or environment_region(args.env))
        if args.action == "user":
            idp = boto3.client("cognito-idp", region_name=region)
            password = create_user(idp, outputs["user_pool_id"], args.email)
            print(
                f"make user: {args.email} created in {outputs['user_pool_id']}; temporary password (shown once): "
                f"{password}\nThen: make token ENV={args.env} EMAIL={args.email} (the first sign-in sets a new password)",
                file=sys.stderr,
            )
        else:
            print(sign_in(outputs["user_pool_id"], outputs["user_pool_client_id"], region, args.email))
    except Refusal as refusal:
        print(f"make {args.action}: {refusal}", file=sys.stderr)
        return 2
    except NoCredentialsError:
        print(
            f"make {args.action}: no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID first", file=sys.stderr
        )
        return 2
    except (BotoCoreError, ClientError) as error:
        code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
        print(f"make {args.action}: Cognito refused ({code}): {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
