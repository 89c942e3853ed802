"""Compile a condition to a durable_rules expression (the value of `{"m": ...}`).

durable_rules has no general NOT, so negation is pushed down to the atoms here. Behaviour
measured on durable-rules 2.0.28 (tests/conditions/test_durable_agreement.py re-checks it):

- a missing field makes every comparison false (`$neq`, `$lt`, ..., `$iany`, `$iall`), which is
  our semantics for positive atoms; negated atoms therefore add a `{"$nex": {x: 1}}` branch;
- `$iany` over an empty list is false (right), but `$iall` over an empty list is also false, so
  "x does not contain v" is `$iall(item != v)` OR `x__count == 0` OR x unanswered;
- `x__count` is the length of list answer x, asserted by the engine next to x;
- equality is loose across types (`1 == true`, `"5" == 5`) and `<` on strings is lexicographic:
  answers are coerced to typed values from the questionnaire (and `check` refuses mixed-type
  comparisons), so compiled conditions never see those cases for questionnaire answers;
- comparisons with a list-valued field (`x == v` for a list x) are false in durable even under
  negation; `check` refuses them for list questions.

The engine must add `{"$nex": {"$s": 1}}` to every rule's `$and` (see docs/engine.md):
`$nex` branches are otherwise satisfied by the session-state object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recommender.conditions.ast import (
    And,
    Answered,
    Compare,
    Condition,
    Contains,
    Count,
    In,
    Not,
    Or,
    Subject,
    Truthy,
)
from recommender.conditions.errors import ConditionError
from recommender.conditions.evaluate import referenced_fields, resolve_values

Expr = dict[str, Any]

COUNT_SUFFIX = "__count"

_OPS = {"==": None, "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEGATED_OP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def count_field(name: str) -> str:
    """The fact field holding the length of list answer `name`."""
    return f"{name}{COUNT_SUFFIX}"


def _field(subject: Subject) -> str:
    return count_field(subject.name) if isinstance(subject, Count) else subject.name


def _cmp(field: str, op: str, value: Any) -> Expr:
    durable_op = _OPS[op]
    return {field: value} if durable_op is None else {durable_op: {field: value}}


def _ex(field: str) -> Expr:
    return {"$ex": {field: 1}}


def _nex(field: str) -> Expr:
    return {"$nex": {field: 1}}


def _never(field: str) -> Expr:
    """An expression no fact satisfies (durable has no literal false)."""
    return {"$and": [_ex(field), _nex(field)]}


def _any(exprs: list[Expr], field: str) -> Expr:
    flat: list[Expr] = []
    for e in exprs:
        flat.extend(e["$or"] if set(e) == {"$or"} else [e])
    if not flat:
        return _never(field)
    return flat[0] if len(flat) == 1 else {"$or": flat}


def _all(exprs: list[Expr], field: str) -> Expr:
    flat: list[Expr] = []
    for e in exprs:
        flat.extend(e["$and"] if set(e) == {"$and"} else [e])
    if not flat:
        return _ex(field)
    return flat[0] if len(flat) == 1 else {"$and": flat}


def _has_item(field: str, value: Any) -> Expr:
    return {"$iany": {field: {"$i": value}}}


def _lacks_item(field: str, value: Any) -> Expr:
    """Answered list without `value` (an empty list included), or unanswered."""
    return {
        "$or": [
            {"$iall": {field: {"$neq": {"$i": value}}}},
            {count_field(field): 0},
            _nex(field),
        ]
    }


def _compile(node: Condition, negate: bool, sets: Mapping[str, Sequence[Any]] | None) -> Expr:
    if isinstance(node, Not):
        return _compile(node.operand, not negate, sets)
    if isinstance(node, And | Or):
        parts = [_compile(o, negate, sets) for o in node.operands]
        conj = isinstance(node, And) != negate  # De Morgan
        first = _first_field(node)
        return _all(parts, first) if conj else _any(parts, first)
    if isinstance(node, Answered):
        absent = node.negated != negate
        return _nex(node.name) if absent else _ex(node.name)
    if isinstance(node, Truthy):
        if negate:
            return _any([{"$neq": {node.name: True}}, _nex(node.name)], node.name)
        return {node.name: True}
    if isinstance(node, Compare):
        field = _field(node.subject)
        value = node.value.value
        if negate:
            return _any([_cmp(field, _NEGATED_OP[node.op], value), _nex(field)], field)
        return _cmp(field, node.op, value)
    if isinstance(node, In):
        field = _field(node.subject)
        values = resolve_values(node.values, sets)
        eqs = [_cmp(field, "==", v) for v in values]
        neqs = [_cmp(field, "!=", v) for v in values]
        if node.negated != negate:  # "answered and not one of" (or its negation's half)
            outside = _all(neqs, field)
            return _any([outside, _nex(field)], field) if negate else outside
        inside = _any(eqs, field)
        return _any([inside, _nex(field)], field) if negate else inside
    if isinstance(node, Contains):
        field = node.subject.name
        if isinstance(node.subject, Count):
            raise ConditionError("'contains' cannot be used with count()")
        values = resolve_values(node.values, sets)
        mode = "any" if node.mode == "one" else node.mode
        if not negate:
            has = [_has_item(field, v) for v in values]
            return _any(has, field) if mode == "any" else _all(has, field)
        lacks = [_lacks_item(field, v) for v in values]
        if not lacks and mode == "all":
            return _nex(field)  # "contains all of nothing" holds for every answered list
        if mode == "any":
            # not (contains a or contains b) = lacks a and lacks b; nothing to lack -> always
            return _all(lacks, field) if lacks else _any([_ex(field), _nex(field)], field)
        return _any(lacks, field)
    raise ConditionError(f"not a condition node: {node!r}")


def _first_field(node: Condition) -> str:
    names = sorted(referenced_fields(node))
    return names[0] if names else "_"


def to_durable(node: Condition, sets: Mapping[str, Sequence[Any]] | None = None) -> Expr:
    """durable_rules expression equivalent to `evaluate(node, facts, sets)`.

    Facts must be typed answers, with `x__count` added for every list answer x.
    """
    return _compile(node, False, sets)
