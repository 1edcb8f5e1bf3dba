"""A function's settings, read once from its environment at import: each reader names the variable and the rule
it breaks, so a misconfigured deployment fails its first invocation with one clear line."""

from __future__ import annotations

import re
from collections.abc import Mapping


class ConfigurationError(ValueError):
    """An environment variable of the function is missing or invalid."""


def whole_number(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = environ.get(name, str(default))
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high}, got {text!r}")
    return int(text)


def queue_url(environ: Mapping[str, str], name: str) -> str:
    url = environ.get(name, "")
    if not url.startswith(("https://", "http://")):
        raise ConfigurationError(f"{name} must be an SQS queue URL, got {url!r}")
    return url


def matching(environ: Mapping[str, str], name: str, default: str, pattern: str, rule: str) -> str:
    """The variable's text, which must match `pattern` (`rule` says so in words)."""
    text = environ.get(name, default)
    if not re.match(pattern, text):
        raise ConfigurationError(f"{name} must be {rule}, got {text!r}")
    return text


def optional(environ: Mapping[str, str], name: str) -> str | None:
    """An optional variable: unset and empty are both None."""
    return environ.get(name) or None
