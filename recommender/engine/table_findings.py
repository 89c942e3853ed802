"""What an author should know about a decision table that is not an error.

- `overlap` (first-hit tables): two rows that can both hold, with an example answer set;
  only the earlier row counts there. Found by looking for an example only where
  `recommender.conditions.unsat` cannot prove the two rows exclusive.
- `unreachable` (first-hit and priority tables): a row that never counts because a row that
  wins over it asks for less (its cells are a subset of this row's: a row of `-` included).
- `gap` (first-hit and priority tables): answers for which no row holds, with an example
  (every input answered). A collect table that holds for nothing just adds nothing, so its
  gaps are not reported.

Examples come from a finite set of candidate answers built from the values the cells
mention (each value, one above and below each number, one value none of them names, empty
and one-item lists), all combinations when there are at most MAX_COMBINATIONS, else a fixed
random sample of that many: an example is always a real one, but a gap or overlap that needs
values outside the candidates is not found.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.conditions.ast import (
    Answered,
    Compare,
    Contains,
    Count,
    In,
    ListLiteral,
    Literal,
    SetRef,
    Truthy,
)
from recommender.conditions.check import COUNTRY_KINDS, LIST_KINDS, NUMBER_KINDS
from recommender.conditions.evaluate import is_number, walk
from recommender.engine import cond as conditions
from recommender.engine.cond import FieldSpec
from recommender.engine.model import Ruleset
from recommender.engine.tables import Table, TableRow
from recommender.questionnaire.countries import COUNTRIES

MAX_COMBINATIONS = 20_000
MAX_VALUES = 8  # candidate values per answer


@dataclass(frozen=True)
class Finding:
    kind: str  # overlap | unreachable | gap
    table: str
    rows: tuple[int, ...]  # 1-based row numbers it is about (none for a gap)
    line: int
    message: str


def table_findings(
    ruleset: Ruleset, fields: Mapping[str, FieldSpec] | None = None
) -> list[Finding]:
    """Overlaps, unreachable rows and gaps of every table of a loaded ruleset."""
    out: list[Finding] = []
    for table in ruleset.tables:
        out.extend(findings_of(table, ruleset.sets, fields))
    return out


def findings_of(
    table: Table,
    sets: Mapping[str, Sequence[Any]],
    fields: Mapping[str, FieldSpec] | None = None,
) -> list[Finding]:
    if table.hit == "collect":
        return []
    out: list[Finding] = []
    rows = table.rows
    space = _Candidates(table, sets, fields or {})
    unreachable: set[int] = set()
    for j, row in enumerate(rows):
        for i in _winners(table, j):
            other = rows[i]
            if set(other.cells) <= set(row.cells):
                unreachable.add(j)
                asks = (
                    "holds for every answer"
                    if not other.cells
                    else "asks for less (" + _cells(table, other) + ")"
                )
                out.append(
                    Finding(
                        "unreachable",
                        table.id,
                        (other.number, row.number),
                        row.line,
                        f"table {table.id}, row {row.number} never counts: row {other.number} "
                        f"wins over it and {asks}",
                    )
                )
                break
    if table.hit == "first":
        for j, row in enumerate(rows):
            if j in unreachable or row.condition is None:
                continue
            for i in range(j):
                other = rows[i]
                if other.condition is None or i in unreachable:
                    continue
                both = conditions.And((other.condition, row.condition))
                if conditions.unsatisfiable(both, fields) is not None:
                    continue
                example = space.find(lambda facts, both=both: _holds(both, facts, sets))
                if example is None:
                    continue
                out.append(
                    Finding(
                        "overlap",
                        table.id,
                        (other.number, row.number),
                        row.line,
                        f"table {table.id}: rows {other.number} and {row.number} can both hold "
                        f"(for example {space.words(example)}); the table is first-hit, so "
                        f"only row {other.number} counts there",
                    )
                )
    if all(row.condition is not None for row in rows):
        example = space.find(
            lambda facts: not any(_holds(row.condition, facts, sets) for row in rows)
        )
        if example is not None:
            out.append(
                Finding(
                    "gap",
                    table.id,
                    (),
                    table.line,
                    f"table {table.id}: no row holds for some answers (for example "
                    f"{space.words(example)}); add a row for them, or a last row of '-' for "
                    "everything else",
                )
            )
    return out


def _winners(table: Table, j: int) -> list[int]:
    """Rows that win over row j when both hold."""
    if table.hit == "first":
        return list(range(j))
    mine = table.rows[j].priority
    return [
        k
        for k, other in enumerate(table.rows)
        if k != j and (other.priority > mine or (other.priority == mine and k < j))
    ]


def _cells(table: Table, row: TableRow) -> str:
    return "; ".join(f"{table.label(cid)}: {text}" for cid, text in row.cells)


def _holds(node: Any, facts: Mapping[str, Any], sets: Mapping[str, Sequence[Any]]) -> bool:
    try:
        return bool(conditions.evaluate(node, facts, sets))
    except Exception:  # a construct evaluate cannot decide here: not an example
        return False


class _Candidates:
    """Candidate answers for the fields a table's rows read."""

    def __init__(
        self, table: Table, sets: Mapping[str, Sequence[Any]], fields: Mapping[str, FieldSpec]
    ) -> None:
        self.table = table
        self.labels: dict[str, str] = {}
        for column in table.inputs:
            if len(column.inputs) == 1:
                self.labels.setdefault(column.inputs[0].strip(), column.label)
        found: dict[str, dict[str, Any]] = {}
        for row in table.rows:
            if row.condition is None:
                continue
            for node in walk(row.condition):
                _note(node, found, sets)
        order = {
            source.strip(): n
            for n, column in reversed(list(enumerate(table.inputs)))
            for source in column.inputs
        }
        names = sorted(found, key=lambda name: (order.get(name, len(order)), name))
        self.values: dict[str, list[Any]] = {
            name: _values(name, found[name], fields.get(name)) for name in names
        }

    def combinations(self) -> list[dict[str, Any]] | Any:
        names = list(self.values)
        total = math.prod(len(v) for v in self.values.values()) if names else 1
        if total <= MAX_COMBINATIONS:
            return (
                dict(zip(names, combo, strict=True))
                for combo in itertools.product(*self.values.values())
            )
        rnd = random.Random(20_240_611)
        return (
            {name: rnd.choice(self.values[name]) for name in names} for _ in range(MAX_COMBINATIONS)
        )

    def find(self, test: Any) -> dict[str, Any] | None:
        for facts in self.combinations():
            if test(facts):
                return dict(facts)
        return None

    def words(self, facts: Mapping[str, Any]) -> str:
        parts = []
        for name, value in facts.items():
            if isinstance(value, list):
                shown = ", ".join(str(v) for v in value) if value else "none"
            elif isinstance(value, bool):
                shown = "yes" if value else "no"
            elif is_number(value):
                shown = f"{value:,}" if isinstance(value, int) else str(value)
            else:
                shown = str(value)
            parts.append(f"{self.labels.get(name, name)}: {shown}")
        return "; ".join(parts)


def _note(node: Any, found: dict[str, dict[str, Any]], sets: Mapping[str, Sequence[Any]]) -> None:
    """Record what an atom says about its answer: values it names, list use, numbers."""
    if isinstance(node, Truthy):
        found.setdefault(node.name, {"values": [], "list": False}).setdefault("bool", True)
        return
    subject = getattr(node, "subject", None)
    if not isinstance(node, Compare | In | Contains) or subject is None:
        name = getattr(node, "name", None)
        if isinstance(name, str) and isinstance(node, Answered):
            found.setdefault(name, {"values": [], "list": False})
        return
    info = found.setdefault(subject.name, {"values": [], "list": False})
    if isinstance(subject, Count) or isinstance(node, Contains):
        info["list"] = True
    if isinstance(subject, Count):
        info.setdefault("counts", []).append(node.value.value if isinstance(node, Compare) else 0)
        return
    holder = node.value if isinstance(node, Compare) else node.values
    if isinstance(holder, Literal):
        info["values"].append(holder.value)
    elif isinstance(holder, ListLiteral):
        info["values"].extend(item.value for item in holder.items)
    elif isinstance(holder, SetRef):
        members = list(sets.get(holder.name, ()))
        info["values"].extend(members[:3])
        info.setdefault("sets", []).append(members)


def _values(name: str, info: Mapping[str, Any], spec: FieldSpec | None) -> list[Any]:
    named = list(dict.fromkeys(v for v in info["values"] if not isinstance(v, list)))
    kind = spec.kind if spec is not None else None
    if info.get("bool") or (named and all(isinstance(v, bool) for v in named)) or kind == "boolean":
        return [True, False]
    numbers = [v for v in named if is_number(v)]
    if numbers or kind in NUMBER_KINDS:
        out: list[Any] = []
        for v in numbers:
            step = 1 if isinstance(v, int) else 0.5
            out.extend([v - step, v, v + step])
        if not out:
            out = [0]
        return list(dict.fromkeys(out))[: MAX_VALUES * 3]
    scalars = [v for v in named if isinstance(v, str)][:MAX_VALUES]
    other = _other(scalars, info, spec)
    if info["list"] or kind in LIST_KINDS:
        pool = scalars + ([other] if other is not None else [])
        lists: list[Any] = [[]] + [[v] for v in pool]
        lists += [list(pair) for pair in itertools.combinations(scalars[:4], 2)]
        if len(scalars) > 2:
            lists.append(list(scalars))
        for count in info.get("counts", []):
            if is_number(count) and 0 <= count < 6:
                lists.append((pool * 6)[: int(count) + 1])
        return lists
    return scalars + ([other] if other is not None else [])


def _other(named: Sequence[Any], info: Mapping[str, Any], spec: FieldSpec | None) -> Any:
    """A value none of the cells names (an option or a country code when the answer has
    them)."""
    taken = set(named)
    for members in info.get("sets", []):
        taken |= set(members)
    if spec is not None and spec.options:
        return next((o for o in spec.options if o not in taken), None)
    if (
        spec is not None
        and spec.kind in COUNTRY_KINDS
        or any(isinstance(v, str) and v in COUNTRIES for v in named)
    ):
        return next((c for c in sorted(COUNTRIES) if c not in taken), None)
    return next(f"other{n}" for n in itertools.count() if f"other{n}" not in taken)


def path_notes(paths: Sequence[str], questionnaires: Mapping[str, Any] | None = None) -> list[str]:
    """`path:line:1: note: ...` for the tables of the rulesets in these files that load
    (`recommender rules check` prints them after the problems; they do not fail the check)."""
    from pathlib import Path

    from recommender.engine.datafiles import is_data_text
    from recommender.engine.loader import load_ruleset_text, questionnaire_id_of
    from recommender.errors import DefinitionError

    out: list[str] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if is_data_text(text) or "tables:" not in text:
            continue
        qid = questionnaire_id_of(text, str(path))
        questionnaire = (questionnaires or {}).get(qid) if qid else None
        try:
            ruleset = load_ruleset_text(text, str(path), questionnaire)
        except DefinitionError:
            continue
        fields = questionnaire.field_specs() if questionnaire is not None else None
        for f in table_findings(ruleset, fields):
            out.append(f"{path}:{f.line}:1: note: {f.message}")
    return out
