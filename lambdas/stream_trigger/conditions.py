"""A small JSON rule language over changes (see lambdas/common/change.py), for what ESM filters cannot say.

    CONDITIONS := rule | [rule, ...]          a list matches when any rule matches; [] or unset matches all
    rule :=
      {"all": [rule, ...]} | {"any": [rule, ...]} | {"not": rule}
      {"eventName": ["INSERT" | "MODIFY" | "REMOVE", ...]}
      {"anyChanged": ["field", ...]}         any of these top-level fields changed
      {"field": "a.b", "image": "new" | "old", <test>, ...}    every test holds ("image" defaults to "new")
    test :=
      "equals": v | "notEquals": v | "in": [v, ...] | "exists": true | false | "prefix": "text"
      "greaterThan" | "greaterThanOrEqual" | "lessThan" | "lessThanOrEqual": number
      "changed": true | false | "changedFrom": v | "changedTo": v    (compare the old and new images)

Examples: `{"field": "status", "changedFrom": "PENDING", "changedTo": "PAID"}`,
`{"field": "amount", "greaterThan": 100}`, `{"anyChanged": ["address", "email"]}`.

Equality is JSON equality (1 == 1.0, true != 1). A numeric test on a missing or non-numeric value is false.
Every mistake is reported when the rules are parsed, with the path of the offending rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from common.change import EVENT_NAMES

Change = Mapping[str, Any]
Predicate = Callable[[Change], bool]

_MISSING = object()
_NUMERIC: dict[str, Callable[[Any, Any], bool]] = {
    "greaterThan": lambda value, bound: value > bound,
    "greaterThanOrEqual": lambda value, bound: value >= bound,
    "lessThan": lambda value, bound: value < bound,
    "lessThanOrEqual": lambda value, bound: value <= bound,
}
_FIELD_TESTS = {"equals", "notEquals", "in", "exists", "prefix", "changed", "changedFrom", "changedTo", *_NUMERIC}
_RULE_FORMS = ("all", "any", "not", "eventName", "anyChanged", "field")


class ConditionError(ValueError):
    """CONDITIONS is not a valid rule set; the message starts with the path of the bad rule."""


def json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def lookup(image: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a dotted path (map keys, or list indexes given as digits); _MISSING when absent."""
    current: Any = image if image is not None else _MISSING
    for segment in path.split("."):
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit() and int(segment) < len(current):
            current = current[int(segment)]
        else:
            return _MISSING
    return current


def parse_conditions(text: str | None) -> Predicate:
    """Compile CONDITIONS (JSON text) into a predicate over changes; raises ConditionError."""
    if text is None or not text.strip():
        return lambda change: True
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ConditionError(f"CONDITIONS: not valid JSON ({error})") from error
    if isinstance(document, list):
        rules = [_compile(rule, f"CONDITIONS[{index}]") for index, rule in enumerate(document)]
        return (lambda change: any(rule(change) for rule in rules)) if rules else (lambda change: True)
    return _compile(document, "CONDITIONS")


def _compile(rule: Any, where: str) -> Predicate:
    if not isinstance(rule, dict):
        raise ConditionError(f"{where}: a rule must be a JSON object, got {json.dumps(rule)}")
    forms = [form for form in _RULE_FORMS if form in rule]
    if len(forms) != 1:
        raise ConditionError(f"{where}: a rule needs exactly one of {', '.join(_RULE_FORMS)}; got keys {sorted(rule)}")
    form = forms[0]
    if form != "field" and len(rule) != 1:
        raise ConditionError(f"{where}: '{form}' takes no other keys; got {sorted(rule)}")
    if form in ("all", "any"):
        return _compile_group(form, rule[form], where)
    if form == "not":
        inner = _compile(rule["not"], f"{where}.not")
        return lambda change: not inner(change)
    if form == "eventName":
        names = _string_list(rule["eventName"], f"{where}.eventName")
        unknown = sorted(set(names) - set(EVENT_NAMES))
        if unknown:
            raise ConditionError(f"{where}.eventName: unknown event names {unknown} (expected {list(EVENT_NAMES)})")
        return lambda change: change["eventName"] in names
    if form == "anyChanged":
        fields = set(_string_list(rule["anyChanged"], f"{where}.anyChanged"))
        return lambda change: not fields.isdisjoint(change["changedFields"])
    return _compile_field(rule, where)


def _compile_group(form: str, members: Any, where: str) -> Predicate:
    if not isinstance(members, list) or not members:
        raise ConditionError(f"{where}.{form}: must be a non-empty list of rules")
    rules = [_compile(member, f"{where}.{form}[{index}]") for index, member in enumerate(members)]
    combine = all if form == "all" else any
    return lambda change: combine(rule(change) for rule in rules)


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise ConditionError(f"{where}: must be a non-empty list of non-empty strings")
    return value


def _compile_field(rule: dict[str, Any], where: str) -> Predicate:
    path = rule["field"]
    if not isinstance(path, str) or not path or "" in path.split("."):
        raise ConditionError(f"{where}.field: must be a field name or dotted path, got {json.dumps(path)}")
    image = rule.get("image", "new")
    if image not in ("new", "old"):
        raise ConditionError(f'{where}.image: must be "new" or "old", got {json.dumps(image)}')
    tests = {key: value for key, value in rule.items() if key not in ("field", "image")}
    unknown = sorted(set(tests) - _FIELD_TESTS)
    if unknown:
        raise ConditionError(f"{where}: unknown test(s) {unknown} (expected some of {sorted(_FIELD_TESTS)})")
    if not tests:
        raise ConditionError(f"{where}: a field rule needs at least one test ({sorted(_FIELD_TESTS)})")
    checks = [_compile_test(name, argument, path, image, f"{where}.{name}") for name, argument in tests.items()]
    return lambda change: all(check(change) for check in checks)


def _compile_test(name: str, argument: Any, path: str, image: str, where: str) -> Predicate:
    def value(change: Change) -> Any:
        return lookup(change[f"{image}Image"], path)

    def old_and_new(change: Change) -> tuple[Any, Any]:
        return lookup(change["oldImage"], path), lookup(change["newImage"], path)

    def changed(change: Change) -> bool:
        old, new = old_and_new(change)
        return (old is _MISSING) != (new is _MISSING) or (old is not _MISSING and not json_equal(old, new))

    if name in _NUMERIC:
        if not _is_number(argument):
            raise ConditionError(f"{where}: must be a number, got {json.dumps(argument)}")
        compare = _NUMERIC[name]
        return lambda change: _is_number(v := value(change)) and compare(v, argument)
    if name == "equals":
        return lambda change: (v := value(change)) is not _MISSING and json_equal(v, argument)
    if name == "notEquals":
        return lambda change: (v := value(change)) is _MISSING or not json_equal(v, argument)
    if name == "in":
        if not isinstance(argument, list) or not argument:
            raise ConditionError(f"{where}: must be a non-empty list of values")
        return lambda change: (v := value(change)) is not _MISSING and any(json_equal(v, a) for a in argument)
    if name == "prefix":
        if not isinstance(argument, str):
            raise ConditionError(f"{where}: must be a string, got {json.dumps(argument)}")
        return lambda change: isinstance(v := value(change), str) and v.startswith(argument)
    if name in ("exists", "changed"):
        if not isinstance(argument, bool):
            raise ConditionError(f"{where}: must be true or false, got {json.dumps(argument)}")
        if name == "exists":
            return lambda change: (value(change) is not _MISSING) == argument
        return lambda change: changed(change) == argument
    if name == "changedFrom":
        return lambda change: changed(change) and json_equal(old_and_new(change)[0], argument)
    # changedTo
    return lambda change: changed(change) and json_equal(old_and_new(change)[1], argument)
