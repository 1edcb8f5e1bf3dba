"""The trigger's rule language (lambdas/stream_trigger/conditions.py): every operator, and every bad rule named."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stream_trigger.conditions import ConditionError, parse_conditions


def change(event_name: str = "MODIFY", old: dict[str, Any] | None = None, new: dict[str, Any] | None = None) -> dict:
    old_keys, new_keys = set(old or {}), set(new or {})
    changed = sorted(k for k in old_keys | new_keys if (old or {}).get(k, ...) != (new or {}).get(k, ...))
    return {"eventName": event_name, "oldImage": old, "newImage": new, "changedFields": changed}


PENDING = {"id": "o-1", "status": "PENDING", "amount": 150, "customer": {"tier": "gold", "tags": ["vip"]}}
PAID = {**PENDING, "status": "PAID"}
SMALL = {**PENDING, "amount": 100}


def matches(rules: Any, subject: dict) -> bool:
    return parse_conditions(json.dumps(rules))(subject)


@pytest.mark.parametrize(
    ("rules", "subject", "expected"),
    [
        # the examples from the issue
        ({"field": "status", "changedFrom": "PENDING", "changedTo": "PAID"}, change(old=PENDING, new=PAID), True),
        ({"field": "status", "changedFrom": "PENDING", "changedTo": "PAID"}, change(old=PAID, new=PAID), False),
        ({"field": "status", "changedFrom": "PENDING", "changedTo": "PAID"}, change("INSERT", None, PAID), False),
        ({"field": "amount", "greaterThan": 100}, change("INSERT", None, PENDING), True),
        ({"field": "amount", "greaterThan": 100}, change("INSERT", None, SMALL), False),
        ({"anyChanged": ["status", "email"]}, change(old=PENDING, new=PAID), True),
        ({"anyChanged": ["amount", "email"]}, change(old=PENDING, new=PAID), False),
        # each comparison
        ({"field": "amount", "greaterThanOrEqual": 100}, change(new=SMALL), True),
        ({"field": "amount", "lessThan": 100}, change(new=SMALL), False),
        ({"field": "amount", "lessThanOrEqual": 100}, change(new=SMALL), True),
        ({"field": "amount", "lessThan": 1000}, change(new={"amount": "5"}), False),
        ({"field": "amount", "lessThan": 1000}, change(new={"amount": True}), False),
        ({"field": "amount", "equals": 150.0}, change(new=PENDING), True),
        ({"field": "flag", "equals": 1}, change(new={"flag": True}), False),
        ({"field": "status", "notEquals": "PAID"}, change(new=PENDING), True),
        ({"field": "status", "notEquals": "PAID"}, change(new={}), True),
        ({"field": "status", "in": ["PAID", "SHIPPED"]}, change(new=PAID), True),
        ({"field": "status", "in": ["PAID", "SHIPPED"]}, change(new=PENDING), False),
        ({"field": "status", "exists": True}, change(new=PENDING), True),
        ({"field": "email", "exists": False}, change(new=PENDING), True),
        ({"field": "status", "prefix": "PAI"}, change(new=PAID), True),
        ({"field": "amount", "prefix": "1"}, change(new=PAID), False),
        ({"field": "status", "changed": True}, change(old=PENDING, new=PAID), True),
        ({"field": "amount", "changed": False}, change(old=PENDING, new=PAID), True),
        ({"field": "status", "changedTo": "PAID"}, change("INSERT", None, PAID), True),
        ({"field": "status", "changedFrom": "PAID"}, change("REMOVE", PAID, None), True),
        # paths and images
        ({"field": "customer.tier", "equals": "gold"}, change(new=PENDING), True),
        ({"field": "customer.tags.0", "equals": "vip"}, change(new=PENDING), True),
        ({"field": "customer.tags.1", "exists": True}, change(new=PENDING), False),
        ({"field": "customer", "equals": {"tags": ["vip"], "tier": "gold"}}, change(new=PENDING), True),
        ({"field": "status", "image": "old", "equals": "PENDING"}, change(old=PENDING, new=PAID), True),
        ({"field": "status", "equals": "PAID"}, change("REMOVE", PAID, None), False),
        # combinators, event names and lists
        ({"all": [{"eventName": ["MODIFY"]}, {"field": "amount", "greaterThan": 100}]}, change(new=PENDING), True),
        ({"any": [{"eventName": ["INSERT"]}, {"field": "amount", "greaterThan": 200}]}, change(new=PENDING), False),
        ({"not": {"eventName": ["REMOVE"]}}, change("REMOVE", PAID, None), False),
        ([{"eventName": ["INSERT"]}, {"field": "status", "equals": "PAID"}], change(new=PAID), True),
        ([], change(new=PAID), True),
    ],
)
def test_rules(rules: Any, subject: dict, expected: bool) -> None:
    assert matches(rules, subject) is expected


@pytest.mark.parametrize("unset", [None, "", "  "])
def test_no_conditions_match_every_change(unset: str | None) -> None:
    assert parse_conditions(unset)(change("REMOVE", PAID, None))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "CONDITIONS: not valid JSON"),
        ('"status"', "CONDITIONS: a rule must be a JSON object"),
        ('{"field": "amount", "greaterThen": 1}', "CONDITIONS: unknown test(s) ['greaterThen']"),
        (
            '[{"eventName": ["INSERT"]}, {"field": "amount", "greaterThan": "100"}]',
            "CONDITIONS[1].greaterThan: must be a number",
        ),
        (
            '{"all": [{"any": [{"eventName": ["UPSERT"]}]}]}',
            "CONDITIONS.all[0].any[0].eventName: unknown event names ['UPSERT']",
        ),
        ('{"all": []}', "CONDITIONS.all: must be a non-empty list"),
        ('{"not": {"field": "a"}}', "CONDITIONS.not: a field rule needs at least one test"),
        ('{"field": "a", "anyChanged": ["b"]}', "CONDITIONS: a rule needs exactly one of"),
        ('{"eventName": ["INSERT"], "extra": 1}', "CONDITIONS: 'eventName' takes no other keys"),
        ('{"anyChanged": []}', "CONDITIONS.anyChanged: must be a non-empty list"),
        ('{"field": "a..b", "exists": true}', "CONDITIONS.field: must be a field name or dotted path"),
        ('{"field": "a", "image": "both", "exists": true}', 'CONDITIONS.image: must be "new" or "old"'),
        ('{"field": "a", "exists": "yes"}', "CONDITIONS.exists: must be true or false"),
        ('{"field": "a", "in": []}', "CONDITIONS.in: must be a non-empty list"),
        ('{"field": "a", "prefix": 1}', "CONDITIONS.prefix: must be a string"),
    ],
)
def test_bad_rules_are_named(text: str, message: str) -> None:
    with pytest.raises(ConditionError) as raised:
        parse_conditions(text)
    assert str(raised.value).startswith(message)
