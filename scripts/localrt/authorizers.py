"""API Gateway's method authorization for the local stage: Cognito user pool tokens and API keys, as AWS checks them.

The OpenAPI document says what each operation needs (its `security` requirements and `securitySchemes`); this
module checks a request against that, before request validation, as API Gateway does:
- `cognito_user_pools`: the Authorization header carries the token itself. It must be a JWT signed by one of
  the named user pools' keys (the pool's JWKS, as Cognito publishes it), issued by that pool
  (`iss` = https://cognito-idp.<region>.amazonaws.com/<pool id>), unexpired. An operation with OAuth scopes
  takes only an access token carrying one of them; one without takes only an ID token (AWS: "Integrate a REST
  API with an Amazon Cognito user pool"). Anything else is UNAUTHORIZED (401).
- `awsSigv4`: the request's SigV4 signature (service execute-api) is recomputed with the secret of the access key
  it names, as IAM knows it (moto's IAM: users' keys and assumed roles' session credentials), and the caller's
  policies must allow `execute-api:Invoke` on the method's ARN (arn:aws:execute-api:<region>:<account>:<api>/
  <stage>/<METHOD>/<path>). No signature: MISSING_AUTHENTICATION_TOKEN; an unknown key or a wrong signature:
  INVALID_SIGNATURE; not allowed: ACCESS_DENIED (all 403, as API Gateway answers).
- `x-api-key`: an enabled key of a usage plan on this stage; otherwise INVALID_API_KEY (403).
Schemes this runtime cannot verify yet (Lambda authorizers) are refused when the API is loaded, so a document
that needs them never runs here unchecked.
"""

from __future__ import annotations

import json
import math
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, TypeGuard
from urllib.parse import parse_qsl, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from moto.core.exceptions import AccessDeniedError, InvalidClientTokenIdError, SignatureDoesNotMatchError
from moto.iam.access_control import IAMRequest

SUPPORTED_AUTHTYPES = {"cognito_user_pools", "awsSigv4", "custom"}


class UnsupportedAuthorization(RuntimeError):
    """The document needs an authorizer the local runtime cannot enforce."""


@dataclass(frozen=True)
class UserPool:
    """A Cognito user pool as the local runtime runs it: its id and where its signing keys are published."""

    pool_id: str
    region: str
    jwks_url: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"


@dataclass(frozen=True)
class SignedRequest:
    """What a SigV4 check reads of a request, as the client sent it."""

    method: str
    raw_path: str  # the path as sent, stage included, with the query string
    path: str  # the path below the stage (the method ARN's resource part)
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Stage:
    """Where the API runs, for method ARNs."""

    region: str = "eu-west-1"
    account: str = "123456789012"
    api_id: str = "local"
    name: str = "v1"


@dataclass(frozen=True)
class Decision:
    """Allowed (with what API Gateway puts in $context.authorizer: a Cognito token's claims under `claims`, a
    Lambda authorizer's context and principalId) or the gateway response to send."""

    authorizer: dict[str, Any] = field(default_factory=dict)
    refusal: str | None = None  # a gateway response type: UNAUTHORIZED, INVALID_API_KEY, ACCESS_DENIED, ...
    message: str | None = None  # $context.error.message when it is not the type's usual one


EXPIRED = "The incoming token has expired"  # API Gateway's Cognito authorizer, 401 (UNAUTHORIZED)


class Expired(Exception):
    """A token of the pool, validly signed, whose exp has passed."""


class AuthorizerUnauthorized(Exception):
    """A Lambda authorizer's `raise Exception("Unauthorized")`: API Gateway answers 401."""


# (function ARN, REQUEST authorizer event) -> the function's answer; raises AuthorizerUnauthorized, or anything
# else for a failed invocation.
InvokeAuthorizer = Callable[[str, dict[str, Any]], dict[str, Any]]


def _fetch_keys(url: str) -> KeySet:
    with urllib.request.urlopen(url, timeout=10) as response:  # the runtime's own moto endpoint
        return KeySet.import_key_set(json.loads(response.read()))


class Authorizers:
    """Checks requests against the security requirements of one OpenAPI document."""

    def __init__(
        self,
        openapi: Mapping[str, Any],
        user_pools: Mapping[str, UserPool] | None = None,
        api_keys: Callable[[], set[str]] = set,
        clock: Callable[[], float] = time.time,
        fetch_keys: Callable[[str], KeySet] = _fetch_keys,
        stage: Stage = Stage(),
        invoke_authorizer: InvokeAuthorizer | None = None,
    ) -> None:
        self.stage = stage
        self.invoke_authorizer = invoke_authorizer
        self._policies: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}  # cached authorizer answers
        self.schemes: dict[str, Any] = dict(openapi.get("components", {}).get("securitySchemes", {}))
        self.user_pools = dict(user_pools or {})
        self.api_keys = api_keys
        self.clock = clock
        self.fetch_keys = fetch_keys
        self._keys: dict[str, KeySet] = {}
        for name, scheme in self.schemes.items():
            authtype = scheme.get("x-amazon-apigateway-authtype")
            if name == "api_key" or authtype is None:
                continue
            if authtype not in SUPPORTED_AUTHTYPES or (authtype == "custom" and invoke_authorizer is None):
                raise UnsupportedAuthorization(
                    f"the API's '{name}' scheme ({authtype}) cannot be enforced here: a Lambda authorizer runs "
                    "locally only when it is a function of the same environment"
                )
            for arn in scheme.get("x-amazon-apigateway-authorizer", {}).get("providerARNs", []):
                if arn not in self.user_pools:
                    raise UnsupportedAuthorization(f"user pool {arn} of the '{name}' scheme was not created locally")

    def check(
        self, operation: Mapping[str, Any], headers: Mapping[str, str], signed: SignedRequest | None = None
    ) -> Decision:
        requirements = operation.get("security", [])
        if not requirements:
            return Decision()
        lowered = {name.lower(): value for name, value in headers.items()}
        refused = Decision(refusal="UNAUTHORIZED")
        for requirement in requirements:  # any one requirement (OpenAPI: OR); all of its schemes (AND)
            decision = self._check_requirement(requirement, lowered, signed)
            if decision.refusal is None:
                return decision
            refused = decision
        return refused

    def _check_requirement(
        self, requirement: Mapping[str, list[str]], headers: Mapping[str, str], signed: SignedRequest | None
    ) -> Decision:
        authorizer: dict[str, Any] = {}
        for name, scopes in requirement.items():
            if name == "api_key":
                continue
            authtype = self.schemes[name].get("x-amazon-apigateway-authtype")
            if authtype == "awsSigv4":
                decision = self._check_sigv4(signed)
            elif authtype == "custom":
                decision = self._check_lambda(self.schemes[name], signed)
            else:
                decision = self._check_cognito(self.schemes[name], scopes, headers.get("authorization", ""))
            if decision.refusal is not None:
                return decision
            authorizer = decision.authorizer
        # API Gateway checks the key after the authorizer.
        if "api_key" in requirement and headers.get("x-api-key", "") not in self.api_keys():
            return Decision(refusal="INVALID_API_KEY")
        return Decision(authorizer=authorizer)

    def _check_cognito(self, scheme: Mapping[str, Any], scopes: list[str], token: str) -> Decision:
        if not token:
            return Decision(refusal="UNAUTHORIZED")
        expired = False
        for arn in scheme["x-amazon-apigateway-authorizer"]["providerARNs"]:
            try:
                claims = self._verified_claims(self.user_pools[arn], token)
            except Expired:
                expired = True
                continue
            if claims is None:
                continue
            if scopes:
                granted = set(str(claims.get("scope", "")).split())
                if claims.get("token_use") != "access" or not granted & set(scopes):
                    return Decision(refusal="UNAUTHORIZED")
            elif claims.get("token_use") != "id":
                return Decision(refusal="UNAUTHORIZED")
            return Decision(authorizer={"claims": claims})
        return Decision(refusal="UNAUTHORIZED", message=EXPIRED if expired else None)

    def _check_sigv4(self, signed: SignedRequest | None) -> Decision:
        if signed is None:
            return Decision(refusal="MISSING_AUTHENTICATION_TOKEN")
        refusal = sigv4_refusal(
            self.stage.account,
            signed.method,
            signed.raw_path,
            signed.headers,
            signed.body,
            "Invoke",
            self._method_arn(signed),
        )
        return Decision(refusal=refusal)

    def _method_arn(self, signed: SignedRequest) -> str:
        stage = self.stage
        return (
            f"arn:aws:execute-api:{stage.region}:{stage.account}:{stage.api_id}/{stage.name}/"
            f"{signed.method.upper()}/{signed.path.lstrip('/')}"
        )

    def _check_lambda(self, scheme: Mapping[str, Any], signed: SignedRequest | None) -> Decision:
        """A REQUEST authorizer: refused with 401 before the function runs when an identity source is missing;
        its answer (an IAM policy, a principal and a context) is cached per identity for the configured TTL and
        evaluated against each request's method ARN (an explicit Deny wins; no Allow is a Deny)."""
        assert self.invoke_authorizer is not None  # refused at load otherwise
        settings = scheme["x-amazon-apigateway-authorizer"]
        if signed is None:
            return Decision(refusal="UNAUTHORIZED")
        headers = {name.lower(): value for name, value in signed.headers.items()}
        query = dict(parse_qsl(urlsplit(signed.raw_path).query, keep_blank_values=True))
        identity: list[str] = []
        for source in [part.strip() for part in settings.get("identitySource", "").split(",") if part.strip()]:
            kind, _, key = source.removeprefix("method.request.").partition(".")
            value = headers.get(key.lower()) if kind == "header" else query.get(key) if kind == "querystring" else None
            if not value:
                return Decision(refusal="UNAUTHORIZED")
            identity.append(value)
        method_arn = self._method_arn(signed)
        cached = self._policies.get(tuple(identity))
        if cached is not None and cached[0] > self.clock():
            answer = cached[1]
        else:
            event = {
                "type": "REQUEST",
                "methodArn": method_arn,
                "path": signed.path,
                "httpMethod": signed.method.upper(),
                "headers": dict(signed.headers),
                "queryStringParameters": query or None,
                "requestContext": {"stage": self.stage.name, "apiId": self.stage.api_id},
            }
            try:
                answer = self.invoke_authorizer(settings["authorizerUri"], event)
            except AuthorizerUnauthorized:
                return Decision(refusal="UNAUTHORIZED")
            except Exception:  # the function failed: API Gateway's 500
                return Decision(refusal="AUTHORIZER_FAILURE")
            ttl = int(settings.get("authorizerResultTtlInSeconds", 300))
            if ttl > 0:
                self._policies[tuple(identity)] = (self.clock() + ttl, answer)
        if not policy_allows(answer.get("policyDocument") or {}, method_arn):
            return Decision(refusal="ACCESS_DENIED")
        context = {str(k): v for k, v in (answer.get("context") or {}).items()}
        return Decision(authorizer={**context, "principalId": answer.get("principalId", "")})

    def _verified_claims(self, pool: UserPool, token: str) -> dict[str, Any] | None:
        if pool.pool_id not in self._keys:
            self._keys[pool.pool_id] = self.fetch_keys(pool.jwks_url)
        try:
            decoded = jwt.decode(token, self._keys[pool.pool_id], algorithms=["RS256"])
        except (JoseError, ValueError):
            return None
        claims: dict[str, Any] = dict(decoded.claims)
        expires, not_before = claims.get("exp"), claims.get("nbf", 0)
        # Cognito signs every token with a key its JWKS names (kid), and exp and nbf are NumericDates
        # (RFC 7519 section 2): anything else is not one of the pool's tokens.
        if "kid" not in decoded.header or not (_numeric_date(expires) and _numeric_date(not_before)):
            return None
        now = self.clock()
        if claims.get("iss") != pool.issuer or not_before > now:
            return None
        if expires <= now:
            raise Expired(pool.pool_id)
        return claims


def sigv4_refusal(
    account: str, method: str, raw_path: str, headers: Mapping[str, str], body: bytes, action: str, resource: str
) -> str | None:
    """None when the request is SigV4-signed (service execute-api) by an identity moto's IAM knows and allowed
    `execute-api:<action>` on `resource`; else the gateway response type API Gateway answers with (403 each):
    MISSING_AUTHENTICATION_TOKEN, INVALID_SIGNATURE or ACCESS_DENIED."""
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        return "MISSING_AUTHENTICATION_TOKEN"
    signed = {**headers, "Authorization": authorization}
    try:
        request = IAMRequest(account, method, raw_path, {}, body, signed, action)
        request.check_signature()
        request.check_action_permitted(resource)
    except (InvalidClientTokenIdError, SignatureDoesNotMatchError):
        return "INVALID_SIGNATURE"
    except AccessDeniedError:
        return "ACCESS_DENIED"
    except (KeyError, ValueError, IndexError):  # a malformed Authorization header
        return "INVALID_SIGNATURE"
    return None


def _numeric_date(value: Any) -> TypeGuard[float]:
    """A JSON number of seconds (not a string, list, null or boolean; finite, so 1e999 is no date)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def policy_allows(policy: Mapping[str, Any], method_arn: str) -> bool:
    """IAM's evaluation of an authorizer's policy for execute-api:Invoke on one method ARN: an explicit Deny
    wins, an Allow is needed (resources with * and ? wildcards)."""
    allowed = False
    statements = policy.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if not any(fnmatchcase("execute-api:Invoke", action) for action in actions):
            continue
        if not any(fnmatchcase(method_arn, resource) for resource in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed
