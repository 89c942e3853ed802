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

Calculations (docs/conditions.md, "Calculations"): durable evaluates `+ - * /` over fields of
the fact (`{"$m": field}` operands) but in C arithmetic: integer division (7 / 2 is 3),
64-bit overflow, and a crash (SIGFPE) on an integer division by zero; its JSON reader also
misreads numbers written with an exponent (`1e+30`). So every field operand is made a double
(`x + 0.0`), and `E op K` becomes `0 op' (E - K)` against the constant field `Zero` that the
engine asserts with every fact (the left side of a durable comparison must be a field; the
sign of a rounded difference of doubles is the sign of the exact one, so both agree with
comparing E and K in Python floats). Only calculations that divide by non-zero constants and
cannot overflow (`bound` below 1e300) are compiled; the others raise `NotCompilable` and the
engine decides their rules in Python (`CompiledRuleset.python_rules`). `count(x in @set)`
reads a field the engine computes next to `x__count` (`count_in_field`, `aux_facts`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
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
    Literal,
    Not,
    Or,
    Subject,
    Truthy,
)
from recommender.conditions.errors import ConditionError
from recommender.conditions.evaluate import (
    constant_value,
    is_number,
    referenced_fields,
    resolve_values,
    same_value,
    walk,
)

Expr = dict[str, Any]

COUNT_SUFFIX = "__count"
# Extra fields the engine asserts with every fact for calculations (capitalised: never an
# answer id, which is [a-z][a-z0-9_]*).
ZERO_FIELD = "Zero"
COUNT_IN_PREFIX = "Cin"
# Largest value an operand may have: the engine refuses larger numbers in facts.
MAX_OPERAND = 2.0**53
MAX_BOUND = 1e300


class NotCompilable(ConditionError):
    """A condition durable_rules cannot evaluate exactly: the engine decides it in Python."""


def count_in_field(node: CountIn, sets: Mapping[str, Sequence[Any]] | None) -> str:
    """The fact field holding `count(x in values)` (the same name for the same list)."""
    values = resolve_values(node.values, sets)
    key = json.dumps([node.name, sorted(map(repr, values))])
    return COUNT_IN_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def aux_facts(
    conditions: Iterable[Any],
    facts: Mapping[str, Any],
    sets: Mapping[str, Sequence[Any]] | None,
) -> dict[str, Any]:
    """The extra fields compiled calculations read for `facts`: `Zero` and the value of every
    `count(x in ...)` in `conditions` (conditions or CountIn nodes) whose x is a list (absent
    otherwise, like unanswered)."""
    out: dict[str, Any] = {ZERO_FIELD: 0}
    for condition in conditions:
        for n in walk(condition):
            if isinstance(n, CountIn):
                name = count_in_field(n, sets)
                if name in out:
                    continue
                value = facts.get(n.name)
                if isinstance(value, list):
                    wanted = resolve_values(n.values, sets)
                    out[name] = sum(1 for i in value if any(same_value(i, w) for w in wanted))
    return out


def count_ins(conditions: Iterable[Condition]) -> list[CountIn]:
    """Every distinct `count(x in ...)` of the conditions (for `aux_facts`)."""
    return list(dict.fromkeys(n for c in conditions for n in walk(c) if isinstance(n, CountIn)))


_OPS = {"==": None, "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEGATED_OP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def count_field(name: str) -> str:
    """The fact field holding the length of list answer `name`."""
    return f"{name}{COUNT_SUFFIX}"


def _field(subject: Subject) -> str:
    return count_field(subject.name) if isinstance(subject, Count) else subject.name


def _json_number(value: Any) -> int | float:
    """A number durable reads exactly: an int within 2**53 or a float written without an
    exponent; NotCompilable otherwise."""
    if isinstance(value, bool) or not is_number(value):
        raise NotCompilable(f"not a number: {value!r}")
    if isinstance(value, int):
        if abs(value) > MAX_OPERAND:
            raise NotCompilable(f"{value} is too large for the engine")
        return value
    if "e" in repr(value) or "n" in repr(value):  # exponent, inf or nan
        raise NotCompilable(f"{value!r} cannot be written for the engine")
    return value


def _cmp(field: str, op: str, value: Any) -> Expr:
    if isinstance(value, float):
        value = _json_number(value)
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


# `E op K` is `0 op' (E - K)`: the operator seen from the other side.
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ARITH_OPS = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div"}


def _operand_field(expr: Any, sets: Mapping[str, Sequence[Any]] | None) -> str | None:
    """The fact field of a plain operand (an answer, count(x), count(x in ...)), else None."""
    if isinstance(expr, Field):
        return expr.name
    if isinstance(expr, Count):
        return count_field(expr.name)
    if isinstance(expr, CountIn):
        return count_in_field(expr, sets)
    return None


def _arith(
    expr: Any, sets: Mapping[str, Sequence[Any]] | None, fields: list[str]
) -> tuple[Any, float]:
    """(durable expression, largest absolute value it can take) of a calculation; the fields
    it reads are added to `fields`. NotCompilable when durable cannot compute it exactly."""
    field = _operand_field(expr, sets)
    if field is not None:
        fields.append(field)
        return {"$add": {"$l": {"$m": field}, "$r": 0.0}}, MAX_OPERAND
    if isinstance(expr, Literal):
        value = _json_number(expr.value)
        return float(value) if isinstance(value, int) else value, abs(float(value))
    if not isinstance(expr, Arith):
        raise NotCompilable(f"cannot compile {expr!r}")
    left, lbound = _arith(expr.left, sets, fields)
    if expr.op == "/":
        divisor = constant_value(expr.right) if isinstance(expr.right, Literal) else None
        if not is_number(divisor) or divisor == 0 or not isinstance(expr.right, Literal):
            raise NotCompilable("division by an answer")
        right, _ = _arith(expr.right, sets, fields)
        bound = lbound / abs(float(divisor))  # type: ignore[arg-type]
    else:
        right, rbound = _arith(expr.right, sets, fields)
        bound = lbound * rbound if expr.op == "*" else lbound + rbound
    if not bound < MAX_BOUND:
        raise NotCompilable("the calculation could overflow")
    return {_ARITH_OPS[expr.op]: {"$l": left, "$r": right}}, bound


def _calc(node: Calc, negate: bool, sets: Mapping[str, Sequence[Any]] | None) -> Expr:
    constant = constant_value(node.right)
    if not is_number(constant):
        raise NotCompilable(f"the right side of '{node}' is not a number")
    op = _NEGATED_OP[node.op] if negate else node.op
    field = _operand_field(node.left, sets)
    if field is not None:  # count(x in @set) >= 2: a plain comparison of its field
        cmp = _cmp(field, op, constant)
        return _any([cmp, _nex(field)], field) if negate else cmp
    fields: list[str] = []
    expr, bound = _arith(node.left, sets, fields)
    k = _json_number(constant)
    if not bound + abs(float(k)) < MAX_BOUND:
        raise NotCompilable("the calculation could overflow")
    cmp = _cmp(
        ZERO_FIELD,
        _MIRRORED[op],
        {"$sub": {"$l": expr, "$r": float(k) if isinstance(k, int) else k}},
    )
    if not negate:
        # durable reads a missing `$m` operand as false on its own but not always inside an
        # `$and` (measured): every operand must be present.
        return _all([*(_ex(f) for f in dict.fromkeys(fields)), cmp], ZERO_FIELD)
    # Not (E op K): E has no value (an operand unanswered) or E op' K.
    return _any([cmp, *(_nex(f) for f in dict.fromkeys(fields))], ZERO_FIELD)


def _compile(node: Condition, negate: bool, sets: Mapping[str, Sequence[Any]] | None) -> Expr:
    if isinstance(node, Calc):
        return _calc(node, negate, sets)
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
        if mode == "none":
            # An answered list with none of the values (an empty list included) ...
            if not negate:
                lacks_all = _all([{"$iall": {field: {"$neq": {"$i": v}}}} for v in values], field)
                if not values:
                    return {"$gte": {count_field(field): 0}}
                return _any([lacks_all, {count_field(field): 0}], field)
            # ... or, negated: unanswered, not a list, or holding one of them.
            has = [_has_item(field, v) for v in values]
            return _any([*has, _nex(count_field(field))], field)
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
