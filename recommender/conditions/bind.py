"""Binding a parsed condition to its ruleset: `$parameters` and named conditions.

A ruleset's parameters are constants when it loads, so `bind_params` replaces each `$name`
by its value (a Literal that remembers the name, for messages and display) and folds the
constant calculations on the right of a comparison into one number: the engine, the
reference evaluator and the differential fuzz test then only ever see literals, and
`annual_volume_usd >= $enterprise_volume` becomes the plain comparison it always was.

Named conditions (`conditions:` in a ruleset) are whole conditions used by name like a
yes/no answer; `expand` replaces each use by the condition it names, and `resolve_named`
expands them in dependency order and finds the loops. Spec: docs/conditions.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.conditions.ast import (
    And,
    Arith,
    Calc,
    Compare,
    Condition,
    Count,
    Expr,
    Field,
    Literal,
    Not,
    Or,
    ParamRef,
    Scalar,
    Truthy,
)
from recommender.conditions.evaluate import is_number, number_value, walk

_MAX_INT = 2**53


def _tidy(value: float) -> int | float:
    """A calculated constant as the author would write it: 12.0 -> 12."""
    if value.is_integer() and abs(value) <= _MAX_INT:
        return int(value)
    return value


def _bind_expr(expr: Expr, values: Mapping[str, Scalar]) -> Expr:
    """The calculation with known parameters replaced and constant parts folded."""
    if isinstance(expr, ParamRef):
        if expr.name not in values:
            return expr
        return Literal(values[expr.name], param=expr.name, line=expr.line, col=expr.col)
    if not isinstance(expr, Arith):
        return expr
    left = _bind_expr(expr.left, values)
    right = _bind_expr(expr.right, values)
    bound = Arith(expr.op, left, right, line=expr.line, col=expr.col)
    if (
        isinstance(left, Literal)
        and isinstance(right, Literal)
        and is_number(left.value)
        and is_number(right.value)
    ):
        folded = number_value(bound, {})
        if folded is not None:  # a division by 0 stays for the checker to report
            return Literal(_tidy(folded), line=expr.line, col=expr.col)
    return bound


def bind_expression(expr: Expr, values: Mapping[str, Scalar]) -> Expr:
    """A calculation (a computed fact's value) with known parameters bound."""
    return _bind_expr(expr, values)


def bind_params(node: Condition, values: Mapping[str, Scalar]) -> Condition:
    """`node` with every `$name` found in `values` replaced by its value.

    A comparison of an answer (or count(x)) with a constant becomes a plain `Compare`;
    unknown names stay `ParamRef` nodes for `check` to report (with did-you-mean).
    """
    if isinstance(node, And | Or):
        operands = tuple(bind_params(o, values) for o in node.operands)
        return type(node)(operands, line=node.line, col=node.col)
    if isinstance(node, Not):
        return Not(bind_params(node.operand, values), line=node.line, col=node.col)
    if not isinstance(node, Calc):
        return node
    left = _bind_expr(node.left, values)
    right = _bind_expr(node.right, values)
    if isinstance(right, Literal) and isinstance(left, Field | Count):
        return Compare(left, node.op, right, line=node.line, col=node.col)
    return Calc(left, node.op, right, line=node.line, col=node.col)


def _named_compare(node: Any, names: Any) -> bool | None:
    """For `name == true` / `name != false` (True), `name == false` / `name != true` (False)
    about a named condition (a decision table's column reads it this way); else None."""
    if (
        isinstance(node, Compare)
        and isinstance(node.subject, Field)
        and node.subject.name in names
        and node.op in ("==", "!=")
        and isinstance(node.value.value, bool)
    ):
        return node.value.value == (node.op == "==")
    return None


def expand(node: Condition, named: Mapping[str, Condition]) -> Condition:
    """`node` with each use of a named condition (a bare name, or `name == true/false`)
    replaced by that condition (or its negation)."""
    if isinstance(node, Truthy) and node.name in named:
        return named[node.name]
    holds = _named_compare(node, named)
    if holds is not None:
        inner = named[node.subject.name]  # type: ignore[union-attr]
        return inner if holds else Not(inner, line=node.line, col=node.col)
    if isinstance(node, And | Or):
        # `a and big` where big is `b and c` reads as `a and b and c` (the same tree as
        # writing it out), so the trace, why-not and durable see no difference.
        operands: list[Condition] = []
        for o in node.operands:
            new = expand(o, named)
            spliced = isinstance(o, Truthy) and o.name in named and type(new) is type(node)
            operands.extend(new.operands if spliced else [new])  # type: ignore[union-attr]
        return type(node)(tuple(operands), line=node.line, col=node.col)
    if isinstance(node, Not):
        return Not(expand(node.operand, named), line=node.line, col=node.col)
    return node


def named_uses(node: Condition, names: Any) -> list[tuple[str, Any]]:
    """(name, node) of each use of a named condition in `node` (a bare name in `names`, or
    `name == true/false`), in order."""
    out: list[tuple[str, Any]] = []
    for n in walk(node):
        if isinstance(n, Truthy) and n.name in names:
            out.append((n.name, n))
        elif _named_compare(n, names) is not None:
            out.append((n.subject.name, n))
    return out


def resolve_named(
    nodes: Mapping[str, Condition],
) -> tuple[dict[str, Condition], dict[str, list[str]]]:
    """Expand named conditions that use each other: (expanded conditions, loops).

    `loops` maps each name that depends on itself to the path of its loop, starting and
    ending with it (`a -> b -> a`). Names in a loop, and names that use one, are left out of
    the expanded conditions.
    """
    expanded: dict[str, Condition] = {}
    loops: dict[str, list[str]] = {}
    failed: set[str] = set()

    def visit(name: str, trail: list[str]) -> Condition | None:
        if name in expanded:
            return expanded[name]
        if name in failed:
            return None
        if name in trail:
            cycle = trail[trail.index(name) :]
            for i, member in enumerate(cycle):
                loops.setdefault(member, [*cycle[i:], *cycle[:i], member])
            return None
        inner: dict[str, Condition] = {}
        for used, _node in named_uses(nodes[name], nodes):
            if used not in inner:
                resolved = visit(used, [*trail, name])
                if resolved is None:
                    failed.add(name)
                    return None
                inner[used] = resolved
        expanded[name] = expand(nodes[name], inner)
        return expanded[name]

    for name in nodes:
        visit(name, [])
    return expanded, loops
