"""Syntax tree of the condition language: frozen dataclasses that remember their position.

Every node carries `line` and `col` (1-based, within the condition text) so checks can point
at the offending token. Nodes compare by value, hash, and render back to source with `str()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

Scalar = str | int | float | bool

COMPARISON_OPS = ("==", "!=", "<", "<=", ">", ">=")
NUMERIC_OPS = ("<", "<=", ">", ">=")
KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "in",
        "contains",
        "contains_any",
        "contains_all",
        "answered",
        "unanswered",
        "is",
        "count",
        "true",
        "false",
        "between",
        "contains_none",
    }
)
ARITH_OPS = ("+", "-", "*", "/")


def format_value(value: Scalar) -> str:
    """Source form of a literal: bare words stay bare, other strings are quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if _is_bare_word(value):
        return value
    return json.dumps(value)


def _is_bare_word(text: str) -> bool:
    if not text or text in KEYWORDS:
        return False
    if not (text[0].isascii() and (text[0].isalpha() or text[0] == "_")):
        return False
    return all(c.isascii() and (c.isalnum() or c == "_") for c in text)


@dataclass(frozen=True)
class Node:
    """Base class of all nodes."""

    line: int = field(default=1, compare=False, kw_only=True)
    col: int = field(default=1, compare=False, kw_only=True)


@dataclass(frozen=True)
class Literal(Node):
    """A value on the right-hand side: string, number or boolean.

    `param` names the ruleset parameter the value came from (`$enterprise_volume`, bound
    when the ruleset loads); it is shown by name and ignored when nodes are compared.
    """

    value: Scalar
    param: str = field(default="", compare=False, kw_only=True)

    def __str__(self) -> str:
        return f"${self.param}" if self.param else format_value(self.value)


@dataclass(frozen=True)
class ParamRef(Node):
    """`$name`: a ruleset parameter not bound yet (the loader replaces it by a Literal)."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True)
class ListLiteral(Node):
    """`[a, b, c]`."""

    items: tuple[Literal, ...]

    def __str__(self) -> str:
        return "[" + ", ".join(str(i) for i in self.items) + "]"


@dataclass(frozen=True)
class SetRef(Node):
    """`@name`: a named value set declared by the ruleset."""

    name: str

    def __str__(self) -> str:
        return f"@{self.name}"


Values = ListLiteral | SetRef


@dataclass(frozen=True)
class Field(Node):
    """An answer id (or derived fact) used as a subject."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Count(Node):
    """`count(x)`: the number of elements of list answer x."""

    name: str

    def __str__(self) -> str:
        return f"count({self.name})"


Subject = Field | Count


@dataclass(frozen=True)
class CountIn(Node):
    """`count(x in @set)`: how many items of list answer x are in the set (or list)."""

    name: str
    values: ListLiteral | SetRef

    def __str__(self) -> str:
        return f"count({self.name} in {self.values})"


@dataclass(frozen=True)
class Arith(Node):
    """`left op right` with op one of + - * / over numbers (a calculation)."""

    op: str
    left: Expr
    right: Expr

    def __str__(self) -> str:
        return (
            f"{_operand(self.left, self.op, False)} {self.op} {_operand(self.right, self.op, True)}"
        )


Expr = Field | Count | CountIn | Literal | ParamRef | Arith


@dataclass(frozen=True)
class Calc(Node):
    """`left op right`, a comparison that is not `answer op value`: a calculation or
    `count(x in @set)` on the left, or a `$param` / calculation of constants on the right.
    After the loader binds parameters the right side is a Literal."""

    left: Expr
    op: str
    right: Expr

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


@dataclass(frozen=True)
class Compare(Node):
    """`subject op value` with op one of == != < <= > >=."""

    subject: Subject
    op: str
    value: Literal

    def __str__(self) -> str:
        return f"{self.subject} {self.op} {self.value}"


@dataclass(frozen=True)
class In(Node):
    """`subject in list` / `subject not in list`."""

    subject: Subject
    values: Values
    negated: bool = False

    def __str__(self) -> str:
        return f"{self.subject} {'not in' if self.negated else 'in'} {self.values}"


@dataclass(frozen=True)
class Contains(Node):
    """`x contains v`, `x contains_any [...]`, `x contains_all [...]`, `x contains_none [...]`.

    mode is "one" (contains), "any", "all" or "none"; `values` is a Literal for "one".
    """

    subject: Subject
    mode: str
    values: Literal | ListLiteral | SetRef

    def __str__(self) -> str:
        keyword = {
            "one": "contains",
            "any": "contains_any",
            "all": "contains_all",
            "none": "contains_none",
        }[self.mode]
        return f"{self.subject} {keyword} {self.values}"


@dataclass(frozen=True)
class Answered(Node):
    """`answered(x)` (negated=False) or `unanswered(x)` (negated=True)."""

    name: str
    negated: bool = False

    def __str__(self) -> str:
        return f"{'unanswered' if self.negated else 'answered'}({self.name})"


@dataclass(frozen=True)
class Truthy(Node):
    """A bare id: shorthand for `id == true`."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Not(Node):
    """`not c`: plain logical negation."""

    operand: Condition

    def __str__(self) -> str:
        return f"not {_wrap(self.operand)}"


@dataclass(frozen=True)
class And(Node):
    """`a and b and ...` (two or more operands)."""

    operands: tuple[Condition, ...]

    def __str__(self) -> str:
        return " and ".join(_wrap(o, allow_and=True) for o in self.operands)


@dataclass(frozen=True)
class Or(Node):
    """`a or b or ...` (two or more operands)."""

    operands: tuple[Condition, ...]

    def __str__(self) -> str:
        return " or ".join(_wrap(o, allow_and=True, allow_or=True) for o in self.operands)


Condition = Compare | In | Contains | Answered | Truthy | Calc | Not | And | Or
ATOMS = (Compare, In, Contains, Answered, Truthy, Calc)

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _operand(node: Node, op: str, right: bool) -> str:
    """An operand of `op` in source form, in parentheses where precedence needs them."""
    if isinstance(node, Arith):
        inner, outer = _PRECEDENCE[node.op], _PRECEDENCE[op]
        if (
            inner < outer
            or (right and inner == outer and op in ("-", "/"))
            or (right and inner == outer and node.op in ("-", "/"))
        ):
            return f"({node})"
    return str(node)


def _wrap(node: Node, allow_and: bool = False, allow_or: bool = False) -> str:
    if isinstance(node, Or) and not allow_or or isinstance(node, And) and not allow_and:
        return f"({node})"
    return str(node)
