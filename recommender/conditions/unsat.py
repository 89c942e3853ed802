"""A cheap detector of conditions that can never hold (`x == a and x == b`, `x > 5 and x < 3`).

Sound, not complete: it only reasons about conjunctions of plain atoms (and disjunctions whose
every branch is contradictory), so a reported condition is certainly unsatisfiable, while
many unsatisfiable conditions go unnoticed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.conditions.ast import (
    And,
    Answered,
    Calc,
    Compare,
    Condition,
    Contains,
    Count,
    Field,
    In,
    ListLiteral,
    Not,
    Or,
    Truthy,
    format_value,
)
from recommender.conditions.evaluate import is_number, referenced_fields, same_value


@dataclass
class _Facts:
    """What a conjunction says about one subject (an answer id, or count(x))."""

    label: str
    equals: list[Any] = field(default_factory=list)
    differs: list[Any] = field(default_factory=list)
    allowed: list[list[Any]] = field(default_factory=list)  # each `in [...]`
    lower: tuple[float, bool] = (-math.inf, False)  # (bound, inclusive)
    upper: tuple[float, bool] = (math.inf, False)
    numeric: bool = False  # a numeric comparison requires a number
    # The `$parameter` each bound came from ("" for a number written in the condition).
    lower_param: str = ""
    upper_param: str = ""


def _atoms(node: Condition) -> list[Condition]:
    """Atoms of a (nested) conjunction; other nodes are returned whole."""
    if isinstance(node, And):
        out: list[Condition] = []
        for operand in node.operands:
            out.extend(_atoms(operand))
        return out
    if isinstance(node, Not) and isinstance(node.operand, Answered):
        inner = node.operand
        return [Answered(inner.name, not inner.negated, line=node.line, col=node.col)]
    if isinstance(node, Not) and isinstance(node.operand, Not):
        return _atoms(node.operand.operand)
    return [node]


def _bound_conflict(f: _Facts) -> bool:
    lo, lo_inc = f.lower
    hi, hi_inc = f.upper
    return lo > hi or (lo == hi and not (lo_inc and hi_inc))


def _fits_bounds(f: _Facts, value: Any) -> bool:
    if not f.numeric and f.lower[0] == -math.inf and f.upper[0] == math.inf:
        return True
    if not is_number(value):
        return False
    lo, lo_inc = f.lower
    hi, hi_inc = f.upper
    return (value > lo or (lo_inc and value == lo)) and (value < hi or (hi_inc and value == hi))


def _bound_params(f: _Facts) -> str:
    """When a parameter set one of the conflicting bounds: which, with both values
    (": $watch (0.9) is above $high (0.75)"), so an author knows what to change."""
    if not (f.lower_param or f.upper_param):
        return ""

    def side(param: str, bound: float) -> str:
        shown = format_value(int(bound) if float(bound).is_integer() else bound)
        return f"${param} ({shown})" if param else shown

    lower, upper = side(f.lower_param, f.lower[0]), side(f.upper_param, f.upper[0])
    relation = "the same as" if f.lower[0] == f.upper[0] else "above"
    return f": the lower bound {lower} is {relation} the upper bound {upper}"


def _conjunction(node: Condition) -> str | None:
    answered: dict[str, Any] = {}
    unanswered: dict[str, Any] = {}
    subjects: dict[tuple[str, str], _Facts] = {}

    def facts_for(subject: Field | Count | str) -> _Facts:
        if isinstance(subject, str):
            key, label = ("value", subject), subject
        elif isinstance(subject, Count):
            key, label = ("count", subject.name), str(subject)
        else:
            key, label = ("value", subject.name), subject.name
        if key not in subjects:
            subjects[key] = _Facts(label)
            if key[0] == "count":
                subjects[key].lower = (0.0, True)  # a length is never negative
        return subjects[key]

    for atom in _atoms(node):
        if isinstance(atom, Or):
            if atom.operands and all(unsatisfiable(o, {}) for o in atom.operands):
                return f"none of the alternatives in '{atom}' can hold"
            continue
        if isinstance(atom, Answered):
            (unanswered if atom.negated else answered)[atom.name] = atom
            continue
        if isinstance(atom, Not | And):
            continue
        if isinstance(atom, Calc):
            # A calculation has no value while one of its answers is unanswered.
            for name in sorted(referenced_fields(atom)):
                answered.setdefault(name, atom)
            continue
        name = atom.name if isinstance(atom, Truthy) else atom.subject.name
        # Every comparison (and a bare id) is false for an unanswered question.
        answered.setdefault(name, atom)
        if isinstance(atom, Truthy):
            facts_for(atom.name).equals.append(True)
        elif isinstance(atom, Compare):
            f = facts_for(atom.subject)
            value = atom.value.value
            if atom.op == "==":
                f.equals.append(value)
            elif atom.op == "!=":
                f.differs.append(value)
            else:
                if not is_number(value):
                    return f"'{atom}' compares with a value that is not a number"
                f.numeric = True
                if atom.op in (">", ">="):
                    bound = (float(value), atom.op == ">=")
                    if bound[0] > f.lower[0] or (bound[0] == f.lower[0] and not bound[1]):
                        f.lower, f.lower_param = bound, atom.value.param
                else:
                    bound = (float(value), atom.op == "<=")
                    if bound[0] < f.upper[0] or (bound[0] == f.upper[0] and not bound[1]):
                        f.upper, f.upper_param = bound, atom.value.param
        elif isinstance(atom, In) and isinstance(atom.values, ListLiteral):
            f = facts_for(atom.subject)
            values = [item.value for item in atom.values.items]
            if atom.negated:
                f.differs.extend(values)
            else:
                f.allowed.append(values)
        elif (
            isinstance(atom, Contains)
            and atom.mode == "any"
            and isinstance(atom.values, ListLiteral)
            and not atom.values.items
        ):
            return f"'{atom}' lists no values, so it is never true"

    for name in answered.keys() & unanswered.keys():
        return f"'{name}' cannot be both answered and unanswered"

    for f in subjects.values():
        label = f.label
        for a in f.equals:
            for b in f.equals:
                if not same_value(a, b):
                    return f"'{label}' cannot equal both {format_value(a)} and {format_value(b)}"
            for d in f.differs:
                if same_value(a, d):
                    return f"'{label}' cannot both equal and differ from {format_value(a)}"
            for allowed in f.allowed:
                if not any(same_value(a, v) for v in allowed):
                    return f"'{label}' equals {format_value(a)}, which is not in the list it must be in"
            if not _fits_bounds(f, a):
                return f"'{label}' equals {format_value(a)}, which is outside its other bounds"
        if _bound_conflict(f):
            return f"the bounds on '{label}' leave no possible value" + _bound_params(f)
        for allowed in f.allowed:
            remaining = [v for v in allowed if not any(same_value(v, d) for d in f.differs)]
            remaining = [v for v in remaining if _fits_bounds(f, v)]
            for other in f.allowed:
                remaining = [v for v in remaining if any(same_value(v, o) for o in other)]
            if not remaining:
                return f"no value of '{label}' satisfies all its list conditions"
    return None


def unsatisfiable(node: Condition, fields: Mapping[str, Any] | None = None) -> str | None:
    """A reason why `node` can never hold, or None when no obvious contradiction is found.

    `fields` (answer id -> FieldSpec) is accepted for future type-aware reasoning; the current
    rules hold for every kind.
    """
    if isinstance(node, Or):
        reasons = [unsatisfiable(o, fields) for o in node.operands]
        if all(reasons):
            return reasons[0]
        return None
    return _conjunction(node)
