"""API Gateway's WebSocket API on localhost: the evaluated routes, their $connect authorization and @connections.

What AWS does, as this module does it (API Gateway developer guide, "WebSocket APIs"):
- A client connects to ws://127.0.0.1:<port>/<stage>. $connect is authorized first: a Lambda REQUEST
  authorizer is invoked with the identity sources it declares (a missing one: 401 before it runs; its
  "Unauthorized" error: 401; a policy without an Allow of `.../<stage>/$connect`: 403), or AWS_IAM checks the
  upgrade request's SigV4 signature and execute-api:Invoke. Then the $connect integration runs; a non-2xx
  answer refuses the connection with that status.
- Each message is routed by the API's route selection expression (`$request.body.action`): the route whose
  key the JSON body's `action` names, else `$default`. Routes with a route response (two-way) send the
  integration's body back to the client; a failed integration sends API Gateway's
  `{"message": "Internal server error", ...}`. Messages over 128 KB close the connection (1009), as the
  quota does; the stage's throttling refuses messages and connects beyond its rate and burst.
- Closing runs $disconnect.
- The @connections API is served on its own port (http://127.0.0.1:<port>/<stage>/@connections/<id>):
  POST sends to a connection, GET describes it, DELETE closes it; a connection that is not open answers 410
  GoneException. Callers must sign with SigV4 and hold execute-api:ManageConnections on
  arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/@connections/<id> (moto's IAM decides).
Integrations are the environment's functions, invoked in their workers (lambda_workers.py).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from scripts.localrt.apigateway import TokenBucket
from scripts.localrt.authorizers import policy_allows, sigv4_refusal
from scripts.localrt.lambda_workers import FunctionError
from scripts.localrt.ports import in_use
from scripts.tfeval import Evaluation

MESSAGE_MAX_BYTES = 128 * 1024  # API Gateway's WebSocket quotas: message payload size
Invoke = Callable[[str, dict[str, Any]], Any]  # (function ARN, event) -> its answer; FunctionError when it raised
# (method, raw path, headers, body, resource ARN) -> None when allowed, else the status to answer
AuthorizeCall = Callable[[str, str, Mapping[str, str], bytes, str], int | None]


def function_of(invoke_arn: str) -> str:
    """The function ARN inside an API Gateway integration or authorizer URI (.../functions/<arn>/invocations)."""
    return invoke_arn.split("/functions/", 1)[1].removesuffix("/invocations")


@dataclass(frozen=True)
class Route:
    key: str
    function_arn: str
    authorization: str  # NONE, CUSTOM (a Lambda authorizer) or AWS_IAM; only $connect's is used
    two_way: bool


@dataclass(frozen=True)
class WebSocketApi:
    """One WebSocket API as the environment declares it."""

    api_id: str
    stage: str
    routes: dict[str, Route]
    authorizer_arn: str | None = None
    identity_sources: tuple[str, ...] = ()
    rate_limit: float | None = None
    burst_limit: int | None = None

    @classmethod
    def from_evaluation(cls, evaluation: Evaluation) -> WebSocketApi | None:
        apis = [
            api for api in evaluation.of_type("aws_apigatewayv2_api") if api.values.get("protocol_type") == "WEBSOCKET"
        ]
        if not apis:
            return None
        if len(apis) > 1:
            raise RuntimeError("the local runtime serves one WebSocket API per environment")
        api_id = str(apis[0].values["id"])
        integrations = {
            str(i.values["id"]): function_of(str(i.values["integration_uri"]))
            for i in evaluation.of_type("aws_apigatewayv2_integration")
        }
        two_way = {str(r.values["route_id"]) for r in evaluation.of_type("aws_apigatewayv2_route_response")}
        routes = {}
        for route in evaluation.of_type("aws_apigatewayv2_route"):
            values = route.values
            target = str(values.get("target") or "").removeprefix("integrations/")
            routes[str(values["route_key"])] = Route(
                str(values["route_key"]),
                integrations[target],
                str(values.get("authorization_type") or "NONE"),
                str(values.get("id")) in two_way,
            )
        [stage] = evaluation.of_type("aws_apigatewayv2_stage")
        settings = (stage.values.get("default_route_settings") or [{}])[0]
        authorizers = evaluation.of_type("aws_apigatewayv2_authorizer")
        return cls(
            api_id=api_id,
            stage=str(stage.values["name"]),
            routes=routes,
            authorizer_arn=function_of(str(authorizers[0].values["authorizer_uri"])) if authorizers else None,
            identity_sources=tuple(authorizers[0].values.get("identity_sources") or ()) if authorizers else (),
            rate_limit=settings.get("throttling_rate_limit"),
            burst_limit=settings.get("throttling_burst_limit"),
        )

    def hosts(self, region: str) -> tuple[str, str]:
        """The API's WebSocket origin and its @connections origin on AWS."""
        host = f"{self.api_id}.execute-api.{region}.amazonaws.com"
        return f"wss://{host}", f"https://{host}"


@dataclass
class Open:
    """A connection the server holds: its socket, id and what $connect established."""

    socket: ServerConnection
    connection_id: str
    connected_at: int
    source_ip: str
    user_agent: str
    authorizer: dict[str, Any] = field(default_factory=dict)
    last_active_at: int = 0


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def signed(method: str, raw_path: str, headers: Mapping[str, str], body: bytes, resource: str) -> int | None:
    """A SigV4-signed call, not verified: what the ministack engine checks of its functions' @connections calls
    (they sign with ministack's credentials, which moto's IAM does not hold)."""
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return None if authorization.startswith("AWS4-HMAC-SHA256 ") else 403


def sigv4_allows(
    account: str, method: str, raw_path: str, headers: Mapping[str, str], body: bytes, action: str, resource: str
) -> int | None:
    """None when the request is signed by a known identity allowed `execute-api:<action>` on the resource;
    else 403, as API Gateway answers a missing, bad or refused signature."""
    return None if sigv4_refusal(account, method, raw_path, headers, body, action, resource) is None else 403


class LocalWebSocketApi:
    """Serves one WebSocket API and its @connections API (see the module's docstring)."""

    def __init__(
        self,
        api: WebSocketApi,
        invoke: Invoke,
        region: str,
        account: str,
        port: int,
        connections_port: int,
        authorize_call: AuthorizeCall | None = None,
    ):
        self.api, self.invoke, self.region, self.account = api, invoke, region, account
        # Who may call @connections: moto's IAM by default (SigV4 and execute-api:ManageConnections).
        self.authorize_call = authorize_call or (
            lambda method, raw_path, headers, body, resource: sigv4_allows(
                account, method, raw_path, headers, body, "ManageConnections", resource
            )
        )
        self.port, self.connections_port = port, connections_port
        self.open: dict[str, Open] = {}
        self._pending: dict[ServerConnection, Open] = {}
        self._lock = threading.Lock()
        bucket = api.rate_limit and api.burst_limit
        self.throttle = TokenBucket(float(api.rate_limit or 0), int(api.burst_limit or 0)) if bucket else None
        self._socket: socket.socket | None = None
        self._server: Server | None = None
        self._connections_server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/{self.api.stage}"

    @property
    def rewrites(self) -> dict[str, str]:
        """The API's AWS origins -> where this server answers (function environments, outputs)."""
        websocket, connections = self.api.hosts(self.region)
        return {websocket: f"ws://127.0.0.1:{self.port}", connections: f"http://127.0.0.1:{self.connections_port}"}

    def arn(self, route: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account}:{self.api.api_id}/{self.api.stage}/{route}"

    # --- lifecycle -------------------------------------------------------------------------------------

    def listen(self) -> None:
        """Holds both ports from now on; a client waits in the backlog until start() serves. The runtime binds
        them before it starts the Lambda workers: bound only at start(), another process could take them
        meanwhile."""
        try:
            self._socket = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR, as http.server binds
        except OSError as error:
            raise in_use(self.port, "the WebSocket API") from error
        try:
            self._connections_server = ThreadingHTTPServer(
                ("127.0.0.1", self.connections_port), _connections_handler(self)
            )
        except OSError as error:
            self._socket.close()
            self._socket = None
            raise in_use(self.connections_port, "the @connections API") from error
        self._connections_server.daemon_threads = True

    def start(self) -> None:
        if self._socket is None:
            self.listen()
        assert self._connections_server is not None
        self._server = serve(
            self._serve,
            sock=self._socket,
            process_request=self._connect,
            max_size=MESSAGE_MAX_BYTES,
            compression=None,
            ping_interval=None,  # API Gateway closes idle connections after 10 minutes, it does not ping
        )
        threading.Thread(target=self._server.serve_forever, name="websocket", daemon=True).start()
        threading.Thread(target=self._connections_server.serve_forever, name="connections", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:  # serving: shutdown() closes the socket and waits for serve_forever
            self._server.shutdown()
            if self._connections_server is not None:
                self._connections_server.shutdown()
        elif self._socket is not None:  # held but never served (a start that failed after listen())
            self._socket.close()
        if self._connections_server is not None:
            self._connections_server.server_close()
        self._server, self._socket, self._connections_server = None, None, None

    # --- $connect ----------------------------------------------------------------------------------------

    def _connect(self, socket: ServerConnection, request: Request) -> Response | None:
        try:
            self._pending[socket] = self._authorized_connection(socket, request)
        except Refused as refused:
            return socket.respond(refused.status, json.dumps({"message": refused.message}) + "\n")
        return None

    def _authorized_connection(self, socket: ServerConnection, request: Request) -> Open:
        parts = urlsplit(request.path)
        if parts.path.rstrip("/") != f"/{self.api.stage}":
            raise Refused(403, "Forbidden")
        if self.throttle is not None and not self.throttle.take():
            raise Refused(429, "Too Many Requests")
        headers = {name: value for name, value in request.headers.raw_items()}
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        now = int(time.time() * 1000)
        opened = Open(
            socket,
            f"{secrets.token_urlsafe(12)}=",  # API Gateway's ids end so too (L0SM9cOFvHcCIhw=)
            now,
            str(socket.remote_address[0]),
            headers.get("User-Agent", ""),
            last_active_at=now,
        )
        route = self.api.routes.get("$connect")
        authorization = route.authorization if route else "NONE"
        if authorization == "CUSTOM":
            opened.authorizer = self._lambda_authorizer(headers, query, opened)
        elif authorization == "AWS_IAM":
            refused = sigv4_allows(self.account, "GET", request.path, headers, b"", "Invoke", self.arn("$connect"))
            if refused is not None:
                raise Refused(refused, "Forbidden")
        if route is not None:
            answer = self._integration(route, self._event("$connect", "CONNECT", opened, headers=headers, query=query))
            status = int(answer.get("statusCode", 200)) if isinstance(answer, dict) else 200
            if not 200 <= status < 300:
                raise Refused(status, "Forbidden")
        return opened

    def _lambda_authorizer(self, headers: dict[str, str], query: dict[str, str], opened: Open) -> dict[str, Any]:
        lowered = {name.lower(): value for name, value in headers.items()}
        for source in self.api.identity_sources:
            kind, _, key = source.removeprefix("route.request.").partition(".")
            value = lowered.get(key.lower()) if kind == "header" else query.get(key) if kind == "querystring" else None
            if not value:
                raise Refused(401, "Unauthorized")  # before the authorizer runs, as API Gateway answers
        assert self.api.authorizer_arn is not None
        event = {
            "type": "REQUEST",
            "methodArn": self.arn("$connect"),
            "headers": headers,
            "queryStringParameters": query or None,
            "requestContext": self._context("$connect", "CONNECT", opened),
        }
        try:
            answer = self.invoke(self.api.authorizer_arn, event)
        except FunctionError as error:
            if error.message == "Unauthorized":
                raise Refused(401, "Unauthorized") from error
            raise Refused(500, "Internal server error") from error
        if not policy_allows((answer or {}).get("policyDocument") or {}, self.arn("$connect")):
            raise Refused(403, "Forbidden")
        context = {str(k): v for k, v in ((answer or {}).get("context") or {}).items()}
        return {**context, "principalId": answer.get("principalId", "")}

    # --- messages and $disconnect ---------------------------------------------------------------------

    def _serve(self, socket: ServerConnection) -> None:
        opened = self._pending.pop(socket)
        with self._lock:
            self.open[opened.connection_id] = opened
        code, reason = 1000, ""
        try:
            for message in socket:
                opened.last_active_at = int(time.time() * 1000)
                self._message(opened, message if isinstance(message, str) else message.decode("utf-8", "replace"))
        except ConnectionClosed as closed:
            code, reason = (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (1006, "")
        else:
            if socket.close_code is not None:
                code, reason = socket.close_code, socket.close_reason or ""
        finally:
            with self._lock:
                self.open.pop(opened.connection_id, None)
            route = self.api.routes.get("$disconnect")
            if route is not None:
                event = self._event("$disconnect", "DISCONNECT", opened)
                event["requestContext"] |= {"disconnectStatusCode": code, "disconnectReason": reason}
                with contextlib.suppress(Refused):  # nobody is left to tell
                    self._integration(route, event)

    def _message(self, opened: Open, body: str) -> None:
        if self.throttle is not None and not self.throttle.take():
            self._send_error(opened, "Too Many Requests")
            return
        route = self.api.routes.get(self._route_key(body)) or self.api.routes.get("$default")
        if route is None:
            self._send_error(opened, "Forbidden")
            return
        event = self._event(route.key, "MESSAGE", opened)
        event |= {"body": body, "isBase64Encoded": False}
        try:
            answer = self._integration(route, event)
        except Refused as refused:
            self._send_error(opened, refused.message)
            return
        if route.two_way and isinstance(answer, dict) and answer.get("body"):
            opened.socket.send(str(answer["body"]))

    def _route_key(self, body: str) -> str:
        try:
            message = json.loads(body)
        except ValueError:
            return "$default"
        action = message.get("action") if isinstance(message, dict) else None
        return action if isinstance(action, str) and not action.startswith("$") else "$default"

    def _send_error(self, opened: Open, message: str) -> None:
        request_id = str(uuid.uuid4())
        opened.socket.send(
            json.dumps({"message": message, "connectionId": opened.connection_id, "requestId": request_id})
        )

    def _integration(self, route: Route, event: dict[str, Any]) -> Any:
        try:
            return self.invoke(route.function_arn, event)
        except (FunctionError, OSError) as error:  # the function failed, or its worker is gone (shutting down)
            raise Refused(500, "Internal server error") from error

    def _context(self, route_key: str, event_type: str, opened: Open) -> dict[str, Any]:
        now = time.time()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "messageDirection": "IN",
            "messageId": secrets.token_urlsafe(12) if event_type == "MESSAGE" else None,
            "extendedRequestId": str(uuid.uuid4()),
            "requestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "stage": self.api.stage,
            "domainName": f"127.0.0.1:{self.port}",
            "connectionId": opened.connection_id,
            "connectedAt": opened.connected_at,
            "apiId": self.api.api_id,
            "identity": {"sourceIp": opened.source_ip, "userAgent": opened.user_agent},
            **({"authorizer": opened.authorizer} if opened.authorizer else {}),
        }

    def _event(
        self,
        route_key: str,
        event_type: str,
        opened: Open,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "requestContext": self._context(route_key, event_type, opened),
            "isBase64Encoded": False,
        }
        if headers is not None:
            event["headers"] = headers
            event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        if query:
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()}
        return event

    # --- @connections ------------------------------------------------------------------------------------

    def manage(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | None, str | None]:
        """One @connections call: (status, JSON body, error type)."""
        path = urlsplit(raw_path).path
        prefix = f"/{self.api.stage}/@connections/"
        if not path.startswith(prefix) or path == prefix:
            return 404, {"message": "Not Found"}, "NotFoundException"
        connection_id = unquote(path[len(prefix) :])
        resource = f"{self.arn(method.upper())}/@connections/{connection_id}"
        if self.authorize_call(method, raw_path, headers, body, resource) is not None:
            return 403, {"message": "Forbidden"}, "ForbiddenException"
        with self._lock:
            opened = self.open.get(connection_id)
        if opened is None:
            return 410, {"message": None}, "GoneException"
        if method == "POST":
            if len(body) > MESSAGE_MAX_BYTES:
                return 413, {"message": "Message too long"}, "PayloadTooLargeException"
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            try:
                opened.socket.send(text if text is not None else body)
            except ConnectionClosed:
                return 410, {"message": None}, "GoneException"
            return 200, None, None
        if method == "DELETE":
            opened.socket.close()
            return 204, None, None
        return (
            200,
            {
                "connectedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(opened.connected_at / 1000)),
                "lastActiveAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(opened.last_active_at / 1000)),
                "identity": {"sourceIp": opened.source_ip, "userAgent": opened.user_agent},
            },
            None,
        )


def _connections_handler(api: LocalWebSocketApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, document, error_type = api.manage(self.command, self.path, dict(self.headers.items()), body)
            payload = b"" if document is None else json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the broadcaster logs what it sent; one line per post would drown make local's console

    return Handler
