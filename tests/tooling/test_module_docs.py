"""Every module README's inputs and outputs tables are what scripts/module_docs.py generates from its .tf files."""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts import module_docs


def test_no_module_readme_drifted_from_its_variables_and_outputs() -> None:
    assert module_docs.drifted() == [], "run: python -m scripts.module_docs (make fmt)"


def test_a_new_variable_makes_its_readme_drift(tmp_path: Path) -> None:
    module = tmp_path / "queue"
    shutil.copytree(module_docs.MODULES / "dynamodb_table", module)
    readme = module_docs.render((module / "README.md").read_text(), module_docs.tables(module))
    with (module / "variables.tf").open("a") as variables:
        variables.write(
            '\nvariable "visibility" {\n  description = "Seconds a \\"message\\" stays hidden."\n  type = number\n  default = 30\n}\n'
        )
    regenerated = module_docs.render(readme, module_docs.tables(module))
    assert regenerated != readme
    assert '| `visibility` | Seconds a "message" stays hidden. | `number` | `30` |' in regenerated
    assert module_docs.render(regenerated, module_docs.tables(module)) == regenerated  # stable once regenerated


def test_heredoc_descriptions_and_nested_blocks_are_read() -> None:
    text = 'variable "w" {\n  description = <<-EOT\n    Two "quoted"\n    lines { with braces.\n  EOT\n  type = map(object({\n    a = string\n  }))\n  validation {\n    condition = true\n    error_message = "type = wrong"\n  }\n}\n'
    [(name, body)] = module_docs.blocks(text, "variable").items()
    assert name == "w"
    assert module_docs._text(module_docs.attribute(body, "description")) == 'Two "quoted" lines { with braces.'
    assert module_docs._one_line(module_docs.attribute(body, "type") or "") == "map(object({a = string}))"
