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
    }
)


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
    """A value on the right-hand side: string, number or boolean."""

    value: Scalar

    def __str__(self) -> str:
        return format_value(self.value)


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
    """`x contains v`, `x contains_any [...]`, `x contains_all [...]`.

    mode is "one" (contains), "any" or "all"; `values` is a Literal for "one".
    """

    subject: Subject
    mode: str
    values: Literal | ListLiteral | SetRef

    def __str__(self) -> str:
        keyword = {"one": "contains", "any": "contains_any", "all": "contains_all"}[self.mode]
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


Condition = Compare | In | Contains | Answered | Truthy | Not | And | Or
ATOMS = (Compare, In, Contains, Answered, Truthy)


def _wrap(node: Node, allow_and: bool = False, allow_or: bool = False) -> str:
    if isinstance(node, Or) and not allow_or or isinstance(node, And) and not allow_and:
        return f"({node})"
    return str(node)
