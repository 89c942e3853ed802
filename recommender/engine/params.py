"""Parameters, named conditions and computed facts of a ruleset (docs/rulesets.md).

Loading: `load_params`, `load_named_conditions` and `load_formulas` check the `params:`,
`conditions:` and computed `derived:` entries for the loader's builder (problems at their
`file:line:col`, did-you-mean for unknown names). Parameters are constants: the builder binds
them into every condition before checking it, so the engine and the reference evaluator
only see literals.

Evaluating: `FormulaFacts` computes the computed facts from the answers before any rule
fires (next to the facts computed from the data tables), and says which answers each one
reads (for the ask-next analysis).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from recommender.conditions.check import field_positions
from recommender.engine import cond as conditions
from recommender.engine.cond import ConditionSyntaxError, FieldSpec
from recommender.engine.data import FACT_INPUTS
from recommender.engine.model import (
    NUMBER_PARAM_TYPES,
    DerivedFact,
    NamedCondition,
    Param,
    Ruleset,
)
from recommender.suggest import did_you_mean

if TYPE_CHECKING:
    from recommender.engine.loader import _Builder

FORMULA_TYPES = ("money", "integer", "number")
DECIMALS = 4  # calculated facts are rounded to this many decimals (never 1e-05 for the engine)
MAX_VALUE = 2**53
_TYPE_WORDS = {
    "money": "an amount (a number, no currency sign)",
    "integer": "a whole number",
    "number": "a number",
    "percent": "a percentage (a number)",
    "boolean": "true or false",
    "text": "a text",
    "option": "one of its options",
}
_COMMENT = re.compile(r"^\s*#\s?(.*?)\s*$")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_problem(param: Param, value: Any) -> str | None:
    """Why `value` does not fit `param` (its type, options, min and max), or None."""
    kind = param.type
    label = f"parameter '{param.id}'"
    if kind in NUMBER_PARAM_TYPES:
        if not _number(value) or (isinstance(value, float) and not math.isfinite(value)):
            return f"{label} takes {_TYPE_WORDS[kind]}, not {value!r}"
        if kind == "integer" and not isinstance(value, int):
            return f"{label} takes a whole number, not {value!r}"
        if param.min is not None and value < param.min:
            return f"{value!r} is below the minimum of {label} ({_plain(param.min)})"
        if param.max is not None and value > param.max:
            return f"{value!r} is above the maximum of {label} ({_plain(param.max)})"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{label} takes true or false, not {value!r}"
    if not isinstance(value, str):
        return f"{label} takes {_TYPE_WORDS[kind]}, not {value!r}"
    if kind == "option" and param.options is not None and value not in param.options:
        hint = did_you_mean(value, param.options) or f" (options: {', '.join(param.options)})"
        return f"'{value}' is not an option of {label}{hint}"
    return None


def _type_problem(param: Param) -> bool:
    """Whether the value has the wrong type (as opposed to being out of range)."""
    return value_problem(replace(param, min=None, max=None, options=None), param.value) is not None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def param_groups(source: str, located: Any, count: int) -> list[str]:
    """The group of each parameter: the comment line(s) just above its `- id:` in the file
    (a heading), else the group of the one before it."""
    lines = source.splitlines()
    groups: list[str] = []
    current = ""
    for i in range(count):
        line, _col = located.pos(("params", i))
        heading: list[str] = []
        k = line - 2
        while k >= 0:
            m = _COMMENT.match(lines[k])
            if m is None:
                break
            heading.insert(0, m.group(1))
            k -= 1
        text = " ".join(h for h in heading if h.strip("-=# "))
        if text:
            current = text
        groups.append(current)
    return groups


def load_params(b: _Builder, names_taken: Mapping[str, str]) -> dict[str, Param]:
    """The `params:` section, each checked (type, options, min <= value <= max); problems at
    the value. `names_taken` (id -> what it is) are answer and fact ids a parameter may not
    shadow."""
    items = b.data.get("params") or []
    groups = param_groups(b.text, b.located, len(items))
    out: dict[str, Param] = {}
    first: dict[str, int] = {}
    for i, p in enumerate(items):
        where = ("params", i)
        pid = p["id"]
        if pid in first:
            line = b.located.pos(("params", first[pid], "id"))[0]
            b.problem(
                where + ("id",),
                f"duplicate parameter id '{pid}' (the first is on line {line}): give this one "
                "another id",
            )
            continue
        first[pid] = i
        kind = p["type"]
        options = tuple(p["options"]) if p.get("options") else None
        if kind == "option" and options is None:
            b.problem(where + ("type",), f"parameter '{pid}' of type option needs `options:`")
        for bound in ("min", "max"):
            if bound in p and kind not in NUMBER_PARAM_TYPES:
                b.problem(
                    where + (bound,),
                    f"`{bound}` is for numbers, but parameter '{pid}' is {_TYPE_WORDS[kind]}",
                )
        param = Param(
            id=pid,
            type=kind,
            value=p["value"],
            label=p.get("label", ""),
            unit=p.get("unit", ""),
            description=p.get("description", ""),
            min=p.get("min") if kind in NUMBER_PARAM_TYPES else None,
            max=p.get("max") if kind in NUMBER_PARAM_TYPES else None,
            options=options,
            group=groups[i],
        )
        if param.min is not None and param.max is not None and param.min > param.max:
            b.problem(
                where + ("min",),
                f"the minimum of parameter '{pid}' ({_plain(param.min)}) is above its "
                f"maximum ({_plain(param.max)})",
            )
        else:
            problem = value_problem(param, param.value)
            if problem:
                b.problem(where + ("value",), problem)
                if _type_problem(param) or kind == "option":  # not bound: no knock-on messages
                    param = replace(param, valid=False)
        if pid in names_taken:
            b.problem(
                where + ("id",),
                f"parameter '{pid}' has the id of {names_taken[pid]}: give it another id "
                "(conditions write parameters as ${pid}, answers without the $)".replace(
                    "{pid}", pid
                ),
            )
        out[pid] = param
    return out


def _named_items(b: _Builder) -> list[tuple[str, str, str, tuple[Any, ...], tuple[Any, ...]]]:
    """(id, condition text, description, where the text is, where the id is) of each named
    condition, from either form of the section (a mapping or a list)."""
    section = b.data.get("conditions") or {}
    out: list[tuple[str, str, str, tuple[Any, ...], tuple[Any, ...]]] = []
    if isinstance(section, dict):
        for name, value in section.items():
            if isinstance(value, dict):
                out.append(
                    (
                        name,
                        value["when"],
                        value.get("description", ""),
                        ("conditions", name, "when"),
                        ("conditions", name),
                    )
                )
            else:
                out.append((name, value, "", ("conditions", name), ("conditions", name)))
    else:
        for i, item in enumerate(section):
            out.append(
                (
                    item["id"],
                    item["when"],
                    item.get("description", ""),
                    ("conditions", i, "when"),
                    ("conditions", i, "id"),
                )
            )
    return out


def load_named_conditions(
    b: _Builder,
    fields: Mapping[str, FieldSpec] | None,
    sets: Mapping[str, tuple[Any, ...]],
    derived: Mapping[str, DerivedFact],
    names_taken: Mapping[str, str],
) -> dict[str, NamedCondition]:
    """The `conditions:` section: each checked in its own text (parameters bound, other named
    conditions allowed by name), then expanded; loops between them are problems."""
    items = _named_items(b)
    b.named_names = frozenset(name for name, *_ in items)
    nodes: dict[str, Any] = {}
    texts: dict[str, tuple[str, str, tuple[Any, ...]]] = {}
    seen: dict[str, tuple[Any, ...]] = {}
    for name, text, description, where, id_where in items:
        if name in seen:
            line = b.located.pos(seen[name])[0]
            b.problem(
                id_where,
                f"duplicate named condition '{name}' (the first is on line {line}): give this "
                "one another name",
            )
            continue
        seen[name] = id_where
        if name in names_taken:
            b.problems.append(
                b.located.problem(
                    id_where,
                    f"named condition '{name}' has the id of {names_taken[name]}: give it "
                    "another name",
                    at_key=isinstance(id_where[-1], str) and id_where[-1] != "id",
                )
            )
            continue
        node = b.checked_condition(where, text, fields, sets, derived)
        if node is not None:
            nodes[name] = node
            texts[name] = (text, description, where)
    expanded, loops = conditions.resolve_named(nodes)
    for name, loop in loops.items():
        text, _description, where = texts[name]
        use = next(n for u, n in conditions.named_uses(nodes[name], nodes) if u == loop[1])
        if len(loop) == 2:
            message = f"named condition '{name}' uses itself"
        else:
            message = f"named conditions use each other in a loop ({' -> '.join(loop)})"
        b.at_condition(
            where,
            use.line,
            use.col,
            f"{message}: a named condition cannot depend on itself; write out what it means "
            "instead",
        )
    out: dict[str, NamedCondition] = {}
    for name, node in expanded.items():
        text, description, where = texts[name]
        reason = conditions.unsatisfiable(node, fields)
        if reason:
            b.at_condition(where, 1, 1, f"this condition can never hold: {reason}")
        out[name] = NamedCondition(name, text, node, description)
    return out


def load_formulas(
    b: _Builder,
    fields: Mapping[str, FieldSpec] | None,
    sets: Mapping[str, tuple[Any, ...]],
    derived: dict[str, DerivedFact],
) -> None:
    """Computed facts (`derived:` entries with `value:`): each calculation parsed, its
    parameters bound and checked; it may read answers, facts computed from the data tables
    and computed facts declared above it. Replaces the entries of `derived` in place."""
    section = b.data.get("derived") or {}
    earlier: set[str] = set()
    for name, spec in section.items():
        if "value" not in spec or name not in derived:
            continue
        where = ("derived", name, "value")
        text = spec["value"]
        if spec["type"] not in FORMULA_TYPES:
            b.problem(
                ("derived", name, "type"),
                f"derived fact '{name}' is calculated: its type is money, integer or number",
            )
            continue
        if not isinstance(text, str):
            text = str(text)
        try:
            expr = conditions.parse_expression(text)
        except ConditionSyntaxError as exc:
            b.at_condition(where, exc.line, exc.col, exc.message)
            continue
        expr = conditions.bind_expression(expr, b.param_values)
        check_fields = fields
        if check_fields is None:
            check_fields = {n: FieldSpec("derived") for n in conditions.referenced_fields(expr)}
        found = conditions.check_expression(expr, check_fields, sets, params=b.param_names)
        for p in found:
            b.at_condition(where, p.line, p.col, p.message)
        positions = field_positions(expr)
        for read in sorted(conditions.referenced_fields(expr)):
            if read in derived and read not in earlier:
                line, col = positions.get(read, (1, 1))
                if read == name:
                    message = f"'{name}' reads itself: a calculated fact cannot"
                else:
                    what = (
                        "is calculated below it"
                        if "value" in section.get(read, {})
                        else ("rules derive")
                    )
                    message = f"'{name}' reads '{read}', which {what}"
                b.at_condition(
                    where,
                    line,
                    col,
                    f"{message}: a calculated fact reads answers and calculated facts declared "
                    "above it",
                )
        earlier.add(name)
        if not found:
            derived[name] = replace(derived[name], formula=expr, formula_text=text)


class FormulaFacts:
    """Computes a ruleset's calculated facts for an answer set."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.formulas = [
            (name, fact.formula, fact.type)
            for name, fact in ruleset.derived.items()
            if fact.formula is not None
        ]
        self.sets = ruleset.sets
        # Fact -> the answers (and data facts) it reads, through other calculated facts.
        self.inputs: dict[str, frozenset[str]] = {}
        for name, formula, _kind in self.formulas:
            reads: set[str] = set()
            for read in conditions.referenced_fields(formula):
                reads |= self.inputs.get(read, {read})
                reads.update(FACT_INPUTS.get(read, ()))  # a fact computed from the data
            self.inputs[name] = frozenset(reads)

    def compute(self, answers: Mapping[str, Any]) -> Mapping[str, Any]:
        """The answers plus each calculated fact that has a value (the same mapping when
        there are none)."""
        if not self.formulas:
            return answers
        facts = dict(answers)
        for name, formula, kind in self.formulas:
            facts.pop(name, None)
            value = conditions.number_value(formula, facts, self.sets)
            if value is None:
                continue
            # Kept to 4 decimals (whole numbers for integer facts); a value too large for the
            # engine (2**53 and more) is no value, like a division by 0.
            value = math.floor(value) if kind == "integer" else round(value, DECIMALS)
            if abs(value) >= MAX_VALUE:
                continue
            facts[name] = _tidy(value)
        return facts


def _tidy(value: float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return value
