"""IAM as AWS enforces it, on moto: the evaluated roles and policies, credentials per role, enforcement on.

Once enforcement is on (moto's INITIAL_NO_AUTH_ACTION_COUNT set to 0, as /moto-api/reset-auth does), moto
checks on every request the SigV4 signature against an IAM user's access key or an assumed role's session,
and the action against that identity's identity-based policies (inline and attached), answering
`AccessDenied` ("User: <arn> is not authorized to perform: <action>") as AWS does. For the resource it
knows only SQS queues and S3 objects; this module names it for the calls the system makes (EventBridge
PutEvents: each entry's bus; Step Functions: the state machine or execution; DynamoDB: each table or index;
DynamoDB Streams: the stream; SNS: the topic; Lambda: the function). For any other call the resource is unknown and the action
alone is checked (a statement's Resource matches it).

Who runs with which identity, as on AWS:
- each Lambda worker (its handler, and its event source mapping reading the stream and writing the
  on-failure destination) with sessions of the function's execution role, served by a credentials endpoint
  that botocore's container provider reads and refreshes before expiry;
- the API emulator's integration with the role its OpenAPI body declares (`credentials`);
- Step Functions' task calls with the state machine's role (moto's interpreter signs with a fixed key; its
  client factory is given the execution role's session instead);
- the runtime itself, the tests and operators with an IAM user allowed everything (`OPERATOR`).
A role is assumed only if its trust policy lets the service that assumes it on AWS do so.

Not enforced (README, known differences): resource-based policies (queue, topic, bus and bucket policies:
moto delivers EventBridge targets in-process), condition keys moto cannot evaluate, permission boundaries.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

import boto3
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.core.exceptions import _RESTError as RESTError
from moto.core.responses import BaseResponse
from moto.iam import access_control
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, IAMRequest, PermissionResult
from moto.iam.models import iam_backends
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.utils import boto_client
from moto.sts.models import sts_backends

from scripts.localrt import moto_costs

OPERATOR = "localrt-operator"
SESSION_SECONDS = 3600
RENEW_BEFORE = timedelta(minutes=20)  # botocore refreshes container credentials 15 minutes before expiry
CACHED_CLIENTS = 256  # (service, endpoint, session) clients kept before the cache starts over


@dataclass(frozen=True)
class Session:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def as_container_credentials(self) -> dict[str, str]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "Token": self.session_token,
            "Expiration": self.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


class NotTrusted(PermissionError):
    """A role's trust policy does not let the service that would assume it on AWS do so."""


def policy_statements(document: str | dict[str, Any]) -> list[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = parsed.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def trusts(assume_role_policy: str | dict[str, Any], service: str) -> bool:
    """The trust policy allows sts:AssumeRole to the service principal (conditions: see the gates)."""
    for statement in policy_statements(assume_role_policy):
        actions = statement.get("Action", [])
        services = (statement.get("Principal") or {}).get("Service", [])
        actions = [actions] if isinstance(actions, str) else actions
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") == "Allow" and "sts:AssumeRole" in actions and service in services:
            return True
    return False


@dataclass
class Identities:
    """The roles of one account and sessions of them, made in-process (as the AWS service that assumes each)."""

    account: str
    region: str
    _sessions: dict[tuple[str, str], Session] = field(default_factory=dict)
    _clients: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _role(self, role_arn: str) -> Any:
        return iam_backends[self.account]["aws"].get_role_by_arn(role_arn)

    def session(self, role_arn: str, service: str) -> Session:
        """A session of the role as `service` assumes it, renewed well before it expires."""
        with self._lock:
            current = self._sessions.get((role_arn, service))
            if current is not None and current.expiration - datetime.now(UTC) > RENEW_BEFORE:
                return current
            if not trusts(self._role(role_arn).assume_role_policy_document, service):
                raise NotTrusted(f"the trust policy of {role_arn} does not let {service} assume it")
            assumed = sts_backends[self.account]["aws"].assume_role(
                region_name=self.region,
                role_session_name=service.split(".")[0],
                role_arn=role_arn,
                policy="",  # no session policy: the role's own policies apply
                duration=SESSION_SECONDS,
                external_id="",
            )
            session = Session(
                assumed.access_key_id,
                assumed.secret_access_key,
                assumed.session_token,
                datetime.now(UTC) + timedelta(seconds=SESSION_SECONDS),
            )
            self._sessions[(role_arn, service)] = session
            return session

    def allows(self, role_arn: str, action: str, resource: str) -> bool:
        """The role's identity-based policies allow the action on the resource (an explicit Deny wins)."""
        backend = iam_backends[self.account]["aws"]
        name = role_arn.rsplit("/", 1)[-1]
        documents: list[Any] = [backend.get_role_policy(name, policy)[1] for policy in backend.list_role_policies(name)]
        documents += backend.list_attached_role_policies(name)[0]
        results = [IAMPolicy(document).is_action_permitted(action, resource) for document in documents]
        return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results

    def client(self, service: str, role_arn: str, assumed_by: str, endpoint: str) -> Any:
        """A client of `service` signed by the role's current session. Made once per session (clients are
        thread-safe): making one costs ~50 ms, most of it loading the CA bundle, on every request it served."""
        session = self.session(role_arn, assumed_by)
        key = (service, endpoint, session.access_key_id)
        with self._lock:
            cached = self._clients.get(key)
        if cached is None:
            cached = boto3.client(  # type: ignore[call-overload]  # (the service is a variable, not a literal)
                service,
                endpoint_url=endpoint,
                region_name=self.region,
                aws_access_key_id=session.access_key_id,
                aws_secret_access_key=session.secret_access_key,
                aws_session_token=session.session_token,
            )
            with self._lock:
                if len(self._clients) >= CACHED_CLIENTS:  # renewed sessions' clients are not asked for again
                    self._clients.clear()
                cached = self._clients.setdefault(key, cached)
        return cached


def deploy(iam: Any, evaluation: Any, rewrite: Callable[[str], str]) -> None:
    """Every role and inline policy of the evaluation, with ARNs rewritten to what moto created."""
    for role in evaluation.of_type("aws_iam_role"):
        iam.create_role(
            RoleName=role.values["name"],
            AssumeRolePolicyDocument=role.values["assume_role_policy"],
            Path=role.values.get("path") if str(role.values.get("path") or "").startswith("/") else "/",
        )
    for policy in evaluation.of_type("aws_iam_role_policy"):
        role_name = policy.values["role"].rsplit("/", 1)[-1]
        iam.put_role_policy(
            RoleName=role_name, PolicyName=policy.values["name"], PolicyDocument=rewrite(policy.values["policy"])
        )


def access_denied(role_arn: str, session_name: str, action: str, resource: str) -> dict[str, str]:
    """The error body a JSON-protocol AWS service answers when the caller's policies lack the action."""
    role = role_arn.rsplit("/", 1)[-1]
    account = role_arn.split(":")[4]
    return {
        "__type": "AccessDeniedException",
        "message": f"User: arn:aws:sts::{account}:assumed-role/{role}/{session_name} is not authorized to perform: "
        f"{action} on resource: {resource} because no identity-based policy allows the {action} action",
    }


def create_operator(iam: Any) -> dict[str, str]:
    """An IAM user allowed everything, for the runtime's own calls, the tests and people at a terminal."""
    iam.create_user(UserName=OPERATOR)
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=OPERATOR, PolicyName="Everything", PolicyDocument=json.dumps(everything))
    key = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def set_enforcement(on: bool) -> None:
    """Every following request to the in-process moto is authenticated and authorized (on), or none is (off,
    moto's default), as its /moto-api/reset-auth does."""
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else float("inf")
    ActionAuthenticatorMixin.request_count = 0


# --- the resource of a request, where moto leaves it unknown ----------------------------------------------


def _json_body(response: BaseResponse) -> dict[str, Any]:
    body = response.body
    if isinstance(body, dict):  # moto's DynamoDB handler has parsed it already (5.2)
        return body
    try:
        parsed = json.loads(body or "{}")
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _parameter(response: BaseResponse, body: dict[str, Any], name: str) -> str | None:
    """A request parameter from a JSON body or a query-protocol form (IAM, SNS)."""
    if isinstance(body.get(name), str):
        return str(body[name])
    values = getattr(response, "querystring", None) or {}
    found = values.get(name)
    return str(found[0]) if found else None


def resources(response: BaseResponse) -> Iterator[str]:
    """The ARNs a request acts on: for the calls this system makes, and the calls Terraform's provider makes
    to deploy it (provider_mirror.py), where moto leaves the resource unknown."""
    service, region, account = response.service_name, response.region, response.current_account
    body = _json_body(response)
    path = unquote(response.path or "")

    def param(name: str) -> str | None:
        return _parameter(response, body, name)

    def arn(kind: str, resource: str) -> str:
        return f"arn:aws:{kind}:{region}:{account}:{resource}"

    tagged = param("ResourceArn") or param("ResourceARN") or param("resourceArn")
    if tagged and service != "lambda":
        yield tagged
    elif service == "events":
        bus = param("EventBusName") or "default"
        bus_arn = bus if bus.startswith("arn:") else arn("events", f"event-bus/{bus}")
        rule = param("Rule") or (param("Name") if "Rule" in response._get_action() else None)
        if param("ArchiveName"):
            yield arn("events", f"archive/{param('ArchiveName')}")
            if param("EventSourceArn"):  # CreateArchive acts on the bus too
                yield str(param("EventSourceArn"))
        elif body.get("Entries"):
            for entry in body["Entries"]:
                named = entry.get("EventBusName") or "default"
                yield named if named.startswith("arn:") else arn("events", f"event-bus/{named}")
        elif rule:
            yield arn("events", f"rule/{rule}" if bus == "default" else f"rule/{bus.rsplit('/', 1)[-1]}/{rule}")
        elif "EventBus" in response._get_action():
            yield arn("events", f"event-bus/{param('Name')}") if param("Name") else bus_arn
    elif service == "stepfunctions":
        named = body.get("executionArn") or body.get("stateMachineArn")
        if named:
            yield named
        elif response._get_action() == "CreateStateMachine" and body.get("name"):
            yield arn("states", f"stateMachine:{body['name']}")
    elif service == "dynamodb":
        tables = [body["TableName"]] if body.get("TableName") else list(body.get("RequestItems") or {})
        for table in tables:
            table_arn = table if table.startswith("arn:") else arn("dynamodb", f"table/{table}")
            yield f"{table_arn}/index/{body['IndexName']}" if body.get("IndexName") else table_arn
    elif service == "dynamodbstreams" and body.get("StreamArn"):
        yield body["StreamArn"]
    elif service == "sns":
        topic = param("TopicArn") or (arn("sns", str(param("Name"))) if param("Name") else None)
        if topic:
            yield topic
    elif service == "sqs":
        queue = param("QueueName") or (param("QueueUrl") or "").rsplit("/", 1)[-1]
        if queue:
            yield arn("sqs", queue)
    elif service == "lambda":
        if "/functions/" in path:
            function = path.split("/functions/", 1)[1].split("/", 1)[0]
            yield function if function.startswith("arn:") else arn("lambda", f"function:{function}")
        elif "/tags/" in path:
            yield path.split("/tags/", 1)[1]
        elif "/layers/" in path and "/versions/" in path:  # GetLayerVersion: the layer's name may be its ARN
            layer, version = path.split("/layers/", 1)[1].split("/versions/", 1)
            yield f"{layer if layer.startswith('arn:') else arn('lambda', f'layer:{layer}')}:{version.strip('/')}"
        elif "/event-source-mappings/" in path and path.rstrip("/").split("/")[-1] != "event-source-mappings":
            yield arn("lambda", f"event-source-mapping:{path.rstrip('/').rsplit('/', 1)[-1]}")
        elif path.rstrip("/").endswith("/functions") and body.get("FunctionName"):
            yield arn("lambda", f"function:{body['FunctionName']}")
    elif service == "iam" and param("RoleName"):
        yield f"arn:aws:iam::{account}:role/{param('RoleName')}"
    elif service == "logs" and (param("logGroupName") or param("logGroupIdentifier")):
        yield arn("logs", f"log-group:{param('logGroupName') or param('logGroupIdentifier')}")
    elif service == "cloudwatch" and (param("AlarmName") or param("AlarmNames.member.1") or body.get("AlarmNames")):
        names = body.get("AlarmNames") or [param("AlarmName") or param("AlarmNames.member.1")]
        yield from (arn("cloudwatch", f"alarm:{name}") for name in names)
    elif service == "cloudwatch" and (
        param("DashboardName") or param("DashboardNames.member.1") or body.get("DashboardNames")
    ):
        names = body.get("DashboardNames") or [param("DashboardName") or param("DashboardNames.member.1")]
        yield from (f"arn:aws:cloudwatch::{account}:dashboard/{name}" for name in names)
    elif service == "cognito-idp" and param("UserPoolId"):
        yield arn("cognito-idp", f"userpool/{param('UserPoolId')}")
    elif service == "scheduler" and "/schedules/" in path:
        group = (getattr(response, "querystring", None) or {}).get("groupName", [None])[0] or body.get("GroupName")
        yield arn("scheduler", f"schedule/{group or 'default'}/{path.split('/schedules/', 1)[1].split('/')[0]}")
    elif service == "apigateway":
        yield f"arn:aws:apigateway:{region}::{path.rstrip('/')}"


_installed = threading.Lock()
_current_role = threading.local()  # the role of the state machine task being evaluated on this thread
_identities: Identities | None = None  # set while a runtime enforces IAM
_in_process = moto_costs.InProcess()  # task calls to the moto server in this process, without a socket


def install(identities: Identities | None, moto_app: Any = None) -> None:
    """Names resources for moto's checks and signs Step Functions' task calls with the state machine's role,
    handing them to `moto_app` (the WSGI app of the moto server in this process) when given. Installed once
    per process; `identities` None (a stopped runtime) turns the task signing off again."""
    global _identities
    _identities = identities
    _in_process.app = moto_app
    if not _installed.acquire(blocking=False):
        return

    def check_each_resource(self: BaseResponse, resource: str = "*") -> None:
        enforced = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
        named = list(resources(self)) if resource == "*" and enforced else []
        each = resource
        try:
            for each in named or [resource]:
                self._authenticate_and_authorize_action(_ActionRequest, each)
        except RESTError as refusal:
            # moto answers every refusal in XML; JSON-protocol services (EventBridge, Step Functions, DynamoDB,
            # SQS, ...) answer {"__type", "message"} on AWS, which is what their SDK clients parse, naming the
            # resource as AWS does.
            if "json" not in str(self.headers.get("Content-Type", "")):
                raise
            error_type = "AccessDeniedException" if refusal.error_type == "AccessDenied" else refusal.error_type
            message = f"{refusal.message} on resource: {each}" if each != "*" else refusal.message
            raise JsonRESTError(error_type, message) from refusal

    BaseResponse._authenticate_and_authorize_normal_action = check_each_resource  # type: ignore[method-assign,assignment]

    matches = IAMPolicyStatement._check_element_matches

    def unknown_resource_matches(self: IAMPolicyStatement, element: Any, value: str) -> bool:
        # moto checks an unnamed resource as "*", which no ARN-scoped statement matches: check the action alone.
        return (element == "Resource" and value == "*") or matches(self, element, value)

    IAMPolicyStatement._check_element_matches = unknown_resource_matches  # type: ignore[method-assign,assignment]

    evaluate_credentials = StateTask._eval_state_credentials

    def remember_role(self: StateTask, env: Any) -> Any:
        credentials = evaluate_credentials(self, env)
        _current_role.arn = credentials.role_arn
        return credentials

    StateTask._eval_state_credentials = remember_role  # type: ignore[method-assign]

    s3_request = access_control.S3IAMRequest.__init__

    def s3_action_as_iam_names_it(self: access_control.S3IAMRequest, **arguments: Any) -> None:
        s3_request(self, **arguments)
        self._action = IAM_ACTION_OF.get(self._action, self._action)

    access_control.S3IAMRequest.__init__ = s3_action_as_iam_names_it  # type: ignore[method-assign,assignment]
    boto_client.boto3 = _TaskClients()  # type: ignore[assignment,attr-defined]


# Operations whose IAM action is another operation's (SQS and SNS documentation: a batch needs the permission
# of the single operation); moto would check an action that no policy names.
IAM_ACTION_OF = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sns:PublishBatch": "sns:Publish",
    "lambda:Invoke": "lambda:InvokeFunction",  # moto names the action after its handler method
    "lambda:InvokeAsync": "lambda:InvokeFunction",
    # S3 API Reference, HeadBucket: "you must have permissions to perform the s3:ListBucket action".
    "s3:HeadBucket": "s3:ListBucket",
}


class _ActionRequest(IAMRequest):
    def __init__(self, **arguments: Any) -> None:
        super().__init__(**arguments)
        self._action = IAM_ACTION_OF.get(self._action, self._action)
        if self._service == "monitoring":  # CloudWatch signs as "monitoring"; IAM's prefix is "cloudwatch"
            self._action = "cloudwatch:" + self._action.split(":", 1)[1]
        if self._service == "apigateway":
            # API Gateway's management calls are authorized as their HTTP verb on the path (IAM's
            # apigateway:GET/POST/PUT/PATCH/DELETE), not by operation name.
            self._action = f"apigateway:{self._method}"
        if not self._body and self._method in ("GET", "HEAD", "DELETE"):
            # A request without a body (a REST GET such as Scheduler's GetSchedule) is signed over the empty
            # payload; moto would hash its parsed parameters instead and refuse every such call.
            self._data = {}  # moto signs `body or data`: both empty, the empty payload


def in_process(client: Any) -> Any:
    """`client`'s calls to the moto server of this process handed to its app in the calling thread (no socket)
    while a runtime runs here; over the network otherwise."""
    client.meta.events.register("before-send", _in_process, unique_id="localrt-in-process")  # once per client
    return client


class _TaskClients:
    """What moto's Step Functions interpreter sees as `boto3`: clients signed by the task's role.

    moto asks for a new client on every task call: ~5 ms of CPU each, and a new connection (make bench: a
    quiet POST spent a sixth of its time there). Clients are thread-safe, so one per service, region, endpoint
    and credentials (a renewed session gets new ones) serves every execution."""

    MAXIMUM = 256  # distinct (service, credentials) pairs before the cache starts over

    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def client(self, **arguments: Any) -> Any:
        role = getattr(_current_role, "arn", None)
        if _identities is not None and role:
            session = _identities.session(role, "states.amazonaws.com")
            arguments.update(
                aws_access_key_id=session.access_key_id,
                aws_secret_access_key=session.secret_access_key,
                aws_session_token=session.session_token,
            )
        key = tuple(sorted((name, value) for name, value in arguments.items() if name != "config"))
        with self._lock:
            cached = self._clients.get(key)
            if cached is None:
                if len(self._clients) >= self.MAXIMUM:
                    self._clients.clear()
                cached = self._clients[key] = boto3.client(**arguments)
                in_process(cached)
            return cached


# --- credentials for workers --------------------------------------------------------------------------------


class CredentialsServer:
    """Serves each role's session at http://127.0.0.1:<port>/<role name>, in the format botocore's container
    credential provider reads (AWS_CONTAINER_CREDENTIALS_FULL_URI, with a bearer token): to the functions'
    workers as Lambda assumes their execution roles, and with `?service=scheduler.amazonaws.com` to
    `make fire` as EventBridge Scheduler assumes a schedule's role. A role that does not trust the service
    gets no session (403)."""

    SERVICES = frozenset({"lambda.amazonaws.com", "scheduler.amazonaws.com"})

    def __init__(self, identities: Identities, roles: dict[str, str]):
        self.token = secrets.token_urlsafe(24)
        self._identities, self._roles = identities, roles  # role name -> ARN
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                service = parse_qs(query).get("service", ["lambda.amazonaws.com"])[0]
                arn = server._roles.get(path.strip("/"))
                if self.headers.get("Authorization") != server.token or arn is None or service not in server.SERVICES:
                    self.send_response(403)
                    self.end_headers()
                    return
                try:
                    body = json.dumps(server._identities.session(arn, service).as_container_credentials())
                except NotTrusted as refusal:
                    self.send_response(403)
                    self.end_headers()
                    self.wfile.write(str(refusal).encode())
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, name="credentials", daemon=True).start()

    def url(self, role_arn: str) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/{role_arn.rsplit('/', 1)[-1]}"

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


MISSING_TOKEN = json.dumps(
    {
        "__type": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token: sign requests with the local operator's keys "
        '(source envs/<env>/.local/env.sh; aws --endpoint-url "$AWS_ENDPOINT_URL" ...)',
    }
).encode()


def refuse_unsigned(app: Callable[..., Any]) -> Callable[..., Any]:
    """moto's WSGI app as the socket serves it, with a request that carries no signature (no Authorization
    header, no presigned query) answered as AWS answers it, a JSON 403, while IAM is enforced: moto's own check
    raised KeyError and answered an HTML 500 after a 60-line traceback on the console."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        enforced = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
        query = environ.get("QUERY_STRING", "")
        signed = "HTTP_AUTHORIZATION" in environ or "X-Amz-Signature=" in query or "Signature=" in query
        path = environ.get("PATH_INFO", "")
        public = path.startswith("/moto-api") or "/.well-known/" in path  # a user pool's JWKS is public on AWS
        if enforced and not signed and not public:
            start_response(
                "403 Forbidden",
                [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(MISSING_TOKEN)))],
            )
            return [MISSING_TOKEN]
        return app(environ, start_response)

    return serve
