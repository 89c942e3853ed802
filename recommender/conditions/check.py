"""Static checks of a parsed condition against the questionnaire's answer ids and types.

Each problem comes with the position of the offending token, so loaders can report
`file:line:col: message`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.conditions.ast import (
    NUMERIC_OPS,
    And,
    Answered,
    Arith,
    Calc,
    Compare,
    Condition,
    Contains,
    Count,
    CountIn,
    Expr,
    Field,
    In,
    ListLiteral,
    Literal,
    Node,
    Not,
    Or,
    ParamRef,
    SetRef,
    Truthy,
    format_value,
)
from recommender.conditions.errors import ConditionProblem
from recommender.conditions.evaluate import constant_value, is_number, walk
from recommender.suggest import close_match

KINDS = frozenset(
    {
        "single",
        "multi",
        "boolean",
        "integer",
        "money",
        "percent",
        "country",
        "country_list",
        "text",
        "long_text",
        "email",
        "derived",
    }
)
LIST_KINDS = frozenset({"multi", "country_list"})
NUMBER_KINDS = frozenset({"integer", "money", "percent"})
STRING_KINDS = frozenset({"single", "country", "text", "long_text", "email"})
COUNTRY_KINDS = frozenset({"country", "country_list"})

_KIND_WORDS = {
    "single": "a single-choice question",
    "multi": "a multiple-choice question",
    "boolean": "a yes/no question",
    "integer": "a number question",
    "money": "an amount question",
    "percent": "a percentage question",
    "country": "a country question",
    "country_list": "a list of countries",
    "text": "a text question",
    "long_text": "a text question",
    "email": "an email question",
    "derived": "a derived fact",
}


@dataclass(frozen=True)
class FieldSpec:
    """What a condition may assume about an answer id: its kind and (optional) option values."""

    kind: str
    options: Sequence[Any] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")


def _value_words(literal: Literal) -> str:
    """How a message names a value: `$name (50000000)` for a parameter's, else the value."""
    shown = format_value(literal.value)
    return f"the parameter ${literal.param} ({shown})" if literal.param else shown


class _Checker:
    def __init__(
        self,
        fields: Mapping[str, FieldSpec],
        sets: Mapping[str, Sequence[Any]] | None,
        sets_hint: str = "",
        params: Collection[str] = (),
        conditions: Collection[str] = (),
    ):
        self.fields = fields
        self.sets = sets or {}
        self.sets_hint = sets_hint
        self.params = params
        self.conditions = conditions
        self.problems: list[ConditionProblem] = []

    def report(self, node: Node, message: str) -> None:
        self.problems.append(ConditionProblem(message, node.line, node.col))

    def spec(self, name: str, node: Node) -> FieldSpec | None:
        spec = self.fields.get(name)
        if spec is None:
            if name in self.conditions:
                self.report(
                    node,
                    f"'{name}' is a named condition: use it on its own (`{name}`, "
                    f"`not {name}`), not as an answer",
                )
                return None
            known = [*self.fields, *self.conditions]
            close = close_match(name, known, cutoff=0.75)
            hint = f", did you mean '{close}'?" if close else ""
            self.report(node, f"unknown answer id '{name}'{hint}")
        return spec

    def visit(self, node: Condition) -> None:
        if isinstance(node, And | Or):
            for operand in node.operands:
                self.visit(operand)
        elif isinstance(node, Not):
            self.visit(node.operand)
        elif isinstance(node, Answered):
            self.spec(node.name, node)
        elif isinstance(node, Truthy):
            self.truthy(node)
        elif isinstance(node, Compare):
            self.compare(node)
        elif isinstance(node, In):
            self.in_list(node)
        elif isinstance(node, Contains):
            self.contains(node)
        elif isinstance(node, Calc):
            self.calc(node)

    # -- atoms -----------------------------------------------------------------------------
    def truthy(self, node: Truthy) -> None:
        if node.name in self.conditions and node.name not in self.fields:
            return
        spec = self.spec(node.name, node)
        if spec is None or spec.kind in ("boolean", "derived"):
            return
        self.report(
            node,
            f"'{node.name}' is {_KIND_WORDS[spec.kind]}, not yes/no: compare it with a value "
            f"or write 'answered({node.name})'",
        )

    def subject_spec(self, node: Compare | In | Contains) -> FieldSpec | None:
        """Spec of the subject; count(x) becomes an integer after checking x is a list."""
        subject = node.subject
        spec = self.spec(subject.name, subject)
        if spec is None or not isinstance(subject, Count):
            return spec
        if spec.kind not in LIST_KINDS and spec.kind != "derived":
            self.report(
                subject,
                f"count() needs a list answer, but '{subject.name}' is {_KIND_WORDS[spec.kind]}",
            )
            return None
        return FieldSpec("integer")

    # -- calculations ----------------------------------------------------------------------
    def calc(self, node: Calc) -> None:
        """A comparison with a calculation, count(x in @set) or $parameter in it: numbers on
        both sides, answers only on the left."""
        if isinstance(node.left, Field | Count) and isinstance(node.right, ParamRef):
            self.spec(node.left.name, node.left)  # `x == $p` with $p unbound: only $p to report
            self.unknown_param(node.right)
            return
        self.expression(node.left)
        right = node.right
        if isinstance(right, Literal) and not is_number(right.value):
            self.report(
                right, f"'{node.op}' after a calculation needs a number, not {_value_words(right)}"
            )
            return
        self.expression(right)

    def unknown_param(self, node: ParamRef) -> None:
        if node.name in self.params:
            return  # declared, but its value has a problem (reported where it is declared)
        close = close_match(node.name, self.params)
        if close:
            hint = f", did you mean '${close}'?"
        elif self.params:
            hint = " (parameters: " + ", ".join(f"${p}" for p in sorted(self.params)[:12]) + ")"
        else:
            hint = ": declare it under `params:` at the top of the ruleset"
        self.report(node, f"unknown parameter '${node.name}'{hint}")

    def expression(self, expr: Expr) -> None:
        """Every operand of a calculation must be a number; dividing by 0 is reported."""
        if isinstance(expr, ParamRef):
            self.unknown_param(expr)
        elif isinstance(expr, Literal):
            if not is_number(expr.value):
                self.report(expr, f"a calculation needs numbers, not {_value_words(expr)}")
        elif isinstance(expr, Field):
            spec = self.spec(expr.name, expr)
            if spec is None:
                return
            if spec.kind == "derived":
                if spec.options is not None:
                    self.report(expr, f"a calculation needs numbers, but '{expr.name}' takes words")
            elif spec.kind not in NUMBER_KINDS:
                self.report(
                    expr,
                    f"a calculation needs numbers, but '{expr.name}' is {_KIND_WORDS[spec.kind]}",
                )
        elif isinstance(expr, Count):
            spec = self.spec(expr.name, expr)
            if spec is not None and spec.kind not in LIST_KINDS and spec.kind != "derived":
                self.report(
                    expr,
                    f"count() needs a list answer, but '{expr.name}' is {_KIND_WORDS[spec.kind]}",
                )
        elif isinstance(expr, CountIn):
            self.count_in(expr)
        elif isinstance(expr, Arith):
            self.expression(expr.left)
            self.expression(expr.right)
            if expr.op == "/":
                divisor = constant_value(expr.right) if not _reads_answers(expr.right) else None
                if is_number(divisor) and divisor == 0:
                    self.report(
                        expr.right,
                        "this divides by 0, which gives no number: the comparison is never "
                        "true (divide by another number)",
                    )

    def count_in(self, expr: CountIn) -> None:
        spec = self.spec(expr.name, expr)
        values = self.resolve(expr.values)
        if isinstance(expr.values, ListLiteral) and not expr.values.items:
            self.report(expr.values, "the list is empty")
        if spec is None:
            return
        if spec.kind not in LIST_KINDS and spec.kind != "derived":
            self.report(
                expr,
                f"count(... in ...) needs a list answer, but '{expr.name}' is "
                f"{_KIND_WORDS[spec.kind]}",
            )
            return
        item_kind = "country" if spec.kind == "country_list" else "single"
        item_spec = FieldSpec(item_kind if spec.kind != "derived" else "derived", spec.options)
        for literal in values:
            self.value_fits(item_spec, expr.name, literal)

    def compare(self, node: Compare) -> None:
        subject = node.subject
        if (
            isinstance(subject, Field)
            and subject.name in self.conditions
            and subject.name not in self.fields
            and node.op in ("==", "!=")
            and isinstance(node.value.value, bool)
        ):
            return  # `named == true`: a decision table's column reading a named condition
        spec = self.subject_spec(node)
        if spec is None:
            return
        name = str(node.subject)
        value = node.value.value
        if spec.kind in LIST_KINDS:
            self.report(
                node,
                f"'{name}' is a list of choices: use 'contains', 'contains_any' or "
                f"'contains_all' instead of '{node.op}'",
            )
            return
        if node.op in NUMERIC_OPS:
            if spec.kind not in NUMBER_KINDS and spec.kind != "derived":
                self.report(
                    node,
                    f"'{node.op}' compares numbers, but '{name}' is {_KIND_WORDS[spec.kind]}",
                )
                return
            if not is_number(value):
                hint = ""
                if isinstance(value, str) and value in self.fields:
                    hint = (
                        f" ('{value}' is an answer: put answers on the left, e.g. "
                        f"'{name} - {value} {node.op} 0')"
                    )
                self.report(
                    node.value, f"'{node.op}' needs a number, not {_value_words(node.value)}{hint}"
                )
            return
        self.value_fits(spec, name, node.value)

    def in_list(self, node: In) -> None:
        spec = self.subject_spec(node)
        values = self.resolve(node.values)
        if spec is None:
            return
        name = str(node.subject)
        if spec.kind in LIST_KINDS:
            keyword = "contains_all" if node.negated else "contains_any"
            self.report(
                node,
                f"'{name}' is a list of choices: use '{keyword}' instead of "
                f"'{'not in' if node.negated else 'in'}'",
            )
            return
        if isinstance(node.values, ListLiteral) and not node.values.items:
            self.report(node.values, "the list is empty")
        for literal in values:
            self.value_fits(spec, name, literal)

    def contains(self, node: Contains) -> None:
        spec = self.subject_spec(node)
        if isinstance(node.values, Literal):
            values = [node.values]
        else:
            values = self.resolve(node.values)
            if isinstance(node.values, ListLiteral) and not node.values.items:
                self.report(node.values, "the list is empty")
        if spec is None:
            return
        name = str(node.subject)
        if isinstance(node.subject, Count) or (
            spec.kind not in LIST_KINDS and spec.kind != "derived"
        ):
            keyword = str(node).split(" ", 2)[1]
            kind = "a number" if isinstance(node.subject, Count) else _KIND_WORDS[spec.kind]
            hint = " use '==' or 'in'" if spec.kind in STRING_KINDS else ""
            self.report(
                node, f"'{keyword}' needs a list answer, but '{name}' is {kind};{hint}".rstrip(";")
            )
            return
        item_kind = "country" if spec.kind == "country_list" else "single"
        item_spec = FieldSpec(item_kind if spec.kind != "derived" else "derived", spec.options)
        for literal in values:
            self.value_fits(item_spec, name, literal)

    def resolve(self, values: ListLiteral | SetRef) -> list[Literal]:
        """Literals of a list, or of a known @set (positioned at the @set); reports unknown sets."""
        if isinstance(values, ListLiteral):
            return list(values.items)
        if values.name not in self.sets:
            close = close_match(values.name, self.sets)
            if self.sets_hint:
                hint = f" (did you mean '@{close}'?)" if close else ""
                hint += f": {self.sets_hint}"
            else:
                hint = f", did you mean '@{close}'?" if close else ""
            self.report(values, f"unknown value set '@{values.name}'{hint}")
            return []
        return [Literal(v, line=values.line, col=values.col) for v in self.sets[values.name]]

    def value_fits(self, spec: FieldSpec, name: str, literal: Literal) -> None:
        """Report a value that can never equal an answer of this kind."""
        value = literal.value
        kind = spec.kind
        shown = _value_words(literal)
        if kind == "derived":
            if spec.options is not None and isinstance(value, str) and value not in spec.options:
                self.report(literal, self.unknown_option(name, value, spec.options))
            return
        if kind == "boolean":
            if not isinstance(value, bool):
                self.report(
                    literal, f"'{name}' is yes/no: compare it with true or false, not {shown}"
                )
            return
        if kind in NUMBER_KINDS:
            if not is_number(value):
                self.report(literal, f"'{name}' is a number: compare it with a number, not {shown}")
            return
        if not isinstance(value, str):
            self.report(
                literal,
                f"'{name}' is {_KIND_WORDS[kind]}: compare it with a word or text, not {shown}",
            )
            return
        if kind in COUNTRY_KINDS:
            from recommender.questionnaire.countries import COUNTRIES

            if value not in COUNTRIES:
                hint = f" (did you mean '{value.upper()}'?)" if value.upper() in COUNTRIES else ""
                self.report(
                    literal,
                    f"'{value}' is not a country code{hint}: use the two-letter ISO code in "
                    "capitals, like DE",
                )
            return
        if kind == "single" and spec.options is not None and value not in spec.options:
            self.report(literal, self.unknown_option(name, value, spec.options))

    @staticmethod
    def unknown_option(name: str, value: str, options: Sequence[Any]) -> str:
        strings = [str(o) for o in options]
        close = close_match(value, strings)
        if close:
            return f"'{value}' is not an option of '{name}', did you mean '{close}'?"
        listed = ", ".join(strings[:12]) + (", ..." if len(strings) > 12 else "")
        return f"'{value}' is not an option of '{name}' (options: {listed})"


def _reads_answers(expr: Any) -> bool:
    return any(isinstance(n, Field | Count | CountIn | ParamRef) for n in walk(expr))


def check(
    node: Condition,
    fields: Mapping[str, FieldSpec],
    sets: Mapping[str, Sequence[Any]] | None = None,
    *,
    sets_hint: str = "",
    params: Collection[str] = (),
    conditions: Collection[str] = (),
) -> list[ConditionProblem]:
    """Every problem of `node` against known answer ids (`fields`) and named sets.

    `sets_hint` is added to an unknown set's message (where the author declares sets).
    `params` are the ruleset's parameter names (did-you-mean for an unknown `$name`; bind
    them first with `conditions.bind_params`: a declared name left unbound is not reported,
    its declaration has the problem), `conditions` its named conditions, which a
    condition may use on their own like a yes/no answer (expand them after checking)."""
    checker = _Checker(fields, sets, sets_hint, params, conditions)
    checker.visit(node)
    return sorted(set(checker.problems), key=lambda p: (p.line, p.col, p.message))


def check_expression(
    expr: Expr,
    fields: Mapping[str, FieldSpec],
    sets: Mapping[str, Sequence[Any]] | None = None,
    *,
    params: Collection[str] = (),
) -> list[ConditionProblem]:
    """Every problem of a calculation (a computed fact's value): operands that are not
    numbers, unknown ids and parameters, division by 0."""
    checker = _Checker(fields, sets, "", params)
    checker.expression(expr)
    return sorted(set(checker.problems), key=lambda p: (p.line, p.col, p.message))


def field_positions(node: Any) -> dict[str, tuple[int, int]]:
    """Where each answer id or fact is first read in the condition (or calculation):
    name -> (line, col)."""
    out: dict[str, tuple[int, int]] = {}
    for n in walk(node):
        if isinstance(n, Field | Count | CountIn | Answered | Truthy) and n.name not in out:
            out[n.name] = (n.line, n.col)
    return out
