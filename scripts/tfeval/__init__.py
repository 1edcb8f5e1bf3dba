"""Terraform's own evaluation of this repository's roots, offline: the library the gates, the deployer policy,
the local runtime and the tests share (its public names are these; the modules behind them are its own).

- `render`: one provider-free module applied for its outputs (crud_api's definition: OpenAPI, ASL, VTL).
- `evaluate`: an environment root through `terraform test` with the shared mocks (mocks/aws), every managed
  resource and data source with its values, every reference resolved to the ARN, URL or id it will have.
- `evaluated`: the same, once per process, for tools that read names (`NAMES_ONLY` endpoints).
- `render_template`: a template file's `${name}` placeholders, as templatefile() renders them.
- `table_arguments`, `table_values`: an evaluated aws_dynamodb_table as CreateTable's arguments; the values of
  the stack's items table made from crud_api's `table_indexes` (for tables created without Terraform).
"""

from scripts.tfeval.cache import NAMES_ONLY, evaluated, lambda_packages
from scripts.tfeval.evaluation import (
    SHARED_ROOT_FILES,
    STREAM_LABEL,
    Endpoints,
    Evaluation,
    Resource,
    declared_region,
    environment_roots,
    evaluate,
)
from scripts.tfeval.render import TerraformError, crud_definition, terraform
from scripts.tfeval.tables import table_arguments, table_values
from scripts.tfeval.templates import render_template

__all__ = [
    "NAMES_ONLY",
    "SHARED_ROOT_FILES",
    "STREAM_LABEL",
    "Endpoints",
    "Evaluation",
    "Resource",
    "TerraformError",
    "crud_definition",
    "declared_region",
    "environment_roots",
    "evaluate",
    "evaluated",
    "lambda_packages",
    "render_template",
    "table_arguments",
    "table_values",
    "terraform",
]
