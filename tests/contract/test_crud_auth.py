"""The CRUD API's authorization modes through the local stage: the rendered document (crud_api's definition
module with each mode), tokens issued by a Cognito user pool in moto, API keys, and the refusal of modes the
local runtime cannot verify.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from moto.utilities.utils import load_resource

from scripts.localrt import cognito
from scripts.localrt.apigateway import RestApi
from scripts.localrt.authorizers import (
    Authorizers,
    AuthorizerUnauthorized,
    Stage,
    UnsupportedAuthorization,
    UserPool,
)
from scripts.tfeval import crud_definition
from tests.conftest import REGION
from tests.contract.crud_client import CrudClient, build_crud, lambda_authorizer

POOL_ARN = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Mock00001"
MOTO_PUBLIC_KEYS = KeySet.import_key_set(load_resource("cognitoidp/resources/jwks-public.json"))
MOTO_PRIVATE_KEY = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


@pytest.fixture(scope="module")
def protected_definition() -> dict[str, Any]:
    return crud_definition(
        table_name="items",
        authorization="COGNITO",
        cognito_user_pool_arns=[POOL_ARN],
        authorization_scopes={"delete": ["items/admin"]},
        api_key_required=True,
    )


class Caller:
    """A user of the moto pool, and the stage that must recognise its tokens."""

    def __init__(self, definition: dict[str, Any], keys: set[str]) -> None:
        idp = boto3.client("cognito-idp", region_name=REGION)
        self.pool_id = idp.create_user_pool(PoolName="users", UsernameAttributes=["email"])["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName="api", ExplicitAuthFlows=[cognito.LOCAL_AUTH_FLOW]
        )["UserPoolClient"]["ClientId"]
        self.tokens = cognito.sign_in(idp, self.pool_id, client_id, "ada@example.com")
        self.keys = keys
        pool = UserPool(self.pool_id, REGION, "unused: keys are injected")
        authorizers = Authorizers(
            definition["openapi"], {POOL_ARN: pool}, api_keys=lambda: self.keys, fetch_keys=lambda _: MOTO_PUBLIC_KEYS
        )
        self.crud: CrudClient = build_crud(definition, authorizers=authorizers)

    def token(self, **claims: Any) -> str:
        """A token signed with the pool's key, with these claims over a valid ID token's."""
        base = {
            "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}",
            "sub": "ada",
            "token_use": "id",
            "exp": int(time.time()) + 600,
        }
        return jwt.encode({"alg": "RS256", "kid": "dummy"}, {**base, **claims}, MOTO_PRIVATE_KEY)

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        return self.crud.request(method, path, body, headers=headers)


@pytest.fixture
def caller(aws: None, protected_definition: dict[str, Any]) -> Caller:
    return Caller(protected_definition, {"key-1"})


def test_a_pool_token_and_an_api_key_are_both_needed(caller: Caller) -> None:
    id_token = caller.tokens["IdToken"]
    created = caller.request("POST", "/items", {"name": "x"}, Authorization=id_token, **{"x-api-key": "key-1"})
    assert created.status == 201, created.body
    missing_token = caller.request("POST", "/items", {"name": "x"}, **{"x-api-key": "key-1"})
    assert (missing_token.status, missing_token.json()["error"]) == (401, "Unauthorized")
    for key in ("", "key-2"):
        refused = caller.request("GET", "/items", Authorization=id_token, **{"x-api-key": key})
        assert (refused.status, refused.json()["error"]) == (403, "Forbidden")
    assert len(caller.crud.stored()) == 1, "refused requests write nothing"


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"exp": int(time.time()) - 1}, "expired"),
        ({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "another pool"),
        ({"token_use": "access"}, "an access token where no scope is asked (API Gateway wants the ID token)"),
        # Issue #28, finding 8: these dropped the connection, or never expired, or were accepted.
        ({"exp": "abc"}, "an exp that is not a number"),
        ({"exp": [1]}, "an exp that is a list"),
        ({"exp": {"at": 1}}, "an exp that is an object"),
        ({"exp": None}, "an exp that is null"),
        ({"exp": "1e999"}, "an exp that is a string of a number"),
        ({"exp": True}, "an exp that is a boolean"),
        ({"nbf": int(time.time()) + 600}, "not valid before a time to come"),
        ({"nbf": "soon"}, "an nbf that is not a number"),
    ],
)
def test_tokens_api_gateway_would_refuse_are_401(caller: Caller, claims: dict[str, Any], why: str) -> None:
    response = caller.request("GET", "/items", Authorization=caller.token(**claims), **{"x-api-key": "key-1"})
    assert (response.status, response.json()["error"]) == (401, "Unauthorized"), why


def test_a_token_without_a_key_id_is_401(caller: Caller) -> None:
    claims = {
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{caller.pool_id}",
        "sub": "ada",
        "token_use": "id",
        "exp": int(time.time()) + 600,
    }
    keyless = jwt.encode({"alg": "RS256"}, claims, MOTO_PRIVATE_KEY)
    assert caller.request("GET", "/items", Authorization=keyless, **{"x-api-key": "key-1"}).status == 401


def test_a_token_signed_by_another_key_is_401(caller: Caller) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "dummy"})
    forged = jwt.encode({"alg": "RS256", "kid": "dummy"}, json.loads(json.dumps({"sub": "eve"})), stranger)
    assert caller.request("GET", "/items", Authorization=forged, **{"x-api-key": "key-1"}).status == 401


def test_scoped_operations_take_an_access_token_with_one_of_their_scopes(caller: Caller) -> None:
    item = caller.request(
        "POST", "/items", {"name": "x"}, Authorization=caller.tokens["IdToken"], **{"x-api-key": "key-1"}
    ).json()
    path = f"/items/{item['id']}"
    for token in (caller.tokens["IdToken"], caller.token(token_use="access", scope="items/read")):
        assert caller.request("DELETE", path, Authorization=token, **{"x-api-key": "key-1"}).status == 401
    admin = caller.token(token_use="access", scope="openid items/admin")
    assert caller.request("DELETE", path, Authorization=admin, **{"x-api-key": "key-1"}).status == 204


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "authorization": "CUSTOM",
            "custom_authorizer": {
                "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:a/invocations",
                "identity_sources": ["method.request.header.Authorization"],
                "result_ttl_in_seconds": 60,
            },
        },
        {"authorization": "COGNITO", "cognito_user_pool_arns": [POOL_ARN]},  # no such pool locally
    ],
)
def test_the_local_stage_refuses_to_serve_what_it_cannot_verify(overrides: dict[str, Any]) -> None:
    definition = crud_definition(table_name="items", **overrides)
    with pytest.raises(UnsupportedAuthorization):
        RestApi(definition["openapi"], lambda arn, payload: {}, stage="v1")


# --- owner isolation ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def owned_definition() -> dict[str, Any]:
    return crud_definition(
        table_name="items",
        authorization="COGNITO",
        cognito_user_pool_arns=[POOL_ARN],
        owner_claim="sub",
        owner_index_name="owner-index",
    )


def test_callers_see_and_change_only_their_own_items(aws: None, owned_definition: dict[str, Any]) -> None:
    ada = Caller(owned_definition, set())
    idp = boto3.client("cognito-idp", region_name=REGION)
    client_id = idp.list_user_pool_clients(UserPoolId=ada.pool_id)["UserPoolClients"][0]["ClientId"]
    bob_token = cognito.sign_in(idp, ada.pool_id, client_id, "bob@example.com")["IdToken"]
    ada_token = ada.tokens["IdToken"]

    mine = [ada.request("POST", "/items", {"name": f"ada-{n}"}, Authorization=ada_token).json()["id"] for n in range(3)]
    bobs = ada.request("POST", "/items", {"name": "bob-1"}, Authorization=bob_token).json()["id"]
    path = f"/items/{mine[0]}"

    # Another owner's item does not exist for bob, whatever he tries.
    assert ada.request("GET", path, Authorization=bob_token).status == 404
    assert ada.request("PUT", path, {"name": "stolen"}, Authorization=bob_token).status == 404
    assert ada.request("PUT", path, {"name": "stolen"}, Authorization=bob_token, **{"If-Match": '"1"'}).status == 404
    assert ada.request("DELETE", path, Authorization=bob_token).status == 404
    assert ada.request("DELETE", path, Authorization=bob_token, **{"If-Match": '"1"'}).status == 404
    assert ada.request("GET", path, Authorization=ada_token).json()["name"] == "ada-0", "nothing changed"

    # Each lists exactly their own items, page after page, from the owner index.
    def listed(token: str) -> list[str]:
        ids, cursor = [], None
        for _ in range(10):
            query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = ada.crud.request("GET", "/items", headers={"Authorization": token}, query=query).json()
            ids += [item["id"] for item in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                return ids
        raise AssertionError("pagination does not terminate")

    assert sorted(listed(ada_token)) == sorted(mine)
    assert listed(bob_token) == [bobs]
    stored = {item["id"]: item.get("owner") for item in ada.crud.stored()}
    assert len(set(stored.values())) == 2, "every item records its owner"
    assert "owner" not in ada.request("GET", path, Authorization=ada_token).json(), "the owner is not a field"


def test_a_token_without_the_owner_claim_is_refused(aws: None, owned_definition: dict[str, Any]) -> None:
    ada = Caller(owned_definition, set())
    claimless = ada.token(sub="")
    response = ada.request("POST", "/items", {"name": "x"}, Authorization=claimless)
    assert (response.status, response.json()["error"]) == (403, "AccessDenied")
    assert ada.crud.stored() == []


# --- AWS_IAM -------------------------------------------------------------------------------------------


def signed(method: str, path: str, credentials: Any, body: Any = None, query: str = "") -> tuple[dict[str, str], str]:
    """Headers and body of a request signed as an SDK signs it for execute-api (SigV4)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    text = "" if body is None else json.dumps(body)
    url = f"https://api.example.test/v1{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=text, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    return {**dict(request.headers.items()), "Host": "api.example.test"}, text  # HTTP sends the signed host


def test_iam_callers_need_a_valid_signature_and_execute_api_invoke(aws: None) -> None:
    from botocore.credentials import Credentials

    definition = crud_definition(table_name="items", authorization="AWS_IAM")
    stage = Stage(region=REGION, account="123456789012", api_id="a1b2c3", name="v1")
    crud = build_crud(definition, authorizers=Authorizers(definition["openapi"], stage=stage))
    iam = boto3.client("iam", region_name=REGION)
    keys = {}
    for user, actions in {"reader": ["GET"], "nobody": []}.items():
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        if actions:
            statement = {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": [f"arn:aws:execute-api:{REGION}:123456789012:a1b2c3/v1/{verb}/*" for verb in actions]
                + [f"arn:aws:execute-api:{REGION}:123456789012:a1b2c3/v1/{verb}/items" for verb in actions],
            }
            iam.put_user_policy(
                UserName=user,
                PolicyName="invoke",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
            )

    def call(method: str, path: str, credentials: Any, body: Any = None, query: str = "") -> Any:
        headers, text = signed(method, path, credentials, body, query)
        params = dict(pair.split("=", 1) for pair in query.split("&")) if query else {}
        return crud.request(method, path, raw=text if body is not None else None, headers=headers, query=params)

    assert call("GET", "/items", keys["reader"], query="limit=5").status == 200
    unsigned = crud.request("GET", "/items")
    assert (unsigned.status, unsigned.json()["error"]) == (403, "MissingAuthenticationToken")
    denied = call("POST", "/items", keys["reader"], {"name": "x"})
    assert (denied.status, denied.json()["error"]) == (403, "AccessDenied"), "reader may not create"
    assert call("GET", "/items", keys["nobody"]).status == 403
    forged = Credentials(keys["reader"].access_key, "not-the-secret")
    wrong = call("GET", "/items", forged)
    assert (wrong.status, wrong.json()["error"]) == (403, "InvalidSignature")
    stranger = call("GET", "/items", Credentials("AKIAIOSFODNN7EXAMPLE", "x"))
    assert stranger.status == 403
    assert crud.stored() == []


# --- CUSTOM (Lambda REQUEST authorizer) ------------------------------------------------------------------

AUTHORIZER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-authorizer"


def test_a_lambda_authorizer_decides_with_its_policy_cached_per_identity(aws: None) -> None:
    definition = crud_definition(
        table_name="items",
        authorization="CUSTOM",
        custom_authorizer=lambda_authorizer(AUTHORIZER_ARN, 300),
        owner_claim="tenant",
        owner_index_name="owner-index",
    )
    calls: list[str] = []

    def authorizer(uri: str, event: dict[str, Any]) -> dict[str, Any]:
        """A REQUEST authorizer as users write them: a policy for the caller, and a context."""
        assert AUTHORIZER_ARN in uri
        token = event["headers"]["Authorization"]
        calls.append(token)
        if token == "boom":
            raise RuntimeError("the authorizer crashed")
        if token == "expired":
            raise AuthorizerUnauthorized("Unauthorized")
        effect = "Deny" if token == "banned" else "Allow"
        api = event["methodArn"].split("/", 1)[0]
        statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": f"{api}/*"}
        return {"principalId": token, "policyDocument": {"Statement": [statement]}, "context": {"tenant": token}}

    crud = build_crud(definition, authorizers=Authorizers(definition["openapi"], invoke_authorizer=authorizer))
    created = crud.request("POST", "/items", {"name": "x"}, headers={"Authorization": "acme"})
    assert created.status == 201, created.body
    assert crud.request("GET", f"/items/{created.json()['id']}", headers={"Authorization": "acme"}).status == 200
    assert calls == ["acme"], "the answer is cached per identity for the TTL"
    other = crud.request("GET", f"/items/{created.json()['id']}", headers={"Authorization": "globex"})
    assert other.status == 404, "the authorizer's context names the owner"
    for token, status, code in [
        (None, 401, "Unauthorized"),  # no identity source: refused before the function runs
        ("expired", 401, "Unauthorized"),
        ("banned", 403, "AccessDenied"),
        ("boom", 500, "AuthorizerFailure"),
    ]:
        response = crud.request("GET", "/items", headers={"Authorization": token} if token else {})
        assert (response.status, response.json()["error"]) == (status, code), token
    assert None not in calls
    assert [item["owner"] for item in crud.stored()] == ["acme"]


def test_a_401_says_whether_the_token_was_missing_expired_or_invalid(caller: Caller) -> None:
    """Issue #29: expired, garbage and missing tokens all got the same bare 401. API Gateway's Cognito
    authorizer says "The incoming token has expired" for a token of the pool past its exp."""
    key = {"x-api-key": "key-1"}
    answers = {
        "missing": caller.request("GET", "/items", **key),
        "expired": caller.request("GET", "/items", Authorization=caller.token(exp=int(time.time()) - 1), **key),
        "invalid": caller.request("GET", "/items", Authorization="not-a-token", **key),
    }
    assert {why: (a.status, a.json()["message"]) for why, a in answers.items()} == {
        "missing": (401, "Unauthorized"),
        "expired": (401, "The incoming token has expired"),
        "invalid": (401, "Unauthorized"),
    }


def test_an_api_keys_usage_plan_throttles_its_requests(caller: Caller) -> None:
    """Issue #28, finding 8: the webhooks usage plan's throttle (50/s, burst 100) was not enforced locally. A
    plan's rate and burst apply per key, on the methods that require it."""
    from scripts.localrt.apigateway import TokenBucket

    frozen = TokenBucket(rate=1.0, burst=2, clock=lambda: 0.0)  # no refill while the test runs
    caller.crud.api.key_throttle = {"key-1": frozen}.get
    token = caller.tokens["IdToken"]
    answers = [caller.request("GET", "/items", Authorization=token, **{"x-api-key": "key-1"}) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].json()["error"] == "TooManyRequests"
