"""Plain-Python evaluation: the definition of what a condition means (docs/conditions.md).

`evaluate` is two-valued over a dict of typed answers. `evaluate3` is three-valued (Kleene):
answers listed in `unknown` may still take any value or stay unanswered, and the result is
None when it depends on them. The durable_rules compilation must agree with `evaluate`.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from recommender.conditions.ast import (
    And,
    Answered,
    Arith,
    Calc,
    Compare,
    Condition,
    Contains,
    Count,
    CountIn,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    ParamRef,
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


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def number_value(expr: Any, facts: Mapping[str, Any], sets: Sets | None = None) -> float | None:
    """The value of a calculation, or None when it has none: an operand is unanswered or not
    a number (count() of an answer that is not a list), a division by zero, or a result too
    large to be a number. Arithmetic is done in floating point (double precision) on every
    path, so the durable_rules engine computes exactly the same values."""
    if isinstance(expr, Literal):
        return float(expr.value) if is_number(expr.value) else None
    if isinstance(expr, Field):
        value: Any = facts.get(expr.name)
        return float(value) if is_number(value) else None
    if isinstance(expr, Count | CountIn):
        value = facts.get(expr.name)
        if not isinstance(value, list):
            return None
        if isinstance(expr, Count):
            return float(len(value))
        wanted = resolve_values(expr.values, sets)
        return float(sum(1 for item in value if any(same_value(item, w) for w in wanted)))
    if isinstance(expr, Arith):
        left = number_value(expr.left, facts, sets)
        right = number_value(expr.right, facts, sets)
        if left is None or right is None:
            return None
        if expr.op == "/":
            if right == 0:
                return None
            result = left / right
        else:
            result = _ARITH[expr.op](left, right)
        return result if math.isfinite(result) else None
    if isinstance(expr, ParamRef):
        raise ConditionError(f"unknown parameter '${expr.name}'")
    raise ConditionError(f"not a calculation: {expr!r}")


def constant_value(expr: Any) -> Scalar | None:
    """The value of a right-hand side that reads no answer: a Literal's own value (text
    included), or a calculation of numbers (a float; None when it has none)."""
    if isinstance(expr, Literal):
        return expr.value
    return number_value(expr, {}, None)


def _calc(node: Calc, facts: Mapping[str, Any], sets: Sets | None) -> bool:
    left = number_value(node.left, facts, sets)
    if left is None:
        return False
    right = constant_value(node.right)
    if not is_number(right):
        return False
    return _compare(node.op, left, right)


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
        if node.mode == "none":
            return not any(hits)
        return all(hits) if node.mode == "all" else any(hits)
    if isinstance(node, Calc):
        return _calc(node, facts, sets)
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
    if isinstance(node, Calc):
        names = referenced_fields(node)
        if not names.isdisjoint(unknown):
            for n in walk(node):  # an unknown @set fails loudly rather than hiding
                if isinstance(n, CountIn):
                    resolve_values(n.values, sets)
            return None
        absent = sorted(names.intersection(maybe_absent))
        if absent:
            return atom_either_way_many(node, facts, absent, sets)
        return _atom(node, facts, sets)
    name = node.subject.name if isinstance(node, Compare | In | Contains) else node.name
    if name in unknown:
        # Still resolve sets so an unknown @set fails loudly rather than hiding as "unknown".
        if isinstance(node, In | Contains):
            values = resolve_values(node.values, sets)
            if (
                bounds
                and isinstance(node, Contains)
                and node.mode != "none"
                and type(node.subject) is Field
            ):
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


def atom_either_way_many(
    node: Condition, facts: Mapping[str, Any], names: Sequence[str], sets: Sets | None = None
) -> bool | None:
    """`atom_either_way` for an atom reading several ids that may be gone (a calculation):
    the common value over every combination of them kept or dropped, else None."""
    present = [n for n in names if n in facts]
    first: bool | None = None
    for size in range(len(present) + 1):
        for dropped in itertools.combinations(present, size):
            case = {k: v for k, v in facts.items() if k not in dropped} if dropped else facts
            value = _atom(node, case, sets)
            if first is None:
                first = value
            elif value != first:
                return None
    return first


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
    elif isinstance(node, Calc | Arith):
        out.extend(walk(node.left))
        out.extend(walk(node.right))
    elif isinstance(node, CountIn):
        out.extend(walk(node.values))
    elif isinstance(node, ListLiteral):
        out.extend(node.items)
    return out


def referenced_fields(node: Any) -> set[str]:
    """Answer ids (and derived facts) the condition (or calculation) reads."""
    return {
        n.name for n in walk(node) if isinstance(n, Field | Count | CountIn | Answered | Truthy)
    }


def referenced_params(node: Any) -> set[str]:
    """Names of the `$parameters` the condition uses (unbound ones and bound values)."""
    out = {n.name for n in walk(node) if isinstance(n, ParamRef)}
    out |= {n.param for n in walk(node) if isinstance(n, Literal) and n.param}
    return out


def referenced_sets(node: Condition) -> set[str]:
    """Names of the `@sets` the condition uses."""
    return {n.name for n in walk(node) if isinstance(n, SetRef)}
