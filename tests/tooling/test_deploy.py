"""make plan|apply|destroy (scripts/deploy.py): one clear sentence instead of a stack trace, and the right
terraform commands when everything is in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scripts import deploy

ACCOUNT = "123456789012"
HEALTHY = {
    ("sts", "get_caller_identity"): {"Account": ACCOUNT},
    ("apigateway", "get_account"): {"cloudwatchRoleArn": f"arn:aws:iam::{ACCOUNT}:role/apigateway-cloudwatch-logs"},
    ("s3", "head_bucket"): {},
    ("ssm", "get_parameter"): {"Parameter": {"Value": "arn:aws:lambda:eu-west-1:017000801446:layer:x:1"}},
}


class FakeAws:
    """boto3 clients as the preflight sees them: answers per (service, method), or a ClientError."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], Any] = dict(HEALTHY)
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []

    def fail(self, service: str, method: str, code: str) -> None:
        self.answers[(service, method)] = ClientError({"Error": {"Code": code, "Message": code}}, method)

    def __call__(self, service: str, region: str) -> Any:
        fake = self

        class Client:
            def __getattr__(self, method: str) -> Any:
                def call(**kwargs: Any) -> Any:
                    fake.calls.append((service, region, method, kwargs))
                    answer = fake.answers[(service, method)]
                    if isinstance(answer, Exception):
                        raise answer
                    return answer

                return call

        return Client()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with envs/dev, envs/prod and envs/local and a build manifest."""
    for env in ("dev", "prod", "local"):
        (tmp_path / "envs" / env).mkdir(parents=True)
    for env in ("dev", "prod"):
        (tmp_path / "envs" / env / "backend.hcl.example").write_text('bucket = "x"\n')
    manifest = tmp_path / "build" / "lambdas" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps({"functions": {"stream_trigger": {"path": "stream_trigger.zip", "source_code_hash": "abc="}}})
    )
    monkeypatch.setattr(deploy, "ROOT", tmp_path)
    monkeypatch.setattr(deploy, "MANIFEST", manifest)
    monkeypatch.setenv("TF_PROVIDER_MODE", "registry")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(deploy, "BUNDLED_OUTPUT", tmp_path / "build" / "lambdas-bundled")
    return tmp_path


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    fake = FakeAws()
    monkeypatch.setattr(deploy, "CLIENTS", fake)
    return fake


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], Path]]:
    ran: list[tuple[list[str], Path]] = []
    monkeypatch.setattr(deploy, "terraform", lambda args, cwd: ran.append((args, cwd)))
    return ran


def refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert deploy.main(list(argv)) == 2
    message = capsys.readouterr().err.strip()
    assert "\n" not in message, "one sentence, no stack trace"
    return message


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["plan"], "Name an environment: ENV=<dev|local|prod>."),
        (["plan", "qa"], "There is no environment 'qa' (known: dev, local, prod)."),
        (["destroy", "prod"], "Refusing to destroy prod: run again with CONFIRM=prod if you mean it."),
        (["apply", "dev"], "envs/dev/backend.hcl is missing: copy backend.hcl.example"),
    ],
)
def test_refusals_name_the_problem(
    workspace: Path, aws: FakeAws, commands: list, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in refusal(capsys, *argv)
    assert commands == []


def test_schema_provider_cannot_deploy_anywhere(
    workspace: Path, commands: list, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_PROVIDER_MODE", "schema")
    for env in ("dev", "local"):
        assert "registry is unreachable" in refusal(capsys, "plan", env)
    assert commands == []


def test_no_credentials(
    workspace: Path, commands: list, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "has_aws_credentials", lambda: False)
    assert refusal(capsys, "plan", "dev").startswith("make plan: No AWS credentials found")


def test_local_needs_localstack(
    workspace: Path, commands: list, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALSTACK_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    message = refusal(capsys, "apply", "local")
    assert "LocalStack is not answering at http://127.0.0.1:9" in message
    assert "LOCALSTACK_AUTH_TOKEN" in message


def test_missing_build(workspace: Path, commands: list, capsys: pytest.CaptureFixture[str]) -> None:
    deploy.MANIFEST.unlink()
    assert "run `make build` first" in refusal(capsys, "plan", "dev")


def test_plan_inits_with_the_backend_and_passes_the_packages(
    workspace: Path, aws: FakeAws, commands: list[Any]
) -> None:
    (workspace / "envs" / "dev" / "backend.hcl").write_text('bucket = "state"\n')

    assert deploy.main(["plan", "dev"]) == 0

    (init, init_cwd), (plan, plan_cwd) = commands
    assert init == ["terraform", "init", "-input=false", "-backend-config=backend.hcl"]
    assert init_cwd == plan_cwd == workspace / "envs" / "dev"
    assert plan[:3] == ["terraform", "plan", "-input=false"]
    packages = json.loads(plan[3].removeprefix("-var=lambda_packages="))
    assert packages == {
        "stream_trigger": {"path": "../../build/lambdas/stream_trigger.zip", "source_code_hash": "abc="}
    }


def test_local_apply_points_at_localstack_with_powertools_bundled(
    workspace: Path, commands: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "localstack_answers", lambda endpoint: endpoint == "http://localhost:4566")
    built: list[tuple[str, ...]] = []

    def build(source: Path, output: Path, bundle: tuple[str, ...] = ()) -> dict[str, Any]:
        built.append(bundle)
        output.mkdir(parents=True)
        zip_path = "stream_trigger.zip"  # relative to the manifest, as build_lambdas writes it
        manifest = {"functions": {"stream_trigger": {"path": zip_path, "source_code_hash": "bundled="}}}
        (output / "manifest.json").write_text(json.dumps(manifest))
        return manifest

    monkeypatch.setattr(deploy.build_lambdas, "build", build)

    assert deploy.main(["apply", "local"]) == 0

    assert built == [deploy.build_lambdas.POWERTOOLS_BUNDLE]
    (init, _), (apply, _) = commands
    assert init == ["terraform", "init", "-input=false"], "local state: no backend configuration"
    assert apply[-1] == "-var=localstack_endpoint=http://localhost:4566"
    packages = json.loads(next(a for a in apply if a.startswith("-var=lambda_packages=")).split("=", 2)[2])
    assert packages["stream_trigger"] == {
        "path": "../../build/lambdas-bundled/stream_trigger.zip",
        "source_code_hash": "bundled=",
    }


def ready(workspace: Path, env: str = "dev") -> None:
    (workspace / "envs" / env / "backend.hcl").write_text('bucket = "state"\nregion = "eu-west-1"\n')


def test_preflight_reads_before_anything_is_planned(workspace: Path, aws: FakeAws, commands: list[Any]) -> None:
    ready(workspace)
    assert deploy.main(["plan", "dev"]) == 0
    assert [(s, m) for s, _, m, _ in aws.calls] == [
        ("sts", "get_caller_identity"),
        ("s3", "head_bucket"),
        ("apigateway", "get_account"),
        ("ssm", "get_parameter"),
    ]
    assert aws.calls[1][3] == {"Bucket": "state", "ExpectedBucketOwner": ACCOUNT}
    assert aws.calls[3][3] == {"Name": f"/aws/service/powertools/python/arm64/python3.13/{deploy.pinned_powertools()}"}
    assert len(commands) == 2


@pytest.mark.parametrize(
    ("service", "method", "code", "expected"),
    [
        (
            "sts",
            "get_caller_identity",
            "ExpiredToken",
            "AWS credentials do not answer (sts:GetCallerIdentity: ExpiredToken)",
        ),
        ("s3", "head_bucket", "404", "The state bucket state named in envs/dev/backend.hcl does not exist"),
        (
            "ssm",
            "get_parameter",
            "ParameterNotFound",
            "set settings.functions.powertools_layer_arn in envs/dev/terraform.tfvars",
        ),
        (
            "apigateway",
            "get_account",
            "AccessDeniedException",
            "the identity needs apigateway:GET on arn:aws:apigateway:eu-west-1::/account",
        ),
    ],
)
def test_preflight_failures_are_one_sentence_with_the_fix(
    workspace: Path,
    aws: FakeAws,
    commands: list[Any],
    capsys: pytest.CaptureFixture[str],
    service: str,
    method: str,
    code: str,
    expected: str,
) -> None:
    ready(workspace)
    aws.fail(service, method, code)
    assert expected in refusal(capsys, "apply", "dev")
    assert commands == []


def test_an_account_without_the_api_gateway_logs_role_is_sent_to_bootstrap(
    workspace: Path, aws: FakeAws, commands: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    ready(workspace)
    aws.answers[("apigateway", "get_account")] = {"throttleSettings": {}}
    message = refusal(capsys, "apply", "dev")
    assert "API Gateway in eu-west-1 has no CloudWatch Logs role for account 123456789012" in message
    assert "run `make bootstrap ENV=dev`" in message
    assert commands == []


def test_a_named_layer_needs_no_public_parameter(workspace: Path, aws: FakeAws, commands: list[Any]) -> None:
    ready(workspace)
    (workspace / "envs" / "dev" / "terraform.tfvars").write_text(
        'settings = {\n  functions = { powertools_layer_arn = "arn:aws:lambda:ap-east-2:123456789012:layer:pt:1" }\n}\n'
    )
    aws.fail("ssm", "get_parameter", "ParameterNotFound")
    assert deploy.main(["plan", "dev"]) == 0


def test_prod_refuses_the_placeholder_alarm_address(
    workspace: Path, aws: FakeAws, commands: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    ready(workspace, "prod")
    tfvars = (deploy.PYPROJECT.parent / "envs" / "prod" / "terraform.tfvars").read_text()  # the shipped file
    (workspace / "envs" / "prod" / "terraform.tfvars").write_text(tfvars)
    assert "still subscribes the placeholder address" in refusal(capsys, "plan", "prod")
    (workspace / "envs" / "prod" / "terraform.tfvars").write_text(
        tfvars.replace("oncall@example.com", "oncall@acme.io")
    )
    assert deploy.main(["plan", "prod"]) == 0


@pytest.mark.parametrize(("ci", "approve"), [("true", True), (None, False)])
def test_ci_applies_without_a_prompt_and_people_get_one(
    workspace: Path, aws: FakeAws, commands: list[Any], monkeypatch: pytest.MonkeyPatch, ci: str | None, approve: bool
) -> None:
    ready(workspace)
    if ci:
        monkeypatch.setenv("CI", ci)
    assert deploy.main(["apply", "dev"]) == 0
    assert ("-auto-approve" in commands[1][0]) is approve
    assert deploy.main(["plan", "dev"]) == 0
    assert "-auto-approve" not in commands[3][0]


def test_bootstrap_uses_the_environments_bucket_and_region(workspace: Path, aws: FakeAws, commands: list[Any]) -> None:
    ready(workspace)
    (workspace / "envs" / "bootstrap").mkdir()
    (workspace / "envs" / "dev" / "terraform.tfvars").write_text('environment = "dev"\nregion = "eu-central-1"\n')

    assert deploy.main(["bootstrap", "dev"]) == 0

    (init, init_cwd), (apply, apply_cwd) = commands
    assert init_cwd == apply_cwd == workspace / "envs" / "bootstrap"
    assert init[-2:] == [
        "-backend-config=../dev/backend.hcl",
        "-backend-config=key=bootstrap/eu-central-1/terraform.tfstate",
    ]
    assert apply[-1] == "-var=region=eu-central-1"
    assert [(s, m) for s, _, m, _ in aws.calls] == [("sts", "get_caller_identity"), ("s3", "head_bucket")]


def test_bootstrap_is_not_an_environment(
    workspace: Path, aws: FakeAws, commands: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "envs" / "bootstrap").mkdir()
    assert "known: dev, local, prod" in refusal(capsys, "plan", "qa")
    assert "run `make bootstrap ENV=<env>`" in refusal(capsys, "apply", "bootstrap")
    assert "LocalStack needs no bootstrap" in refusal(capsys, "bootstrap", "local")
    assert commands == []
