"""The input and output tables of every module's README, generated from its variables.tf and outputs.tf.

    python -m scripts.module_docs           rewrite the tables in place (make fmt runs it)
    python -m scripts.module_docs --check   list the READMEs whose tables drifted; exit 1 if any

terraform-docs does this, but it is a Go binary from GitHub releases, which this project's machines cannot
reach; the subset of HCL our variable and output blocks use (string literals, type and default expressions)
is small enough to read here. The tables sit between two markers; everything else in a README is prose.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "modules"
BEGIN = "<!-- BEGIN GENERATED: inputs and outputs (python -m scripts.module_docs) -->"
END = "<!-- END GENERATED -->"
OPENERS, CLOSERS = "([{", ")]}"


@dataclass(frozen=True)
class Entry:
    name: str
    description: str
    type: str | None = None
    default: str | None = None  # HCL text; None: required (inputs) or not applicable (outputs)


def _skip_string(text: str, start: int) -> int:
    """Index just past the string literal that opens at text[start] (a double quote)."""
    index = start + 1
    while text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return index + 1


HEREDOC = re.compile(r"<<-?([A-Z]+)\n")


def _skip_heredoc(text: str, start: int) -> int:
    """Index just past the heredoc that opens at text[start] (<<EOT or <<-EOT), or start if there is none."""
    match = HEREDOC.match(text, start)
    if match is None:
        return start
    end = re.compile(rf"^[ \t]*{match.group(1)}[ \t]*$", re.M).search(text, match.end())
    return len(text) if end is None else end.end()


def _heredoc_text(literal: str) -> str:
    match = HEREDOC.match(literal)
    assert match is not None
    lines = literal[match.end() :].splitlines()[:-1]  # without the terminator line
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return " ".join(line[indent:].strip() for line in lines).strip()


def _expression_end(text: str, start: int, stop_at_newline: bool) -> int:
    """End of the bracket-balanced expression from start: the closing brace of a block (stop_at_newline False)
    or the end of an attribute's line, continued while brackets are open (True)."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _skip_string(text, index)
            continue
        if text.startswith("<<", index) and (after := _skip_heredoc(text, index)) != index:
            index = after
            continue
        if char == "#" or text.startswith("//", index):
            index = text.find("\n", index)
            continue
        if char in OPENERS:
            depth += 1
        elif char in CLOSERS:
            depth -= 1
            if depth < 0:
                return index
        elif char == "\n" and depth == 0 and stop_at_newline:
            return index
        index += 1
    return index


def blocks(text: str, kind: str) -> dict[str, str]:
    """Name -> body of each top-level `<kind> "<name>" {` block."""
    found = {}
    for match in re.finditer(rf'^{kind} "([A-Za-z0-9_-]+)" \{{', text, re.M):
        found[match.group(1)] = text[match.end() : _expression_end(text, match.end(), stop_at_newline=False)]
    return found


def attribute(body: str, name: str) -> str | None:
    """The expression text of a top-level attribute of a block body (nested blocks such as validation are skipped)."""
    index, depth = 0, 0
    while index < len(body):
        char = body[index]
        if char == '"':
            index = _skip_string(body, index)
            continue
        if body.startswith("<<", index) and (after := _skip_heredoc(body, index)) != index:
            index = after
            continue
        if char in OPENERS:
            depth += 1
        elif char in CLOSERS:
            depth -= 1
        elif depth == 0 and (match := re.compile(rf"\n[ \t]*{name}[ \t]*=[ \t]*").match(body, index)):
            end = _expression_end(body, match.end(), stop_at_newline=True)
            return body[match.end() : end].strip()
        index += 1
    return None


def _text(literal: str | None) -> str:
    if literal is None:
        return ""
    if literal.startswith("<<"):
        return _heredoc_text(literal)
    return str(json.loads(literal)) if literal.startswith('"') else literal


def _one_line(expression: str) -> str:
    expression = re.sub(r"\s*#[^\n]*", "", expression)  # comments inside multi-line expressions
    return re.sub(r"\s+", " ", expression).replace("{ ", "{").replace(" }", "}").strip()


def inputs(module: Path) -> list[Entry]:
    text = (module / "variables.tf").read_text()
    return [
        Entry(
            name,
            _text(attribute(body, "description")),
            _one_line(attribute(body, "type") or "any"),
            None if (default := attribute(body, "default")) is None else _one_line(default),
        )
        for name, body in blocks(text, "variable").items()
    ]


def outputs(module: Path) -> list[Entry]:
    text = (module / "outputs.tf").read_text()
    entries = [Entry(name, _text(attribute(body, "description"))) for name, body in blocks(text, "output").items()]
    return sorted(entries, key=lambda entry: entry.name)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tables(module: Path) -> str:
    lines = [BEGIN, "## Inputs", ""]
    entries = sorted(inputs(module), key=lambda entry: (entry.default is not None, entry.name))
    if entries:
        lines += ["| Name | Description | Type | Default |", "|---|---|---|---|"]
        for entry in entries:
            default = "required" if entry.default is None else f"`{_cell(entry.default)}`"
            lines.append(f"| `{entry.name}` | {_cell(entry.description)} | `{_cell(entry.type or '')}` | {default} |")
    else:
        lines.append("None.")
    lines += ["", "## Outputs", ""]
    if found := outputs(module):
        lines += ["| Name | Description |", "|---|---|"]
        lines += [f"| `{entry.name}` | {_cell(entry.description)} |" for entry in found]
    else:
        lines.append("None.")
    return "\n".join([*lines, END]) + "\n"


def render(readme: str, generated: str) -> str:
    """The README with its generated part replaced (or, the first time, its hand-written Inputs and Outputs)."""
    if BEGIN in readme:
        head, rest = readme.split(BEGIN, 1)
        return head + generated + rest.split(END, 1)[1].lstrip("\n")
    start = readme.find("\n## Inputs")
    if start < 0:
        return readme.rstrip("\n") + "\n\n" + generated
    after = re.search(r"\n## (?!Inputs|Outputs)", readme[start + 1 :])
    tail = "" if after is None else "\n" + readme[start + 1 + after.start() + 1 :]
    return readme[: start + 1] + generated + tail


def modules() -> list[Path]:
    """Every module, and every submodule whose README asks for its tables (modules/stack/modules/settings)."""
    nested = [
        path
        for path in MODULES.glob("*/modules/*")
        if (path / "variables.tf").is_file() and BEGIN in (path / "README.md").read_text()
    ]
    return sorted([path for path in MODULES.iterdir() if (path / "variables.tf").is_file()] + nested)


ENVIRONMENT_ROOT = ROOT / "envs" / "common"  # every environment root links to its files


def documented() -> list[tuple[Path, Path]]:
    """(folder whose variables.tf and outputs.tf are read, README whose tables are generated from them)."""
    return [(module, module / "README.md") for module in modules()] + [(ENVIRONMENT_ROOT, ROOT / "envs" / "README.md")]


def drifted() -> list[str]:
    return [
        str(readme.relative_to(ROOT))
        for folder, readme in documented()
        if not readme.is_file() or render(readme.read_text(), tables(folder)) != readme.read_text()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drifted READMEs instead of rewriting them")
    args = parser.parse_args(argv)
    if args.check:
        stale = drifted()
        for name in stale:
            print(f"{name}: inputs/outputs tables drifted; run python -m scripts.module_docs", file=sys.stderr)
        return 1 if stale else 0
    for folder, readme in documented():
        current = readme.read_text() if readme.is_file() else f"# {folder.name}\n"
        updated = render(current, tables(folder))
        if updated != current:
            readme.write_text(updated)
            print(f"updated {readme.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
