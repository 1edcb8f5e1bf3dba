"""Renders the `${name}` placeholders of a Terraform template file, as templatefile() does, for the tests
and the local runtime. Anything beyond plain `${identifier}` interpolation is refused rather than mis-rendered,
so the file stays the single definition both Terraform and Python read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def render_template(path: Path, variables: Mapping[str, str]) -> str:
    text = path.read_text(encoding="utf-8")
    if "%{" in text or "$${" in text:
        raise ValueError(f"{path}: template directives and escapes are not supported by this renderer")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if not IDENTIFIER.match(name):
            raise ValueError(f"{path}: only ${{name}} placeholders are supported, found ${{{match.group(1)}}}")
        if name not in variables:
            raise KeyError(f"{path}: no value for template variable {name!r}")
        return str(variables[name])

    return PLACEHOLDER.sub(substitute, text)
