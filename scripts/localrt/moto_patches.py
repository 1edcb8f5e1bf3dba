"""Every change the local runtime makes to moto, listed in one place and installed by one ordered function.

The replacements live beside the concern they serve (limits.py: AWS's payload limits; stepfunctions.py: the
interpreter's costs; moto_costs.py: what AWS does in constant time; priority.py: the API before background
work; iam.py: IAM per resource; lambda_workers.py: functions run by our workers), each with the figure that
justified it. What they replace is listed here, with the AWS behaviour or cost each restores and whether it
could go to moto upstream. `install()` first checks that moto is the version the patches were written for
and that every attribute they replace exists, and refuses to start naming the patch otherwise: a moto upgrade
that renames one would otherwise turn a patch into a silent no-op (a module attribute assigned is simply
added) or break mid-request.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

WRITTEN_FOR = "5.2."  # moto's minor version (pyproject pins 5.2.5); a new one means reviewing each patch

_SFN = "moto.stepfunctions.parser"
_ASL = f"{_SFN}.asl.component"


@dataclass(frozen=True)
class Patch:
    name: str
    replaces: tuple[str, ...]  # "module:attribute.path", each of which must exist in moto
    restores: str  # the AWS behaviour or cost it restores
    upstream: str  # whether it could go to moto, and why (not)
    home: str  # the file holding the replacement


PATCHES: tuple[Patch, ...] = (
    Patch(
        "state payload limit",
        (
            f"{_ASL}.state.state:is_within_size_quota",
            f"{_ASL}.state.exec.state_task.service.state_task_service:is_within_size_quota",
        ),
        "Step Functions' 256 KiB per state's input and output, counted in UTF-8 bytes as AWS counts them",
        "yes: moto counts characters",
        "limits.py",
    ),
    Patch(
        "PutEvents request size",
        ("moto.events.models:EventsBackend.put_events",),
        "EventBridge refuses a PutEvents request over 256 KB",
        "yes",
        "limits.py",
    ),
    Patch(
        "SQS message size",
        ("moto.sqs.models:SQSBackend.send_message", "moto.sqs.models:SQSBackend.send_message_batch"),
        "SQS counts message attributes in a message's size, and a batch's total",
        "yes",
        "limits.py",
    ),
    Patch(
        "definitions and paths parsed once",
        (
            f"{_SFN}.asl.parse.asl_parser:AmazonStateLanguageParser.parse",
            "jsonpath_ng.ext:parse",
            f"{_SFN}.asl.utils.json_path:parse",
            f"{_ASL}.common.path.result_path:parse",
        ),
        "cost: ~100 ms of a local request parsed the CRUD definition again, ~4 ms each JSONPath",
        "yes: a cache keyed by the definition",
        "stepfunctions.py",
    ),
    Patch(
        "JSON values copied as JSON",
        tuple(
            f"{module}:copy"
            for module in (
                f"{_SFN}.asl.eval.states",
                f"{_SFN}.asl.eval.environment",
                f"{_SFN}.asl.eval.event.event_manager",
                f"{_ASL}.state.exec.execute_state",
                f"{_ASL}.state.exec.state_parallel.state_parallel",
                f"{_ASL}.state.exec.state_task.service.state_task_service",
                f"{_ASL}.common.path.result_path",
                f"{_ASL}.common.string.string_expression",
            )
        ),
        "cost: copy.deepcopy of every state's input was 14% of the runtime's CPU",
        "yes",
        "stepfunctions.py",
    ),
    Patch(
        "threads only where a timeout needs one",
        (
            f"{_SFN}.models:Execution",
            f"{_ASL}.state.exec.execute_state:Thread",
            f"{_ASL}.state.exec.execute_state:ExecutionState._evaluate_with_timeout",
            f"{_ASL}.program.program:Program.eval",
        ),
        "cost: a thread per execution, program and Task state was a quarter of the sampled time; StartSyncExecution "
        "runs in the API's thread with its integration timeout kept by one watchdog",
        "in part: threads for states without TimeoutSeconds",
        "stepfunctions.py",
    ),
    Patch(
        "an execution's end shown whole",
        (f"{_SFN}.backend.execution:BaseExecutionWorkerCommunication._reflect_execution_status",),
        "DescribeExecution of a finished execution has its output (or error and cause): moto set the status "
        "first, so a describe between its two assignments saw SUCCEEDED without output (make test met it)",
        "yes: a race",
        "stepfunctions.py",
    ),
    Patch(
        "finished threads let go",
        tuple(
            f"{module}:TMP_THREADS"
            for module in (
                f"{_SFN}.utils",
                f"{_ASL}.state.exec.state_map.iteration.inline_iteration_component",
                f"{_ASL}.state.exec.state_parallel.branch_worker",
                f"{_ASL}.state.exec.state_task.service.state_task_service_callback",
                f"{_SFN}.backend.execution_worker",
            )
        ),
        "memory: every Map item's and Parallel branch's thread was kept, ~108 pages of 100 exhausted the process",
        "yes: a leak",
        "stepfunctions.py",
    ),
    Patch(
        "models not tracked for moto's dashboard",
        ("moto.core.common_models:BaseModel.__new__", "moto.core.model_instances:reset_model_data"),
        "memory: moto kept every object of every model it made (item versions, messages, iterators, copies of "
        "state machines): 52 KB a request",
        "yes: an option to turn the dashboard's tracking off, or weak references",
        "moto_costs.py",
    ),
    Patch(
        "SQS in constant time",
        (
            "moto.sqs.models:Queue.messages",
            "moto.sqs.models:Queue.attributes",
            "moto.sqs.models:Queue.delete_message",
            "moto.sqs.models:Message.mark_received",
            "moto.sqs.models:SQSBackend.get_queue_attributes",
        ),
        "cost: ReceiveMessage and DeleteMessage walked the whole queue (a 10,000-event queue drained at ~3/s)",
        "yes",
        "moto_costs.py",
    ),
    Patch(
        "DynamoDB Streams records and iterators",
        (
            "moto.dynamodbstreams.responses:DynamoDBStreamsHandler.get_records",
            "moto.dynamodbstreams.models:DynamoDBStreamsBackend.__init__",
        ),
        "records written as JSON directly; a shard iterator expires 15 minutes after it is issued (moto kept all)",
        "yes",
        "moto_costs.py",
    ),
    Patch(
        "index queries read one page",
        (
            "moto.dynamodb.models.table:Table.sorted_items",
            "moto.dynamodb.models.table:Table._generate_attr_to_sort_by",
            "moto.dynamodb.models.table:Table.query",
            "moto.dynamodb.models.table:Table.all_items",
        ),
        "cost: a Query of an index walked every item of the table and sorted the matches, casting both values of "
        "each comparison (a page took 0.75 s at 100,000 items against 0.11 s at 1,000); DynamoDB reads the page",
        "yes: an index kept by moto's Table (here, sorted partitions rebuilt when the table's stream moved)",
        "moto_costs.py",
    ),
    Patch(
        "requests routed once",
        (
            "moto.moto_server.werkzeug_app:DomainDispatcherApplication.get_backend_for_host",
            "moto.core.responses:method_names_from_class",
        ),
        "cost: each request looked its backend and its handler's methods up again (3.7% of the CPU)",
        "yes",
        "moto_costs.py",
    ),
    Patch(
        "one import of the pools' key",
        ("moto.cognitoidp.models:jwk",),
        "cost: each user pool imported moto's bundled private key again (0.11 s of CPU a pool)",
        "yes: the key is the same for every pool",
        "moto_costs.py",
    ),
    Patch(
        "executions kept as AWS keeps them",
        ("moto.stepfunctions.models:StateMachine._handle_name_input_idempotency",),
        "memory: the last 1,000 STANDARD executions in memory, their names refused for good; EXPRESS ones none",
        "in part: the index by name",
        "moto_costs.py",
    ),
    Patch(
        "the API first",
        (
            f"{_SFN}.backend.execution_worker:ExecutionWorker.start",
            f"{_ASL}.state.state:CommonStateField.eval",
        ),
        "AWS runs background work on other machines: here it yields to an API request being answered",
        "no: a property of one process standing in for many machines",
        "priority.py",
    ),
    Patch(
        "IAM per resource",
        (
            "moto.core.responses:BaseResponse._authenticate_and_authorize_normal_action",
            "moto.iam.access_control:IAMPolicyStatement._check_element_matches",
            "moto.iam.access_control:S3IAMRequest.__init__",
        ),
        "every call checked against its resource's ARN, S3 actions by their IAM names, refusals in JSON for JSON "
        "services",
        "yes: moto checks the action only",
        "iam.py",
    ),
    Patch(
        "task calls as the state machine's role",
        (
            f"{_ASL}.state.exec.state_task.state_task:StateTask._eval_state_credentials",
            f"{_SFN}.asl.utils.boto_client:boto3",
        ),
        "a Task state's call is signed with the state machine's role (moto makes it unsigned)",
        "yes",
        "iam.py",
    ),
    Patch(
        "archive replays",
        ("moto.events.models:Replay.replay_events",),
        "StartReplay replays the window asked for, to the rules asked for, each event whole with its replay-name",
        "yes: moto replays every archived event to every rule, rebuilt without replay-name",
        "eventbridge.py",
    ),
    Patch(
        "functions run by our workers",
        (
            "moto.awslambda.models:LambdaBackend.invoke",
            "moto.awslambda.models:LambdaBackend.list_event_source_mappings",
        ),
        "Invoke runs the function (moto needs Docker), synchronously or through the asynchronous-invocation queue; "
        "ListEventSourceMappings lists the mappings the workers run",
        "no: the workers are this runtime's",
        "lambda_workers.py",
    ),
)


class MotoPatchError(RuntimeError):
    """moto is not what the patches were written for; the message names the version or the patch."""


def _resolve(target: str) -> Any:
    module_name, _, path = target.partition(":")
    value: Any = importlib.import_module(module_name)
    for part in path.split("."):
        value = getattr(value, part)
    return value


def check(version: str | None = None) -> None:
    """Refuses a moto other than WRITTEN_FOR, or one missing an attribute a patch replaces, naming it."""
    if version is None:
        import moto

        version = str(moto.__version__)
    if not version.startswith(WRITTEN_FOR):
        raise MotoPatchError(
            f"moto {version} is installed; the local runtime's patches were written for moto {WRITTEN_FOR}x "
            "(scripts/localrt/moto_patches.py): run make setup, or review each patch for the new version"
        )
    for patch in PATCHES:
        for target in patch.replaces:
            try:
                _resolve(target)
            except (ImportError, AttributeError):
                raise MotoPatchError(
                    f"moto {version} has no {target}: the patch '{patch.name}' ({patch.home}) cannot be installed"
                ) from None


def install() -> None:
    """Checks, then installs every patch, in this order (each installs once per process)."""
    check()
    from scripts.localrt import eventbridge, iam, limits, moto_costs, priority
    from scripts.localrt.lambda_workers import route_invocations
    from scripts.localrt.stepfunctions import show_execution_ends_whole, speed_up_interpreter

    limits.install()  # payload limits counted as AWS counts them
    speed_up_interpreter()  # definitions and JSONPaths parsed once, inputs copied as JSON, fewer threads
    show_execution_ends_whole()  # the status of a finished execution set after its output, as AWS shows it
    moto_costs.install()  # what AWS does in constant time, moto too
    priority.install()  # background work yields to the API's requests
    eventbridge.install_replay()  # an archive replays its window, to the rules asked for
    iam.install(None)  # resources named for the checks; task calls signed once a runtime sets its identities
    route_invocations(None)  # Invoke handed to the workers once a runtime sets its service
