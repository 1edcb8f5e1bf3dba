"""Cognito user pools on the local runtime: created in moto from the evaluated environment, and a sign-in helper.

moto chooses a pool's id, so the pools Terraform evaluated (with mock ids) are mapped to the ones moto
created: the API's authorizer names the evaluated ARN, the runtime verifies tokens of the moto pool.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from scripts.localrt.authorizers import UserPool
from scripts.tfeval import Evaluation

LOCAL_USER = "local@example.com"  # the user make local signs in, and make token again
# Local sign-in uses the admin password flow (no SRP client here); the app clients get it in addition.
LOCAL_AUTH_FLOW = "ALLOW_ADMIN_USER_PASSWORD_AUTH"


@dataclass
class LocalUserPools:
    by_arn: dict[str, UserPool] = field(default_factory=dict)  # evaluated ARN -> the pool moto runs
    client_ids: dict[str, str] = field(default_factory=dict)  # moto pool id -> its app client id

    @property
    def outputs(self) -> dict[str, Any]:
        """The stack outputs that name a pool or client, as they are on the local runtime."""
        pools = list(self.by_arn.values())
        if not pools:
            return {}
        pool = pools[0]
        return {"user_pool_id": pool.pool_id, "user_pool_client_id": self.client_ids.get(pool.pool_id)}


def deploy(idp: Any, evaluation: Evaluation, aws_endpoint: str) -> LocalUserPools:
    pools = LocalUserPools()
    moto_id_of: dict[str, str] = {}
    for pool in evaluation.of_type("aws_cognito_user_pool"):
        created = idp.create_user_pool(
            PoolName=pool.values["name"], UsernameAttributes=pool.values.get("username_attributes") or []
        )["UserPool"]
        moto_id_of[str(pool.values["id"])] = created["Id"]
        jwks = f"{aws_endpoint}/{created['Id']}/.well-known/jwks.json"
        pools.by_arn[str(pool.values["arn"])] = UserPool(created["Id"], evaluation.region, jwks)
    for client in evaluation.of_type("aws_cognito_user_pool_client"):
        pool_id = moto_id_of[str(client.values["user_pool_id"])]
        flows = [*(client.values.get("explicit_auth_flows") or []), LOCAL_AUTH_FLOW]
        created = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName=client.values["name"], ExplicitAuthFlows=flows
        )["UserPoolClient"]
        pools.client_ids[pool_id] = created["ClientId"]
    return pools


def sign_in(idp: Any, pool_id: str, client_id: str, username: str) -> dict[str, str]:
    """Creates `username` (an email) in the pool if needed and returns its tokens (IdToken, AccessToken)."""
    password = "Local-" + secrets.token_urlsafe(16) + "1a!"
    with contextlib.suppress(idp.exceptions.UsernameExistsException):
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    result = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return {"IdToken": result["IdToken"], "AccessToken": result["AccessToken"]}
