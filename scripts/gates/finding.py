"""One problem a gate found, said so that the reader knows where to look and why it fails on AWS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    where: str  # the Terraform address (module path) and attribute, or the file
    part: str  # what in it: "statement <Sid or #index>", a state, a path
    reason: str

    def __str__(self) -> str:
        return f"{self.where} {self.part}: {self.reason}"
