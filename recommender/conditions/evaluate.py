"""Plain-Python evaluation: the definition of what a condition means (docs/conditions.md).

`evaluate` is two-valued over a dict of typed answers. `evaluate3` is three-valued (Kleene):
answers listed in `unknown` may still take any value or stay unanswered, and the result is
None when it depends on them. The durable_rules compilation must agree with `evaluate`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from recommender.conditions.ast import (
    And,
    Answered,
    Compare,
    Condition,
    Contains,
    Count,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    Scalar,
    SetRef,
    Subject,
    Truthy,
)
from recommender.conditions.errors import ConditionError, UnknownSetError

Sets = Mapping[str, Sequence[Any]]

_NUMERIC: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def is_number(value: Any) -> bool:
    """True for int/float but not bool (bool is an int subclass in Python)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_value(a: Any, b: Any) -> bool:
    """Typed equality: booleans equal only booleans, numbers only numbers, strings only strings."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def resolve_values(values: ListLiteral | SetRef | Literal, sets: Sets | None) -> list[Scalar]:
    """The constants a list literal, a single literal or an `@set` stands for."""
    if isinstance(values, Literal):
        return [values.value]
    if isinstance(values, ListLiteral):
        return [item.value for item in values.items]
    if sets is None or values.name not in sets:
        raise UnknownSetError(values.name)
    return list(sets[values.name])


def _present(facts: Mapping[str, Any], name: str) -> bool:
    # None is treated as "no answer" so a stray null never counts as answered.
    return name in facts and facts[name] is not None


def _subject_value(subject: Subject, facts: Mapping[str, Any]) -> tuple[bool, Any]:
    """(present, value) of a subject; count(x) is present only when x is a list."""
    if not _present(facts, subject.name):
        return False, None
    value = facts[subject.name]
    if isinstance(subject, Count):
        if not isinstance(value, list):
            return False, None
        return True, len(value)
    return True, value


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return same_value(left, right)
    if op == "!=":
        return not same_value(left, right)
    if is_number(left) and is_number(right):
        return bool(_NUMERIC[op](left, right))
    return False


def _atom(node: Condition, facts: Mapping[str, Any], sets: Sets | None) -> bool:
    if isinstance(node, Compare):
        present, value = _subject_value(node.subject, facts)
        return present and _compare(node.op, value, node.value.value)
    if isinstance(node, In):
        present, value = _subject_value(node.subject, facts)
        if not present:
            return False
        found = any(same_value(value, v) for v in resolve_values(node.values, sets))
        return found != node.negated
    if isinstance(node, Contains):
        present, value = _subject_value(node.subject, facts)
        if not present or not isinstance(value, list):
            return False
        wanted = resolve_values(node.values, sets)
        hits = [any(same_value(item, w) for item in value) for w in wanted]
        return all(hits) if node.mode == "all" else any(hits)
    if isinstance(node, Answered):
        return _present(facts, node.name) != node.negated
    if isinstance(node, Truthy):
        return _present(facts, node.name) and same_value(facts[node.name], True)
    raise ConditionError(f"not a condition node: {node!r}")


def evaluate(node: Condition, facts: Mapping[str, Any], sets: Sets | None = None) -> bool:
    """True when the condition holds for `facts` (typed answers; unanswered ids are absent)."""
    if isinstance(node, And):
        return all(evaluate(o, facts, sets) for o in node.operands)
    if isinstance(node, Or):
        return any(evaluate(o, facts, sets) for o in node.operands)
    if isinstance(node, Not):
        return not evaluate(node.operand, facts, sets)
    return _atom(node, facts, sets)


def evaluate3(
    node: Condition,
    facts: Mapping[str, Any],
    unknown: Collection[str],
    sets: Sets | None = None,
    maybe_absent: Collection[str] = (),
    bounds: Mapping[str, Collection[Any]] | None = None,
) -> bool | None:
    """Kleene evaluation: None when the result depends on an id in `unknown`.

    An unknown id may still get any value or stay unanswered, so every atom about it is
    unknown (its entry in `facts`, if any, is ignored), except that an unknown id listed in
    `bounds` is a list that can only hold those items (or be absent): `x contains v` is
    then false when v is not among them. An id in `maybe_absent` keeps its value in `facts`
    or loses it (a question that another answer could hide): an atom about it is known when
    it has the same value both ways.
    """
    if isinstance(node, And):
        result: bool | None = True
        for operand in node.operands:
            r = evaluate3(operand, facts, unknown, sets, maybe_absent, bounds)
            if r is False:
                return False
            if r is None:
                result = None
        return result
    if isinstance(node, Or):
        result = False
        for operand in node.operands:
            r = evaluate3(operand, facts, unknown, sets, maybe_absent, bounds)
            if r is True:
                return True
            if r is None:
                result = None
        return result
    if isinstance(node, Not):
        r = evaluate3(node.operand, facts, unknown, sets, maybe_absent, bounds)
        return None if r is None else not r
    name = node.subject.name if isinstance(node, Compare | In | Contains) else node.name
    if name in unknown:
        # Still resolve sets so an unknown @set fails loudly rather than hiding as "unknown".
        if isinstance(node, In | Contains):
            values = resolve_values(node.values, sets)
            if bounds and isinstance(node, Contains) and type(node.subject) is Field:
                allowed = bounds.get(name)
                if allowed is not None:
                    return bounded_contains(node.mode, values, allowed)
        return None
    if name in maybe_absent:
        return atom_either_way(node, facts, name, sets)
    return _atom(node, facts, sets)


def bounded_contains(mode: str, wanted: Sequence[Any], allowed: Collection[Any]) -> bool | None:
    """`x contains...` (mode one/any/all, the wanted values) for a list x that can only hold
    items of `allowed` (or be unanswered): False when no such list satisfies it, else None."""
    possible = [w for w in wanted if any(same_value(w, a) for a in allowed)]
    if mode == "all":
        return None if len(possible) == len(wanted) else False
    return None if possible else False


def atom_either_way(
    node: Condition, facts: Mapping[str, Any], name: str, sets: Sets | None = None
) -> bool | None:
    """An atom about `name` with `name` as in `facts` and with it unanswered: the common
    value, or None when the two differ."""
    present = _atom(node, facts, sets)
    if name not in facts:
        return present
    absent = _atom(node, {k: v for k, v in facts.items() if k != name}, sets)
    return present if present == absent else None


def subject_name(node: Compare | In | Contains | Answered | Truthy) -> str:
    """The answer id an atom talks about."""
    if isinstance(node, Compare | In | Contains):
        return node.subject.name
    return node.name


def walk(node: Any) -> list[Any]:
    """Every node of the tree, parents before children."""
    out = [node]
    if isinstance(node, And | Or):
        for o in node.operands:
            out.extend(walk(o))
    elif isinstance(node, Not):
        out.extend(walk(node.operand))
    elif isinstance(node, Compare | In | Contains):
        out.append(node.subject)
        out.extend(walk(node.values) if isinstance(node, In | Contains) else [node.value])
    elif isinstance(node, ListLiteral):
        out.extend(node.items)
    return out


def referenced_fields(node: Condition) -> set[str]:
    """Answer ids (and derived facts) the condition reads."""
    return {n.name for n in walk(node) if isinstance(n, Field | Count | Answered | Truthy)}


def referenced_sets(node: Condition) -> set[str]:
    """Names of the `@sets` the condition uses."""
    return {n.name for n in walk(node) if isinstance(n, SetRef)}
