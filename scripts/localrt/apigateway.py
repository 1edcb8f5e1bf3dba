"""A REST API Gateway stage driven by the API's own OpenAPI document (as Terraform renders it).

Implements what the CRUD API relies on, with AWS's semantics: routing by path template and method,
passthroughBehavior, request validators with JSON Schema (draft 4) models, VTL request templates, an
AWS integration with Step Functions' StartSyncExecution, integration-response selection by status code,
VTL response templates with $context.responseOverride, static response parameters, and gateway responses.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from scripts.localrt import vtl
from scripts.localrt.authorizers import Authorizers, SignedRequest

# (state machine ARN, input) -> StartSyncExecution response, or raises IntegrationError.
StartSync = Callable[[str, str], dict[str, Any]]
# An AWS integration's call other than StartSyncExecution: (credentials role ARN, integration URI, the request
# its template rendered) -> the service's response; IntegrationError with the service's status and error body.
ServiceCall = Callable[[str | None, str, dict[str, Any]], dict[str, Any]]

GATEWAY_DEFAULT_STATUS = {
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "REQUEST_TOO_LARGE": 413,
    "INTEGRATION_FAILURE": 504,
    "UNAUTHORIZED": 401,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "ACCESS_DENIED": 403,
    "AUTHORIZER_FAILURE": 500,
    "THROTTLED": 429,
}
GATEWAY_MESSAGES = {
    "BAD_REQUEST_BODY": "Invalid request body",
    "BAD_REQUEST_PARAMETERS": "Invalid request parameters",
    "UNSUPPORTED_MEDIA_TYPE": "Unsupported Media Type",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "REQUEST_TOO_LARGE": "Request Too Long",
    "INTEGRATION_FAILURE": "Internal server error",
    "UNAUTHORIZED": "Unauthorized",
    "INVALID_API_KEY": "Forbidden",
    "INVALID_SIGNATURE": "The request signature we calculated does not match the signature you provided.",
    "ACCESS_DENIED": "User is not authorized to access this resource",
    "AUTHORIZER_FAILURE": "Authorizer failure",
    "THROTTLED": "Too Many Requests",
}
MAX_PAYLOAD = 10 * 1024 * 1024
OPENAPI_URI = "urn:openapi"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


MAX_BODY_DEPTH = 128
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def deeper_than(text: str, levels: int) -> bool:
    """JSON text nesting objects and arrays more than `levels` deep, found in linear time without parsing (as
    lambdas/common/json_text.deeper_than, which the functions use: scripts/ imports nothing from lambdas/).
    The local stage refuses such a body (MAX_BODY_DEPTH, a bound of this emulator, README's known
    differences): json.loads, the request validator and moto's event-pattern matcher recurse once per level,
    so a 16,000-level body dropped the connection and 9,000 levels took 30 s of CPU before the 400."""
    if text.count("[") + text.count("{") <= levels:
        return False
    level = 0
    for bracket in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        level += 1 if bracket in "[{" else -1
        if level > levels:
            return True
    return False


def validation_message(error: jsonschema.ValidationError) -> str:
    """One failure of the request validator as the field's JSON path and the rule it broke. The value sent
    is never echoed: it may be a 400 KB string or a secret."""
    keyword, bound = error.validator, error.validator_value
    if keyword in ("required", "additionalProperties"):
        rule = error.message  # names the property, not the value
    elif keyword == "type":
        rule = f"is not of type {json.dumps(bound)}"
    elif keyword == "enum":
        rule = f"is not one of {json.dumps(bound, default=str)[:200]}"
    elif keyword in ("anyOf", "oneOf"):
        rule = "matches none of the allowed shapes"
    else:
        rule = f"violates {keyword} {json.dumps(bound, default=str)[:200]}"
    return f"{error.json_path}: {rule}"


def strict_json(text: str) -> Any:
    """A request body as API Gateway's JSON parser reads it: standard JSON only (NaN and Infinity are refused),
    numbers kept exact (1e-400 is not 0, 1e400 is not infinity, so the models' number ranges see the literal),
    and no lone surrogate escape ("\\ud800" parses but is no Unicode text: nothing downstream can encode it)."""
    document = json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=_refuse_constant)
    json.dumps(document, ensure_ascii=False, default=str).encode("utf-8")
    return document


class IntegrationError(Exception):
    """The integration's AWS call failed with an HTTP status (e.g. a throttled StartSyncExecution)."""

    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(status)
        self.status = status
        self.body = body


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass
class TokenBucket:
    """API Gateway's stage throttling: a bucket of `burst` requests, refilled at `rate` per second; a request
    finding it empty is answered 429 (API Gateway developer guide, "Throttle requests to your REST APIs")."""

    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _tokens: float = field(init=False)
    _last: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens, self._last = float(self.burst), self.clock()

    def take(self) -> bool:
        now = self.clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class RestApi:
    def __init__(
        self,
        openapi: dict[str, Any],
        start_sync: StartSync,
        stage: str = "v1",
        domain: str = "localhost",
        authorizers: Authorizers | None = None,
        as_role: Callable[[str], StartSync] | None = None,
        scheme: str = "https",
        throttle: TokenBucket | None = None,
        service_call: ServiceCall | None = None,
        key_throttle: Callable[[str], TokenBucket | None] | None = None,
    ):
        self.openapi = openapi
        # An API key's usage plan throttles its requests on top of the stage (API Gateway developer guide,
        # "Usage plans and API keys": a plan's rate and burst apply per key).
        self.key_throttle = key_throttle
        self.service_call = service_call  # other AWS integrations: (role ARN, integration URI, request) -> response
        self.as_role = as_role  # the integration's AWS call with its `credentials` role, where roles are real
        # A document that needs authorizers this runtime was not given fails here, never runs unchecked.
        self.authorizers = authorizers or Authorizers(openapi)
        self.start_sync = start_sync
        self.stage = stage
        self.domain = domain
        self.scheme = scheme  # what the client used: API Gateway serves https only, the local stage http
        self.throttle = throttle
        self._throttle_lock = threading.Lock()  # the stage serves requests on many threads
        self.routes = [(self._pattern(path), path, item) for path, item in openapi.get("paths", {}).items()]
        self._validators: dict[str, jsonschema.Draft4Validator] = {}

    @staticmethod
    def _pattern(path: str) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")

    # --- the request pipeline -------------------------------------------------------------------

    def handle_bytes(self, request: Request, raw: bytes | None) -> Response:
        """The request with its body as received: a body that is not UTF-8 is refused as API Gateway refuses
        a body it cannot read (400, its gateway response), never with a dropped connection."""
        if raw is None:
            return self.handle(request)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            context = self._context(request)
            context["error"]["validationErrorString"] = "the body is not UTF-8"
            return self._gateway_response("BAD_REQUEST_BODY", context)
        return self.handle(Request(request.method, request.path, request.headers, request.query, text))

    def handle(self, request: Request) -> Response:
        """The stage's answer; an absolute Location the templates write as https:// (API Gateway's only
        scheme) carries the scheme the client used, as a link the client can follow."""
        # A field value has no leading or trailing whitespace (RFC 9110 5.5): blanks around it are framing.
        headers = {name: value.strip(" \t") for name, value in request.headers.items()}
        response = self._handle(Request(request.method, request.path, headers, request.query, request.body))
        for name, value in response.headers.items():
            if name.lower() == "location" and value.startswith(f"https://{self.domain}") and self.scheme != "https":
                response.headers[name] = f"{self.scheme}://{value.removeprefix('https://')}"
        return response

    def _handle(self, request: Request) -> Response:
        context = self._context(request)
        if self.throttle is not None:
            with self._throttle_lock:
                admitted = self.throttle.take()
            if not admitted:
                return self._gateway_response("THROTTLED", context)
        if request.body is not None and len(request.body.encode()) > MAX_PAYLOAD:
            return self._gateway_response("REQUEST_TOO_LARGE", context)
        if request.body is not None and deeper_than(request.body, MAX_BODY_DEPTH):
            context["error"]["validationErrorString"] = (
                f"the body nests objects and arrays more than {MAX_BODY_DEPTH} levels deep"
            )
            return self._gateway_response("BAD_REQUEST_BODY", context)
        route = self._route(request)
        if route is None:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN", context)
        resource_path, path_params, operation = route
        context.update(resourcePath=resource_path, path=f"/{self.stage}{request.path}")
        query = urlencode(request.query)
        signed = SignedRequest(
            method=request.method.upper(),
            raw_path=f"/{self.stage}{request.path}" + (f"?{query}" if query else ""),
            path=request.path,
            headers=request.headers,
            body=(request.body or "").encode("utf-8"),
        )
        decision = self.authorizers.check(operation, request.headers, signed)
        if decision.refusal is not None:
            return self._gateway_response(decision.refusal, context, decision.message)
        context["authorizer"] = decision.authorizer
        # Only a method that requires the key counts it against the key's plan.
        requires_key = any("api_key" in requirement for requirement in operation.get("security", []))
        key = self._header(request, "x-api-key") if requires_key else None
        bucket = self.key_throttle(key) if key and self.key_throttle else None
        if bucket is not None:
            with self._throttle_lock:
                admitted = bucket.take()
            if not admitted:
                return self._gateway_response("THROTTLED", context)
        integration = operation["x-amazon-apigateway-integration"]

        content_type = (self._header(request, "Content-Type") or "application/json").split(";")[0].strip().lower()
        templates = integration.get("requestTemplates", {})
        if content_type not in templates and integration.get("passthroughBehavior", "when_no_match") == "never":
            return self._gateway_response("UNSUPPORTED_MEDIA_TYPE", context)

        problem = self._validate(operation, request)
        if problem is not None:
            context["error"]["validationErrorString"] = problem
            return self._gateway_response("BAD_REQUEST_BODY", context)

        request_input = vtl.Input(request.body, path_params, request.query, request.headers)
        if integration["type"] == "mock":
            return self._integration_response(integration, 200, "", request_input, context)
        rendered = vtl.render(templates[content_type], request_input, context)
        call = json.loads(rendered)
        try:
            backend_status, backend_body = 200, self._call_service(integration, call)
        except IntegrationError as error:
            backend_status, backend_body = error.status, error.body
        response_input = vtl.Input(json.dumps(backend_body), path_params, request.query, request.headers)
        return self._integration_response(integration, backend_status, backend_body, response_input, context)

    def _call_service(self, integration: dict[str, Any], call: dict[str, Any]) -> Any:
        """The AWS action the integration's URI names (arn:aws:apigateway:<region>:<service>:action/<Action>),
        with the request its template rendered: Step Functions' StartSyncExecution, or any other action a
        service client of the integration's role can make (EventBridge's PutEvents)."""
        action = str(integration.get("uri", "")).rsplit("action/", 1)[-1]
        if action == "StartSyncExecution":
            start_sync = self.start_sync
            if self.as_role is not None and integration.get("credentials"):
                start_sync = self.as_role(integration["credentials"])
            return start_sync(call["stateMachineArn"], call.get("input", "{}"))
        if self.service_call is None:
            raise IntegrationError(500, {"__type": "NotEmulated", "message": f"no local backend for {action}"})
        return self.service_call(integration.get("credentials"), integration["uri"], call)

    def _route(self, request: Request) -> tuple[str, dict[str, str], dict[str, Any]] | None:
        for pattern, path, item in self.routes:
            match = pattern.match(request.path)
            if match and request.method.lower() in item:
                return path, match.groupdict(), item[request.method.lower()]
        return None

    def _validate(self, operation: dict[str, Any], request: Request) -> str | None:
        validator_name = operation.get("x-amazon-apigateway-request-validator")
        validators = self.openapi.get("x-amazon-apigateway-request-validators", {})
        if not validators.get(validator_name, {}).get("validateRequestBody"):
            return None
        schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return None
        try:
            document = strict_json(request.body or "")
        except UnicodeEncodeError:  # a lone surrogate escape (\\ud800): not text UTF-8 can carry
            return "the body is not UTF-8"
        except ValueError as error:
            return f"[the body is not JSON: {error}]"
        try:
            errors = sorted(self._validator(schema).iter_errors(document), key=lambda e: list(e.path))
        except RecursionError:
            # Deeper than Python's validator can walk (hundreds of levels): far past the template's depth
            # limit, which answers 400 ValidationError as this does.
            return "[the body nests too deeply to validate]"
        return f"[{', '.join(validation_message(e) for e in errors)}]" if errors else None

    def _validator(self, schema: dict[str, Any]) -> jsonschema.Draft4Validator:
        """Draft 4, with every "#/components/schemas/..." reference resolved in the OpenAPI document, as API
        Gateway resolves references between the models it imports. Built once per schema."""
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            # The models' bounds as exact decimals, as the request's numbers are (1e-130 as a float is not 1E-130).
            exact = json.loads(json.dumps(self.openapi), parse_float=Decimal)
            registry: Registry[Any] = Registry().with_resource(
                OPENAPI_URI, Resource.from_contents(exact, default_specification=DRAFT4)
            )
            root = json.loads(key, parse_float=Decimal)
            root = (
                {"$ref": OPENAPI_URI + root["$ref"]} if "$ref" in root else {**root, "components": exact["components"]}
            )
            self._validators[key] = jsonschema.Draft4Validator(root, registry=registry)
        return self._validators[key]

    def _integration_response(
        self,
        integration: dict[str, Any],
        backend_status: int,
        backend_body: Any,
        response_input: vtl.Input,
        context: dict[str, Any],
    ) -> Response:
        responses = integration.get("responses", {})
        selected = next(
            (
                r
                for pattern, r in responses.items()
                if pattern != "default" and re.fullmatch(pattern, str(backend_status))
            ),
            responses.get("default", {"statusCode": "200"}),
        )
        headers = self._static_parameters(selected.get("responseParameters", {}), "method.response.header.")
        template = selected.get("responseTemplates", {}).get("application/json")
        body = vtl.render(template, response_input, context) if template is not None else json.dumps(backend_body)
        override = context["responseOverride"]
        status = int(override["status"]) if override["status"] is not None else int(selected["statusCode"])
        headers.update({k: str(v) for k, v in override["header"].items()})
        return Response(status, headers, body)

    def _gateway_response(self, response_type: str, context: dict[str, Any], message: str | None = None) -> Response:
        configured = self.openapi.get("x-amazon-apigateway-gateway-responses", {})
        group = "DEFAULT_4XX" if GATEWAY_DEFAULT_STATUS.get(response_type, 500) < 500 else "DEFAULT_5XX"
        answer = configured.get(response_type) or configured.get(group) or {}
        status = int(answer.get("statusCode", GATEWAY_DEFAULT_STATUS.get(response_type, 500)))
        message = message or GATEWAY_MESSAGES.get(response_type, "Error")
        context["error"].update(message=message, messageString=json.dumps(message), responseType=response_type)
        # API Gateway's validator report reaches the template with its quotes escaped (as its execution logs
        # show it), so the template can put it inside a JSON string.
        context["error"]["validationErrorString"] = json.dumps(context["error"]["validationErrorString"] or "")[1:-1]
        template = answer.get("responseTemplates", {}).get(
            "application/json", '{"message":$context.error.messageString}'
        )
        body = vtl.render(template, vtl.Input(None, {}, {}, {}), context)
        headers = self._static_parameters(answer.get("responseParameters", {}), "gatewayresponse.header.")
        return Response(status, headers, body)

    # --- helpers ------------------------------------------------------------------------------------

    @staticmethod
    def _static_parameters(parameters: dict[str, str], prefix: str) -> dict[str, str]:
        """Only static ('quoted') mappings are used by our APIs; anything else would need evaluation."""
        return {
            name.removeprefix(prefix): value[1:-1]
            for name, value in parameters.items()
            if name.startswith(prefix) and value.startswith("'") and value.endswith("'")
        }

    @staticmethod
    def _header(request: Request, name: str) -> str | None:
        return next((v for k, v in request.headers.items() if k.lower() == name.lower()), None)

    def _context(self, request: Request) -> dict[str, Any]:
        now = time.time()
        return {
            "requestId": str(uuid.uuid4()),
            "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now * 1000),
            "httpMethod": request.method.upper(),
            "domainName": self.domain,
            "stage": self.stage,
            "path": f"/{self.stage}{request.path}",
            "resourcePath": None,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": self._header(request, "User-Agent") or ""},
            "error": {"message": None, "messageString": None, "validationErrorString": None, "responseType": None},
            "responseOverride": {"status": None, "header": {}},
            "requestOverride": {"header": {}, "querystring": {}, "path": {}},
        }


def stage_handler(
    api: RestApi,
    stage: str,
    answering: Callable[[], AbstractContextManager[None]] = nullcontext,
    pages: Callable[[str], tuple[str, bytes] | None] = lambda _: None,
) -> type[BaseHTTPRequestHandler]:
    """The stage as an HTTP server serves it: /<stage>/<path> to the emulator, a GET `pages` answers (the local
    runtime's example page: same origin as the API, so the page needs no CORS), anything else 403. Each request
    is read, answered and sent within `answering()` (the local runtime's priority.py)."""

    class StageHandler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            with answering():
                self._answer()

        def _answer(self) -> None:
            url = urlsplit(self.path)
            prefix = f"/{stage}"
            path = url.path[len(prefix) :] if url.path.startswith(prefix + "/") or url.path == prefix else None
            try:
                raw = read_body(self)
            except ValueError as malformed:
                self.send_error(HTTPStatus.BAD_REQUEST, str(malformed))
                return
            page = pages(url.path) if path is None and self.command == "GET" else None
            if page is not None:
                self._send(200, {"Content-Type": page[0], "Cache-Control": "no-store"}, page[1])
                return
            if path is None:
                status, headers, text = 403, {"Content-Type": "application/json"}, '{"message":"Forbidden"}'
            else:
                request = Request(
                    self.command,
                    path or "/",
                    dict(self.headers.items()),
                    dict(parse_qsl(url.query, keep_blank_values=True)),
                    None,
                )
                response = api.handle_bytes(request, raw or None)
                status, headers, text = response.status, response.headers, response.body
            self._send(status, headers, text.encode("utf-8"))

        def _send(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def __getattr__(self, name: str) -> Any:
            # Any other method (TRACE, PROPFIND, ...) gets API Gateway's answer for a route it does not
            # have, a 403 JSON body, not http.server's 501 HTML page.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """http.server's own refusals (a request line over 65,536 bytes: 414, too many or too long headers:
            431, a malformed request: 400) in the stage's JSON shape, not its HTML page."""
            body = json.dumps({"message": message or HTTPStatus(code).phrase}).encode()
            self.send_response(code, message)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return StageHandler


def read_body(handler: BaseHTTPRequestHandler) -> bytes | None:
    """The request's body as HTTP/1.1 frames it: chunked, or Content-Length decimal digits (anything else is
    refused, ValueError: `abc`, `1e3` and `-1` once dropped the connection or blocked its thread); None when
    the request has none."""
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks: list[bytes] = []
        received = 0
        while True:
            size_line = handler.rfile.readline(1024).split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9a-fA-F]{1,8}", size_line):
                raise ValueError("malformed chunked body")
            size = int(size_line, 16)
            if size == 0:
                while handler.rfile.readline(1024).strip():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)
            received += size
            if received > MAX_PAYLOAD + 1:
                raise ValueError("the body is larger than 10 MB")
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline(2)  # the chunk's CRLF
    declared = handler.headers.get_all("Content-Length") or []
    if not declared:
        return None
    if len(set(declared)) > 1 or not re.fullmatch(r"[0-9]{1,12}", declared[0].strip()):
        raise ValueError(f"Content-Length must be a number of bytes, not {', '.join(declared)!r}")
    length = int(declared[0])
    return handler.rfile.read(length) if length else b""


class StageServer(ThreadingHTTPServer):
    """The stage's HTTP server: a listen backlog for API Gateway's burst (a stage absorbs `burst` requests at
    once and answers 429 beyond it, API Gateway developer guide, "Throttle requests to your REST APIs");
    socketserver's backlog of 5 reset 154 of 200 concurrent connections."""

    request_queue_size = 1024
    daemon_threads = True
