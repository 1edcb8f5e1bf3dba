"""Terraform's own evaluation of a provider-free module, for consumers outside Terraform.

Tests and the local runtime must read documents exactly as Terraform renders them (templatefile,
jsonencode, defaults...). A module with no resources needs no provider, so a throwaway root that calls
it can be applied in a temporary folder in about a second and its outputs read back.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from scripts.terraform_init import terraform_env

ROOT = Path(__file__).resolve().parents[2]
CRUD_DEFINITION = ROOT / "modules" / "crud_api" / "modules" / "definition"
ENVIRONMENT_SETTINGS = ROOT / "modules" / "stack" / "modules" / "settings"


class TerraformError(RuntimeError):
    pass


def _hcl_value(value: Any) -> str:
    # JSON is valid HCL for strings, numbers, bools, lists and objects.
    return json.dumps(value)


def terraform(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """`terraform args` in `cwd`, its output; `env` adds to the environment (a shared provider)."""
    result = subprocess.run(
        ["terraform", *args],
        cwd=cwd,
        env={**terraform_env(), **(env or {})},
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise TerraformError(f"terraform {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def module_outputs(source: Path, variables: dict[str, Any]) -> dict[str, Any]:
    """Applies a root that calls `source` with `variables` and returns the module's outputs."""
    arguments = "\n".join(f"  {name} = {_hcl_value(value)}" for name, value in sorted(variables.items()))
    with tempfile.TemporaryDirectory(prefix="tf-render-") as folder:
        work = Path(folder)
        # A relative source is used in place; an absolute one would be copied without its siblings
        # (the module reads ../../../../statemachines).
        relative = Path(os.path.relpath(source, work)).as_posix()
        (work / "main.tf").write_text(
            f'module "this" {{\n  source = "{relative}"\n{arguments}\n}}\n\n'
            'output "this" {\n  value = module.this\n}\n'
        )
        terraform(["init", "-backend=false", "-no-color"], work)
        terraform(["apply", "-auto-approve", "-no-color", "-lock=false"], work)
        outputs: dict[str, Any] = json.loads(terraform(["output", "-json", "this"], work))
        return outputs


@lru_cache(maxsize=1)
def default_environment_settings() -> dict[str, Any]:
    """What an environment gets when it sets nothing (modules/stack/modules/settings, every default applied)."""
    settings: dict[str, Any] = module_outputs(ENVIRONMENT_SETTINGS, {"settings": {}})["value"]
    return settings


def crud_definition(**overrides: Any) -> dict[str, Any]:
    """The CRUD API's OpenAPI document and ASL as Terraform renders them, decoded; by default with the
    indexes every environment declares (settings.api.indexes)."""
    variables: dict[str, Any] = {
        "indexes": default_environment_settings()["api"]["indexes"],
        "api_name": "items-api",
        "region": "eu-west-1",
        "collection": "items",
        "entity": "Item",
        "item_schema": default_item_schema(),
        "max_page_size": 100,
        "default_page_size": 20,
        "max_body_chars": 32768,
        "authorization": "NONE",
        "cors_allow_origin": None,
        "table_name": "items",
        "cursor_salt": "test-salt",
        "state_machine_arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:items-crud",
        "api_role_arn": "arn:aws:iam::123456789012:role/items-api",
    }
    variables.update(overrides)
    if variables["cors_allow_origin"] is None:
        variables.pop("cors_allow_origin")
    outputs = module_outputs(CRUD_DEFINITION, variables)
    return {
        "openapi": json.loads(outputs["openapi_body"]),
        "asl": json.loads(outputs["asl_definition"]),
        "item_defaults": outputs["item_defaults"],
        "limits": outputs["limits"],
        "item_contract": outputs["item_contract"],
        "table_indexes": outputs["table_indexes"],
        "variables": variables,
    }


def default_item_schema() -> dict[str, Any]:
    """crud_api's default item_schema (the module reads the same file when item_schema is null)."""
    schema: dict[str, Any] = json.loads((ROOT / "modules" / "crud_api" / "default-item-schema.json").read_text())
    return schema
