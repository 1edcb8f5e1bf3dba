"""The WebSocket API's $connect authorizer (a Lambda REQUEST authorizer): the REST API's Cognito check, in code.

Browsers cannot set headers on a WebSocket, so the token the REST API takes in Authorization comes as the
query parameter `token` (the authorizer's identity source, `route.request.querystring.token`: API Gateway
refuses a connect without it, 401, before calling this). The token is accepted as the REST API's Cognito
authorizer accepts it: a JWT signed RS256 by one of the user pool's keys (its JWKS), issued by the pool,
unexpired, an ID token (AWS: "Verifying a JSON Web Token", Amazon Cognito Developer Guide). Anything else
raises "Unauthorized", which API Gateway answers 401.

The policy allows only this connect (the event's methodArn); the context carries the caller's `owner` claim
when owner isolation is on, for $connect to record.

Environment:
  ISSUER       https://cognito-idp.<region>.amazonaws.com/<pool id>
  JWKS_URL     where the pool publishes its keys (<ISSUER>/.well-known/jwks.json)
  OWNER_CLAIM  the claim naming an item's owner (empty: no owner isolation)

RS256 is checked with python-rsa (pure Python: the zip runs on both architectures without a compiled
cryptography build); a token's header and claims are plain base64url JSON.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.request
from functools import cache
from typing import Any

import rsa
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
LEEWAY_SECONDS = 0


class Unauthorized(Exception):
    """API Gateway answers 401 when a Lambda authorizer raises an error whose message is "Unauthorized"."""

    def __init__(self, reason: str):
        super().__init__("Unauthorized")
        self.reason = reason


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key(jwk: dict[str, Any]) -> rsa.PublicKey:
    return rsa.PublicKey(int.from_bytes(b64decode(jwk["n"]), "big"), int.from_bytes(b64decode(jwk["e"]), "big"))


@cache
def keys(jwks_url: str) -> dict[str, rsa.PublicKey]:
    """The pool's keys by kid, fetched once per process (Cognito rotates none of a pool's keys in place)."""
    with urllib.request.urlopen(jwks_url, timeout=5) as response:
        document = json.load(response)
    return {key["kid"]: public_key(key) for key in document["keys"] if key.get("kty") == "RSA"}


def verified_claims(token: str, issuer: str, key_of: dict[str, rsa.PublicKey], now: float) -> dict[str, Any]:
    """The token's claims, once its signature, issuer, expiry and use are as the REST API requires."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Unauthorized("not a JWT")
    try:
        header = json.loads(b64decode(parts[0]))
        claims = json.loads(b64decode(parts[1]))
        signature = b64decode(parts[2])
    except ValueError as error:
        raise Unauthorized(f"unreadable token: {error}") from error
    if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "RS256":
        raise Unauthorized("not an RS256 JWT")
    key = key_of.get(str(header.get("kid")))
    if key is None:
        raise Unauthorized("signed by a key the pool does not have")
    try:
        if rsa.verify(f"{parts[0]}.{parts[1]}".encode(), signature, key) != "SHA-256":
            raise Unauthorized("not signed with SHA-256")
    except rsa.VerificationError as error:
        raise Unauthorized("bad signature") from error
    if claims.get("iss") != issuer:
        raise Unauthorized("issued by another pool")
    expiry = claims.get("exp")
    if not isinstance(expiry, int | float) or isinstance(expiry, bool) or expiry + LEEWAY_SECONDS <= now:
        raise Unauthorized("expired")
    if claims.get("token_use") != "id":
        raise Unauthorized("not an ID token")
    return claims


def policy(principal: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}],
        },
        "context": context,
    }


def authorize(event: dict[str, Any], now: float) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token") or ""
    issuer = os.environ["ISSUER"]
    claims = verified_claims(token, issuer, keys(os.environ.get("JWKS_URL") or f"{issuer}/.well-known/jwks.json"), now)
    owner_claim = os.environ.get("OWNER_CLAIM") or ""
    context = {}
    if owner_claim:
        owner = claims.get(owner_claim)
        if not isinstance(owner, str) or not owner:
            raise Unauthorized(f"no {owner_claim} claim")
        context["owner"] = owner
    return policy(str(claims.get("sub")), event["methodArn"], context)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return authorize(event, time.time())
    except Unauthorized as refused:
        logger.info("connect refused", extra={"reason": refused.reason})
        raise
