"""`make token [ENV=local]`: a fresh ID token of the local user of a running `make local`, on one line (its
tokens last an hour, as the pool's app client says): `export TOKEN=$(make -s token)`.

The runtime's outputs name the pool, its app client and the local operator's keys (envs/<env>/.local/
outputs.json); the local user is signed in again as `make local` signed it in.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.localrt import cognito
from scripts.localrt.cognito import LOCAL_USER

ROOT = Path(__file__).resolve().parents[2]


def token(outputs: dict[str, str]) -> str:
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=outputs["aws_endpoint_url"],
        region_name=outputs["aws_region"],
        aws_access_key_id=outputs["aws_access_key_id"],
        aws_secret_access_key=outputs["aws_secret_access_key"],
    )
    return cognito.sign_in(idp, outputs["user_pool_id"], outputs["user_pool_client_id"], LOCAL_USER)["IdToken"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--env", default="local")
    args = parser.parse_args(argv)
    path = ROOT / "envs" / args.env / ".local" / "outputs.json"
    try:
        if not path.exists():
            raise LookupError(f"no local runtime of envs/{args.env} has started: start make local first")
        outputs = json.loads(path.read_text())
        if "user_pool_id" not in outputs:
            raise LookupError(f"envs/{args.env}'s API takes no Cognito token (its api_authorization is not COGNITO)")
        print(token(outputs))
    except LookupError as refusal:
        print(f"make token: {refusal}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(
            f"make token: the local runtime at {outputs['aws_endpoint_url']} does not answer ({type(error).__name__}): start make local first",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
