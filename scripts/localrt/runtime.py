"""The whole system on localhost, with no AWS account and no Docker (`make local`).

Terraform evaluates an environment root (envs/local by default, see evaluate.py); this module deploys what
it evaluated onto a moto server, which runs the real ASL of the state machines:

- DynamoDB tables with their streams, SQS queues, SNS topics, Step Functions state machines (their rendered
  definitions), EventBridge buses, rules and targets are created in moto from the evaluated resources
  (deployer.py), IAM roles and policies too, and then enforced (iam.py);
- each Lambda function runs in a worker process (worker.py) from its built zip, with the environment
  Terraform gave it, fed by its stream mapping or, for EventBridge targets, by a queue put in between
  (moto would need Docker to invoke a function);
- the REST API is served by the API Gateway emulator from the evaluated OpenAPI body.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.config
import botocore.exceptions
from moto.server import ThreadedMotoServer

from scripts import build_lambdas
from scripts.localrt import cognito, eventbridge, iam, ministack, moto_patches, priority, support
from scripts.localrt.apigateway import IntegrationError, RestApi, StageServer, TokenBucket, stage_handler
from scripts.localrt.authorizers import Authorizers, Stage
from scripts.localrt.deployer import WEBHOOKS_KEY, Deployer, api_key_name
from scripts.localrt.lambda_workers import (
    LambdaService,
    authorizer_functions,
    authorizer_invoker,
    route_invocations,
)
from scripts.localrt.ports import ensure_free, free_port, in_use
from scripts.localrt.stepfunctions import start_sync_in_process, start_sync_or_error
from scripts.localrt.websocket import AuthorizeCall, Invoke, LocalWebSocketApi, WebSocketApi, signed
from scripts.tfeval import Endpoints, Evaluation, evaluate, lambda_packages

ROOT = Path(__file__).resolve().parents[2]
LIVE_PAGE_PATH = "/live/"  # where the stage server serves examples/live (outside any stage's path)
LIVE_PAGE_FILES = ROOT / "examples" / "live"
# What the runtime signs its first calls with, before the operator user exists and IAM is enforced.
BOOTSTRAP_CREDENTIALS = {"aws_access_key_id": "localrt", "aws_secret_access_key": "localrt"}


@dataclass
class LocalRuntime:
    environment: str = "local"
    aws_port: int = 0
    api_port: int = 0
    live_port: int = 0  # the WebSocket API (live updates)
    connections_port: int = 0  # its @connections API
    log_dir: Path | None = None
    evaluation: Evaluation | None = None
    stream_arns: dict[str, str] = field(default_factory=dict)
    _moto: Any = None
    _moto_app: Any = None  # moto's WSGI app, unwrapped (priority.py wraps what its socket serves)
    _api_server: StageServer | None = None
    _api_serving: bool = False
    lambdas: LambdaService | None = None  # the functions' worker processes
    user_pools: cognito.LocalUserPools = field(default_factory=cognito.LocalUserPools)
    api_keys: dict[str, str] = field(default_factory=dict)  # name -> value of each API key of the stage
    _previous_moto_port: str | None = None
    operator_credentials: dict[str, str] = field(default_factory=lambda: dict(BOOTSTRAP_CREDENTIALS))
    identities: iam.Identities | None = None
    _credentials_server: iam.CredentialsServer | None = None
    deployer: Deployer | None = None
    _target_delivery: eventbridge.TargetDelivery | None = None
    engine: str = "moto"  # or "ministack" (scripts/localrt/ministack.py)
    _ministack: ministack.Ministack | None = None
    live_updates: LocalWebSocketApi | None = None
    environment_root: Path | None = None  # a root of the caller's instead of envs/<environment> (tests)

    @property
    def root(self) -> Path:
        return self.environment_root or ROOT / "envs" / self.environment

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    @property
    def outputs(self) -> dict[str, Any]:
        """The environment's outputs, with what only the running runtime knows (pool ids, API key values)."""
        assert self.evaluation is not None
        local = {
            **self.user_pools.outputs,
            "api_key_values": {name: value for name, value in self.api_keys.items() if name != WEBHOOKS_KEY},
            "webhook_api_key": self.api_keys.get(WEBHOOKS_KEY),
        }
        outputs = {
            **self.evaluation.outputs,
            **{name: value for name, value in local.items() if name in self.evaluation.outputs},
        }
        # A stream's ARN carries its creation time: Terraform evaluated a stand-in (tfeval.STREAM_LABEL); the
        # WebSocket API answers on localhost.
        text = json.dumps(outputs)
        for evaluated, created in {**self.stream_arns, **self.live_rewrites}.items():
            text = text.replace(evaluated, created)
        localised = dict(json.loads(text))
        if localised.get("live_updates_url") and self.live_updates is None:
            localised["live_updates_url"] = None  # not served here: no URL that would not answer
        return localised

    @property
    def live_rewrites(self) -> dict[str, str]:
        return self.live_updates.rewrites if self.live_updates is not None else {}

    @property
    def service_credentials(self) -> dict[str, str]:
        """Where local stand-ins for AWS services (make fire, as EventBridge Scheduler) get a role's session:
        the runtime's credentials endpoint and its token (outputs.json, beside the operator's keys)."""
        server = self._credentials_server
        if server is None:
            return {}
        return {"localrt_credentials_url": server.url("").rstrip("/"), "localrt_credentials_token": server.token}

    @property
    def live_page_url(self) -> str:
        """The example page of live updates (examples/live), served beside the stage on the API's port."""
        return f"http://127.0.0.1:{self.api_port}{LIVE_PAGE_PATH}"

    def caller_headers(self) -> dict[str, str]:
        """What a caller of the local API sends: an ID token of the local user, an API key (as the environment asks)."""
        outputs, headers = self.outputs, {}
        if outputs["api_authorization"]["type"] == "COGNITO":
            tokens = cognito.sign_in(
                self.client("cognito-idp"), outputs["user_pool_id"], outputs["user_pool_client_id"], cognito.LOCAL_USER
            )
            headers["Authorization"] = tokens["IdToken"]
        if outputs["api_authorization"]["api_key_required"]:
            headers["x-api-key"] = next(iter(outputs["api_key_values"].values()))
        return headers

    def _live_page(self, path: str) -> tuple[str, bytes] | None:
        """A file of examples/live for the stage server, and its config.json: where the API and the WebSocket API
        answer and the local user's credentials (a page hosted elsewhere writes its own)."""
        if not path.startswith(LIVE_PAGE_PATH) or not self.outputs.get("live_updates_url"):
            return None
        name = path[len(LIVE_PAGE_PATH) :] or "index.html"
        if name == "config.json":
            config = {
                "apiUrl": self.outputs["api_url"],
                "liveUpdatesUrl": self.outputs["live_updates_url"],
                "headers": self.caller_headers(),
            }
            return "application/json", json.dumps(config).encode()
        file = LIVE_PAGE_FILES / name
        if "/" in name or not file.is_file():
            return None
        kinds = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
        return kinds.get(file.suffix, "application/octet-stream"), file.read_bytes()

    def client(self, service: str) -> Any:
        assert self.evaluation is not None
        return boto3.client(  # type: ignore[call-overload]  # (the service is a variable, not a literal)
            service,
            endpoint_url=self.aws_endpoint,
            region_name=self.evaluation.region,
            **self.operator_credentials,
        )

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self, progress: Callable[[str], None] = lambda _: None) -> LocalRuntime:
        self.aws_port = self.aws_port or free_port()
        self.api_port = self.api_port or free_port()
        ensure_free(self.aws_port, "AWS APIs")
        # The stage listens from here on (a request waits in its backlog until the stage serves): bound only after
        # the evaluation and the deploy, its port could be taken meanwhile by another process's runtime.
        try:
            # Its handler is set in _start_api, before it serves a request.
            self._api_server = StageServer(("127.0.0.1", self.api_port), BaseHTTPRequestHandler)
        except OSError as error:
            raise in_use(self.api_port, "the API") from error
        if self.live_port:  # chosen by the caller: refused now, not after the evaluation
            ensure_free(self.live_port, "the WebSocket API")
        self.log_dir = self.log_dir or self.root / ".local" / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        shown = self.root.relative_to(ROOT) if self.root.is_relative_to(ROOT) else self.root
        progress(f"building the Lambda packages and evaluating {shown} with Terraform")
        endpoints = Endpoints(aws=self.aws_endpoint, api=f"http://127.0.0.1:{self.api_port}")
        self.evaluation = evaluate(self.root, lambda_packages(self.root), endpoints)
        support.check(self.evaluation)  # refuses what it would silently leave out
        if self.engine == "ministack":
            progress(f"starting ministack on {self.aws_endpoint}")
            self._ministack = ministack.Ministack(self.aws_port, self.log_dir / "ministack.log")
            self._ministack.start()
            progress("creating the environment in ministack, its functions from packages that carry powertools")
            self._deploy_on_ministack()
            self._start_api()
            if self.live_updates is not None:
                progress(f"serving the WebSocket API on {self.live_updates.url}")
                self.live_updates.start()
            return self
        progress(f"starting moto on {self.aws_endpoint}")
        self._start_moto()
        progress("creating tables, queues, topics, state machines, buses and rules")
        self._deploy()
        progress("starting one worker process per Lambda function")
        assert self.deployer is not None
        assert self._credentials_server is not None
        self._prepare_live_updates()
        self.lambdas = LambdaService(
            self.evaluation,
            self.root,
            self.log_dir,
            self.aws_endpoint,
            self._credentials_server,
            self.operator_credentials,
            self.stream_arns,
            self.deployer.queue_url,
            rewrites={**self.live_rewrites, **self._user_pool_rewrites()},
        )
        self.lambdas.start()
        route_invocations(self.lambdas)
        self._start_api()
        if self.live_updates is not None:
            progress(f"serving the WebSocket API on {self.live_updates.url}")
            self.live_updates.start()
        # What start-up allocated (moto, botocore's models, the evaluation) stays for good: out of the
        # collector's generations, a full collection walks only what the running system allocates since
        # (one 214 ms pause in 300 POSTs before, make bench).
        gc.freeze()
        return self

    def stop(self) -> None:
        if self._ministack is not None:
            self._ministack.stop()
            self._ministack = None
        if self._target_delivery is not None:
            self._target_delivery.stop()
            self._target_delivery = None
        iam.set_enforcement(False)  # moto is in this process: later in-process mocks must not inherit it
        iam.install(None)
        if self._credentials_server is not None:
            self._credentials_server.stop()
            self._credentials_server = None
        route_invocations(None)
        if self.live_updates is not None:
            self.live_updates.stop()
            self.live_updates = None
        if self.lambdas is not None:
            self.lambdas.stop()
            self.lambdas = None
        if self._api_server is not None:
            if self._api_serving:  # shutdown() waits for serve_forever, which a failed start never began
                self._api_server.shutdown()
            self._api_server.server_close()
            self._api_server = None
            self._api_serving = False
        if self._moto is not None:
            # moto's state lives in this process, not in the server: reset it, so that a runtime started later
            # here (make bench's warm start, another test) begins with nothing deployed.
            reset = urllib.request.Request(f"{self.aws_endpoint}/moto-api/reset", data=b"", method="POST")
            urllib.request.urlopen(reset, timeout=10).close()
            self._moto.stop()
            self._moto = None
            if self._previous_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._previous_moto_port

    def __enter__(self) -> LocalRuntime:
        return self.start() if self.evaluation is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- moto ------------------------------------------------------------------------------------------

    def _start_moto(self) -> None:
        # State machine tasks call back into moto on MOTO_PORT (see ../shared/FIELD-NOTES.md).
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.aws_port)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        # moto's interpreter logs at ERROR every exception a state evaluates, those the definition handles on
        # purpose too (a Choice reading a path an item may not have: NoSuchJsonPathError on ordinary GETs). A
        # failure that matters ends its execution, which the API, the workers' logs and the history show;
        # VERBOSE=1 keeps these lines.
        if os.environ.get("VERBOSE") != "1":
            logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        moto_patches.install()  # every change to moto, checked against its version first (moto_patches.py)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.aws_port, verbose=False)
        self._moto.start()
        self._moto_app = self._moto._server.app  # in-process calls use it as it is
        # Calls over the socket: background work, and refused unsigned as AWS refuses them.
        self._moto._server.app = iam.refuse_unsigned(priority.PRIORITY.background_app(self._moto_app))
        request = urllib.request.Request(
            f"{self.aws_endpoint}/moto-api/config",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()

    def _deploy(self) -> None:
        assert self.evaluation is not None
        self.operator_credentials = iam.create_operator(self.client("iam"))
        self.deployer = Deployer(self.evaluation, self.client, self.aws_endpoint)
        self.deployer.deploy()
        self.stream_arns = self.deployer.stream_arns
        self.api_keys = self.deployer.api_keys
        self.user_pools = cognito.deploy(self.client("cognito-idp"), self.evaluation, self.aws_endpoint)
        self._enforce_iam()

    def _deploy_on_ministack(self) -> None:
        """The evaluation in ministack: the same Deployer (targets given as they are), the roles and policies
        (not enforced there), the user pools, and the functions from packages with powertools bundled."""
        assert self.evaluation is not None
        # ministack takes the account from a 12-digit access key id.
        self.operator_credentials = {"aws_access_key_id": self.evaluation.account, "aws_secret_access_key": "local"}
        # Roles first: with AUTH on, ministack refuses a state machine whose role does not exist.
        iam.deploy(self.client("iam"), self.evaluation, ministack.engine_policy)
        self.deployer = Deployer(self.evaluation, self.client, self.aws_endpoint, native_targets=True)
        self.deployer.deploy()
        self.stream_arns = self.deployer.stream_arns
        self.api_keys = self.deployer.api_keys
        self.user_pools = cognito.deploy(self.client("cognito-idp"), self.evaluation, self.aws_endpoint)
        packages = ROOT / "build" / "lambdas-powertools"
        build_lambdas.build(ROOT / "lambdas", packages, build_lambdas.POWERTOOLS_BUNDLE)
        # ministack's functions call @connections signed with ministack's credentials, which moto's IAM does not
        # hold: their calls are checked for a signature only (README, engines).
        self._prepare_live_updates(ministack.invoker(self.client), signed)
        rewrites = {**self.live_rewrites, **self._user_pool_rewrites()}
        ministack.deploy_functions(self.evaluation, self.client, packages, self.stream_arns, rewrites)
        ministack.deploy_resource_policies(self.evaluation, self.client)

    def _enforce_iam(self) -> None:
        """The evaluation's roles and policies in moto, then every request checked against them (iam.py)."""
        assert self.evaluation is not None

        def as_created(policy: str) -> str:  # a stream's ARN carries the label moto gave it
            for evaluated, created in self.stream_arns.items():
                policy = policy.replace(evaluated, created)
            return policy

        iam.deploy(self.client("iam"), self.evaluation, as_created)
        self.identities = iam.Identities(self.evaluation.account, self.evaluation.region)
        roles = {role.values["name"]: role.values["arn"] for role in self.evaluation.of_type("aws_iam_role")}
        self._credentials_server = iam.CredentialsServer(self.identities, roles)
        iam.install(self.identities, self._moto_app)  # task calls: the same app, no socket
        iam.set_enforcement(True)
        self._start_target_delivery()

    def _start_target_delivery(self) -> None:
        identities = self.identities
        assert identities is not None
        operator_clients: dict[str, Any] = {}

        def client(service: str, role_arn: str | None) -> Any:
            if role_arn:  # a target's role as EventBridge assumes it (a client per session, renewed with it)
                return identities.client(service, role_arn, "events.amazonaws.com", self.aws_endpoint)
            if service not in operator_clients:  # else the runtime's own
                operator_clients[service] = self.client(service)
            return operator_clients[service]

        assert self.deployer is not None
        self._target_delivery = eventbridge.TargetDelivery(self.deployer.targets, client, self.client("sqs"))

    # --- live updates (the WebSocket API) ----------------------------------------------------------------

    def _prepare_live_updates(self, invoke: Invoke | None = None, authorize_call: AuthorizeCall | None = None) -> None:
        """The environment's WebSocket API, on its ports. Its integrations are invoked in their workers (moto),
        or by `invoke` (ministack's Lambda); @connections calls are authorized by moto's IAM unless
        `authorize_call` says otherwise."""
        assert self.evaluation is not None
        api = WebSocketApi.from_evaluation(self.evaluation)
        if api is None:
            return
        self.live_port = self.live_port or free_port()
        self.connections_port = self.connections_port or free_port()

        def in_worker(function_arn: str, event: dict[str, Any]) -> Any:
            assert self.lambdas is not None
            return self.lambdas.invoke(function_arn, event)

        self.live_updates = LocalWebSocketApi(
            api,
            invoke or in_worker,
            self.evaluation.region,
            self.evaluation.account,
            self.live_port,
            self.connections_port,
            authorize_call,
        )
        self.live_updates.listen()

    def _user_pool_rewrites(self) -> dict[str, str]:
        """A pool's issuer as its tokens here carry it (moto chose the pool's id), and its keys' local address."""
        assert self.evaluation is not None
        rewrites = {}
        for pool in self.evaluation.of_type("aws_cognito_user_pool"):
            local = self.user_pools.by_arn.get(str(pool.values["arn"]))
            if local is None:
                continue
            region = str(pool.values["arn"]).split(":")[3]
            evaluated_issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool.values['id']}"
            rewrites[f"{evaluated_issuer}/.well-known/jwks.json"] = local.jwks_url
            rewrites[evaluated_issuer] = local.issuer
        return rewrites

    # --- the API ---------------------------------------------------------------------------------------

    def _local_authorizer_functions(self) -> frozenset[str]:
        """The API's Lambda authorizer functions, when all are functions of this environment; none otherwise (an
        authorizer that cannot run here makes the API refuse to start rather than answer unchecked)."""
        assert self.evaluation is not None
        functions = {f.values["arn"] for f in self.evaluation.of_type("aws_lambda_function")}
        wanted = frozenset(
            arn
            for api in self.evaluation.of_type("aws_api_gateway_rest_api")
            for arn in authorizer_functions(json.loads(api.values["body"]))
        )
        return wanted if wanted <= functions else frozenset()

    def stage_throttle(self) -> TokenBucket | None:
        """The stage's throttling as its method settings declare it (rate and burst; absent: none)."""
        assert self.evaluation is not None
        for method_settings in self.evaluation.of_type("aws_api_gateway_method_settings"):
            settings = (method_settings.values.get("settings") or [{}])[0]
            rate, burst = settings.get("throttling_rate_limit"), settings.get("throttling_burst_limit")
            if isinstance(rate, int | float) and isinstance(burst, int | float) and rate > 0 and burst > 0:
                return TokenBucket(float(rate), int(burst))
        return None

    def key_throttles(self) -> dict[str, TokenBucket]:
        """API key value -> the token bucket of the usage plan the key belongs to (plans without a throttle:
        none). The evaluation links them by the ids it gave the keys and plans."""
        assert self.evaluation is not None
        plans = {}
        for plan in self.evaluation.of_type("aws_api_gateway_usage_plan"):
            throttle = (plan.values.get("throttle_settings") or [{}])[0]
            rate, burst = throttle.get("rate_limit"), throttle.get("burst_limit")
            if isinstance(rate, int | float) and isinstance(burst, int | float) and rate > 0 and burst > 0:
                plans[plan.values.get("id")] = (float(rate), int(burst))
        names = {key.values.get("id"): key.address for key in self.evaluation.of_type("aws_api_gateway_api_key")}
        buckets = {}
        for link in self.evaluation.of_type("aws_api_gateway_usage_plan_key"):
            allowed, address = plans.get(link.values.get("usage_plan_id")), names.get(link.values.get("key_id"))
            value = self.api_keys.get(api_key_name(address)) if address else None
            if allowed and value:
                buckets[value] = TokenBucket(*allowed)
        return buckets

    def _start_api(self) -> None:
        assert self.evaluation is not None
        apis = self.evaluation.of_type("aws_api_gateway_rest_api")
        if not apis:
            return
        if len(apis) > 1:
            raise RuntimeError("the local runtime serves one REST API per environment")
        stages = self.evaluation.of_type("aws_api_gateway_stage")
        stage = stages[0].values["stage_name"] if stages else "v1"
        sfn = self.client("stepfunctions")
        identities = self.identities
        assert identities is not None or self.engine == "ministack"

        evaluation = self.evaluation

        def start_sync_as(role_arn: str) -> Callable[[str, str], dict[str, Any]]:
            """StartSyncExecution as API Gateway calls it with the integration's role: moto has no
            StartSyncExecution, so the role's permission for it is checked here and the execution then run
            and awaited on moto's backend in this process."""

            def start(arn: str, payload: str) -> dict[str, Any]:
                assert identities is not None
                if not identities.allows(role_arn, "states:StartSyncExecution", arn):
                    raise IntegrationError(
                        400, iam.access_denied(role_arn, "apigateway", "states:StartSyncExecution", arn)
                    )
                identities.session(role_arn, "apigateway.amazonaws.com")  # the role must trust API Gateway
                return start_sync_in_process(evaluation.account, evaluation.region, arn, payload)

            return start

        def service_call(role_arn: str | None, uri: str, request: dict[str, Any]) -> dict[str, Any]:
            """An AWS integration other than StartSyncExecution, made with the integration's role as API
            Gateway makes it: the service's error answers as the status and `{"__type", "message"}` body
            API Gateway's integration response sees."""
            service, action = uri.split(":")[4], uri.rsplit("action/", 1)[-1]
            if role_arn is None:
                raise IntegrationError(500, {"__type": "MissingCredentials", "message": "the integration has no role"})
            client = (  # on moto: in-process, as the API's own work (no socket, never background: priority.py)
                iam.in_process(identities.client(service, role_arn, "apigateway.amazonaws.com", self.aws_endpoint))
                if identities is not None
                else self.client(service)  # ministack: no IAM to act as
            )
            try:
                return dict(getattr(client, botocore.xform_name(action))(**request))
            except botocore.exceptions.ParamValidationError as error:  # the SDK checks what the service would
                raise IntegrationError(400, {"__type": "ValidationException", "message": str(error)}) from error
            except botocore.exceptions.ClientError as error:
                status = int(error.response["ResponseMetadata"]["HTTPStatusCode"])
                raise IntegrationError(
                    status, {"__type": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
                ) from error

        if self.engine == "ministack":  # ministack runs StartSyncExecution itself
            real_sync = boto3.client(  # type: ignore[call-overload]
                "stepfunctions",
                endpoint_url=self.aws_endpoint,
                region_name=evaluation.region,
                config=botocore.config.Config(inject_host_prefix=False),  # boto3 would prefix the host with sync-
                **self.operator_credentials,
            )
            start_sync: Callable[[str, str], dict[str, Any]] = lambda arn, payload: ministack.start_sync(  # noqa: E731
                real_sync, arn, payload
            )
        else:
            start_sync = lambda arn, payload: start_sync_or_error(sfn, arn, payload)  # noqa: E731
        api = RestApi(
            json.loads(apis[0].values["body"]),
            start_sync,
            as_role=start_sync_as if identities is not None else None,
            stage=stage,
            domain=f"127.0.0.1:{self.api_port}",
            scheme="http",
            throttle=self.stage_throttle(),
            key_throttle=self.key_throttles().get,
            service_call=service_call,
            authorizers=Authorizers(
                json.loads(apis[0].values["body"]),
                user_pools=self.user_pools.by_arn,
                api_keys=lambda: set(self.api_keys.values()),
                stage=Stage(self.evaluation.region, self.evaluation.account, str(apis[0].values.get("id")), stage),
                # A Lambda authorizer of this environment runs in its worker; any other is refused at start-up.
                invoke_authorizer=authorizer_invoker(self.lambdas)
                if self.lambdas and self._local_authorizer_functions()
                else None,
            ),
        )
        answering = priority.PRIORITY.answering if self.engine == "moto" else contextlib.nullcontext
        assert self._api_server is not None  # listening since start()
        self._api_server.RequestHandlerClass = stage_handler(api, stage, answering, pages=self._live_page)
        threading.Thread(target=self._api_server.serve_forever, name="api", daemon=True).start()
        self._api_serving = True
