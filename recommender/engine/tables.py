"""Decision tables (`tables:` in a ruleset): rows of cells that read better than rules.

A table has input columns (an answer id, a derived fact, or an expression; several ids mean
"any of them"), output columns (recommend, exclude or flag an id, or derive a fact's value)
and rows. A row's cell in an input column is a condition fragment applied to the column
(`in [NL, BE]`, `>= 50000000`, `contains_any [web]`, a bare value, `-` or nothing for any);
its cell in an output column names what the row recommends, flags, excludes or derives.

At load time every row becomes an ordinary rule `TABLE[n]` (n counts rows from 1) whose
condition is the conjunction of its cells, so rows go through the engine exactly as rules do
(durable_rules, the reference evaluator, the trace, why-not and ask-next). The hit policy
decides which rows count:

- `collect`: every row that holds;
- `first`: the first row that holds (row n also requires `not (row k)` for every earlier
  row k that can hold together with it; rows that cannot, by
  `recommender.conditions.unsat`, need no such term);
- `priority`: the row with the highest `priority` that holds, the earlier one on a tie
  (row n also requires `not (row k)` for every such row k that can hold with it).

Checks report `file:line:col` at the cell, prefixed `table T, row n, column "Label": `.
Overlapping rows and gaps are not errors: `recommender.engine.table_findings` reports them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from recommender.conditions.ast import format_value
from recommender.conditions.positions import position_in_source
from recommender.engine import cond as conditions
from recommender.engine.cond import FieldSpec
from recommender.engine.model import Effect, Rule
from recommender.errors import Problem
from recommender.suggest import did_you_mean

if TYPE_CHECKING:
    from recommender.engine.model import DerivedFact, Product, Risk

HIT_POLICIES = ("first", "collect", "priority")
OUTPUT_KINDS = ("recommend", "flag", "exclude", "derive")
# Row keys that are not columns.
ROW_KEYS = ("priority", "because")
# Input cells meaning "any value" (a cell left out means the same).
ANY = ("-", "", "any")
# Output cells of a fixed-target column that fire it / leave it out.
YES = ("yes", "true", "x")
NO = ("no", "false", "-", "")
_TARGET_KEY = {"recommend": "product", "exclude": "product", "flag": "risk", "derive": "fact"}
# A cell that starts with one of these continues the column's input (`>= 5`, `in [a, b]`).
_OPERATOR = re.compile(r"(==|!=|<=|>=|<|>|=|!)")
_FRAGMENT_WORDS = frozenset(
    {"in", "not", "contains", "contains_any", "contains_all", "contains_none", "between", "is"}
)


@dataclass(frozen=True)
class InputColumn:
    id: str
    label: str
    inputs: tuple[str, ...]  # answer ids / facts / expressions; several = any of them


@dataclass(frozen=True)
class OutputColumn:
    id: str
    label: str
    kind: str  # recommend | flag | exclude | derive
    target: str | None = None  # fixed product / risk / fact; None: the cell names it
    severity: str | None = None  # flag only
    because: str = ""


@dataclass(frozen=True)
class TableRow:
    number: int  # 1-based, as authors count
    line: int
    rule_id: str
    cells: tuple[tuple[str, str], ...]  # (input column id, the cell as written) of non-any cells
    condition: Any  # the conjunction of the cells (None: holds for every answer)
    priority: int = 0


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    description: str
    hit: str
    inputs: tuple[InputColumn, ...]
    outputs: tuple[OutputColumn, ...]
    rows: tuple[TableRow, ...]
    line: int = 1

    def label(self, column_id: str) -> str:
        columns: list[InputColumn | OutputColumn] = [*self.inputs, *self.outputs]
        for column in columns:
            if column.id == column_id:
                return column.label
        return column_id


def rule_id(table_id: str, number: int) -> str:
    """The id of the rule row `number` (1-based) of a table becomes: `market-methods[3]`."""
    return f"{table_id}[{number}]"


def cell_text(value: Any) -> str:
    """A cell's YAML value as the author reads it (`[NL, BE]` for a list, `yes` for true)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    return str(value)


def is_any(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ANY)


# A piece of a cell's condition text and where it comes from: ("cell", None) for the cell's
# own text, ("input", k) for the column's k-th input, ("glue", None) for what we add.
Segment = tuple[int, int, str, int | None]


def cell_condition(column: InputColumn, value: Any) -> tuple[str, list[Segment]] | None:
    """The condition text a cell stands for, with the segments of that text (start, end
    offsets, origin, input index) so positions map back to the cell or the column; None for
    "any"."""
    if is_any(value):
        return None
    text = ""
    segments: list[Segment] = []

    def add(piece: str, origin: str, k: int | None) -> None:
        nonlocal text
        if piece:
            segments.append((len(text), len(text) + len(piece), origin, k))
            text += piece

    several = len(column.inputs) > 1
    for k, source in enumerate(column.inputs):
        if k:
            add(" or ", "glue", None)
        if several:
            add("(", "glue", None)
        for piece, origin in _pieces(source.strip(), value):
            add(piece, origin, k)
        if several:
            add(")", "glue", None)
    return text, segments


def _pieces(source: str, value: Any) -> list[tuple[str, str]]:
    """The pieces of one input's condition: `x >= 5` is [(x, input), (" ", glue),
    (">= 5", cell)]. A bare value is `== value`, a list `in [...]`, whatever the answer's
    type, so a cell means the same with or without the questionnaire at hand."""
    if isinstance(value, bool):
        return [(source, "input"), (" == ", "glue"), ("true" if value else "false", "cell")]
    if isinstance(value, int | float):
        return [(source, "input"), (" == ", "glue"), (format_value(value), "cell")]
    if isinstance(value, list):
        items = ", ".join(
            format_value(v) if isinstance(v, str | int | float) else str(v) for v in value
        )
        return [(source, "input"), (" in ", "glue"), (f"[{items}]", "cell")]
    text = str(value).strip()
    words = text.split()
    if text.lower() in ("answered", "unanswered"):
        return [(f"{text.lower()}(", "glue"), (source, "input"), (")", "glue")]
    if _OPERATOR.match(text) or (words and words[0] in _FRAGMENT_WORDS):
        return [(source, "input"), (" ", "glue"), (text, "cell")]
    if text.startswith(("[", "@")):
        return [(source, "input"), (" in ", "glue"), (text, "cell")]
    return [(source, "input"), (" == ", "glue"), (text, "cell")]


class TableLoader:
    """Expands the `tables:` of a ruleset into rules, reporting problems through the ruleset
    builder (`recommender.engine.loader._Builder`): its `located`, `text`, `problems`,
    `condition`, `at_condition`, `template` and `derive_value`."""

    def __init__(
        self,
        builder: Any,
        fields: Mapping[str, FieldSpec] | None,
        sets: Mapping[str, tuple[Any, ...]],
        derived: Mapping[str, DerivedFact],
        products: Mapping[str, Product],
        risks: Mapping[str, Risk],
    ) -> None:
        self.b = builder
        self.fields = fields
        self.sets = sets
        self.derived = derived
        self.products = products
        self.risks = risks
        self.kinds = {name: spec.kind for name, spec in (fields or {}).items()}
        for name, fact in derived.items():
            self.kinds.setdefault(name, fact.type)

    # ----------------------------------------------------------------------- reporting

    def problem(self, where: tuple[Any, ...], prefix: str, message: str) -> None:
        self.b.problems.append(self.b.located.problem(where, f"{prefix}: {message}"))

    @contextmanager
    def prefixed(self, prefix: str) -> Iterator[None]:
        """Problems the builder reports meanwhile get `prefix: ` before their message."""
        start = len(self.b.problems)
        yield
        for i in range(start, len(self.b.problems)):
            p = self.b.problems[i]
            self.b.problems[i] = dataclasses.replace(p, message=f"{prefix}: {p.message}")

    # ----------------------------------------------------------------------- loading

    def load(
        self, tables: Sequence[dict[str, Any]], first_index: int
    ) -> tuple[list[Rule], list[Table]]:
        rules: list[Rule] = []
        out: list[Table] = []
        seen: dict[str, int] = {}
        for t, data in enumerate(tables):
            tid = data["id"]
            if tid in seen:
                first = self.b.located.pos(("tables", seen[tid], "id"))[0]
                self.problem(
                    ("tables", t, "id"),
                    f"table {tid}",
                    f"duplicate table id '{tid}' (the first is on line {first}): give this "
                    "one another id",
                )
            seen.setdefault(tid, t)
            table, table_rules = self.table(t, data, first_index + len(rules))
            rules.extend(table_rules)
            out.append(table)
        return rules, out

    def table(self, t: int, data: dict[str, Any], first_index: int) -> tuple[Table, list[Rule]]:
        tid = data["id"]
        base = ("tables", t)
        name = f"table {tid}"
        inputs = self.inputs(t, data, name)
        outputs = self.outputs(t, data, name)
        known_columns = [c.id for c in inputs] + [c.id for c in outputs]
        rows: list[TableRow] = []
        effects_by_row: list[tuple[Effect, ...]] = []
        for r, row in enumerate(data["rows"]):
            number = r + 1
            prefix = f"{name}, row {number}"
            where = base + ("rows", r)
            for key in row:
                if key not in known_columns and key not in ROW_KEYS:
                    hint = did_you_mean(key, [*known_columns, *ROW_KEYS])
                    if not hint:
                        hint = f" (the columns: {', '.join(known_columns)})"
                    self.b.problems.append(
                        self.b.located.problem(
                            where + (key,), f"{prefix}: unknown column '{key}'{hint}", at_key=True
                        )
                    )
            cells, node = self.row_condition(t, r, row, inputs, prefix)
            effects = self.row_effects(t, r, row, outputs, prefix)
            if not any(c.id in row and not is_any(row[c.id]) for c in outputs):
                self.problem(
                    where,
                    prefix,
                    "the row has no output: fill in at least one of "
                    + ", ".join(f'"{c.label}"' for c in outputs),
                )
            rows.append(
                TableRow(
                    number=number,
                    line=self.b.located.pos(where)[0],
                    rule_id=rule_id(tid, number),
                    cells=tuple(cells),
                    condition=node,
                    priority=int(row.get("priority", 0)),
                )
            )
            effects_by_row.append(tuple(effects))
        table = Table(
            id=tid,
            title=data.get("title", "") or tid,
            description=data.get("description", ""),
            hit=data["hit"],
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            rows=tuple(rows),
            line=self.b.located.pos(base)[0],
        )
        return table, self.rules(table, effects_by_row, first_index)

    def inputs(self, t: int, data: dict[str, Any], name: str) -> list[InputColumn]:
        out: list[InputColumn] = []
        seen: set[str] = set()
        for c, col in enumerate(data["inputs"]):
            source = col.get("input", col["id"])
            sources = tuple(source) if isinstance(source, list) else (source,)
            label = col.get("label") or col["id"]
            self.column_id(("tables", t, "inputs", c, "id"), col["id"], seen, name)
            out.append(InputColumn(col["id"], label, tuple(str(s) for s in sources)))
        return out

    def column_id(self, where: tuple[Any, ...], cid: str, seen: set[str], name: str) -> None:
        if cid in ROW_KEYS:
            self.problem(
                where,
                name,
                f"a column cannot be called '{cid}' (rows use `{cid}:` for the row's own {cid})",
            )
        if cid in seen:
            self.problem(where, name, f"duplicate column id '{cid}': give this column another id")
        seen.add(cid)

    def outputs(self, t: int, data: dict[str, Any], name: str) -> list[OutputColumn]:
        out: list[OutputColumn] = []
        seen = {str(c.get("id")) for c in data["inputs"]}
        for c, col in enumerate(data["outputs"]):
            where = ("tables", t, "outputs", c)
            kind = col["kind"]
            label = col.get("label") or col["id"]
            prefix = f'{name}, column "{label}"'
            self.column_id(where + ("id",), col["id"], seen, name)
            target_key = _TARGET_KEY[kind]
            for key in ("product", "risk", "fact"):
                if key in col and key != target_key:
                    self.problem(
                        where + (key,),
                        prefix,
                        f"a `{kind}` column names a {target_key}, not a {key} (write "
                        f"`{target_key}:`)",
                    )
            target = col.get(target_key)
            if kind == "derive" and target is None:
                self.problem(
                    where, prefix, "a `derive` column needs `fact:` (the derived fact it sets)"
                )
            if "severity" in col and kind != "flag":
                self.problem(where + ("severity",), prefix, "only a `flag` column has a severity")
            if target is not None:
                self.target(where + (target_key,), prefix, kind, target)
            if "because" in col:
                with self.prefixed(prefix):
                    self.b.template(where + ("because",), col["because"], self.known())
            out.append(
                OutputColumn(
                    col["id"], label, kind, target, col.get("severity"), col.get("because", "")
                )
            )
        return out

    def known(self) -> set[str] | None:
        from recommender.engine.data import TEMPLATE_FACTS

        return None if self.fields is None else set(self.fields) | set(TEMPLATE_FACTS)

    def target(self, where: tuple[Any, ...], prefix: str, kind: str, target: Any) -> bool:
        """Report an unknown product, risk or derived fact; True when it is known."""
        if kind in ("recommend", "exclude"):
            if target in self.products:
                return True
            hint = did_you_mean(target, self.products) or " (declare it under `products:` first)"
            self.problem(where, prefix, f"unknown product '{target}'{hint}")
        elif kind == "flag":
            if target in self.risks:
                return True
            hint = did_you_mean(target, self.risks) or " (declare it under `risks:` first)"
            self.problem(where, prefix, f"unknown risk '{target}'{hint}")
        else:
            if target in self.derived:
                return True
            hint = did_you_mean(target, self.derived)
            self.problem(
                where,
                prefix,
                f"unknown derived fact '{target}'{hint}: declare it under `derived:` (with its "
                "type) first",
            )
        return False

    # ----------------------------------------------------------------------- rows

    def row_condition(
        self,
        t: int,
        r: int,
        row: Mapping[str, Any],
        inputs: Sequence[InputColumn],
        prefix: str,
    ) -> tuple[list[tuple[str, str]], Any]:
        """(column id, condition text) of the row's cells, and their conjunction (None when
        every cell is "any")."""
        cells: list[tuple[str, str]] = []
        nodes = []
        reported = len(self.b.problems)
        for c, column in enumerate(inputs):
            if column.id not in row:
                continue
            value = row[column.id]
            if isinstance(value, bool) and self.kinds.get(column.inputs[0]) in (
                "country",
                "country_list",
            ):
                self.problem(
                    ("tables", t, "rows", r, column.id),
                    f'{prefix}, column "{column.label}"',
                    f"'{cell_text(value)}' is read as {'yes' if value else 'no'}: put a country "
                    "code like NO in quotes ('NO')",
                )
                continue
            built = cell_condition(column, value)
            if built is None:
                continue
            text, segments = built
            node = self.check_cell(t, r, c, column, value, text, segments, prefix)
            if node is not None:
                cells.append((column.id, cell_text(value)))
                nodes.append(node)
        if not nodes:
            return cells, None
        node = nodes[0] if len(nodes) == 1 else conditions.And(tuple(nodes))
        if len(nodes) > 1 and len(self.b.problems) == reported:
            reason = conditions.unsatisfiable(node, self.fields)
            if reason:
                self.problem(
                    ("tables", t, "rows", r),
                    prefix,
                    f"the row's cells can never hold together: {reason}",
                )
        return cells, node

    def check_cell(
        self,
        t: int,
        r: int,
        c: int,
        column: InputColumn,
        value: Any,
        text: str,
        segments: Sequence[Segment],
        prefix: str,
    ) -> Any:
        """Parse and check one cell's condition with the builder's own condition check;
        its problems are reported at the cell, or once at the column's `input:` when they
        are about the input (an unknown answer id)."""
        located = self.b.located
        column_data = located.data["tables"][t]["inputs"][c]

        def report(_where: tuple[Any, ...], line: int, col: int, message: str) -> None:
            offset = col - 1 if line == 1 else len(text)
            origin, index, start = "cell", None, 0
            for s, e, o, k in segments:
                if s <= offset < e:
                    origin, index, start = o, k, s
                    break
            else:  # at the end of the text: the last piece the author wrote
                for s, _e, o, k in reversed(segments):
                    if o != "glue":
                        origin, index, start = o, k, s
                        break
            if message.startswith("this condition can never hold"):
                origin, start, offset = "cell", 0, 0
            if "instead of '=='" in message and " == " in text and not _OPERATOR.match(str(value)):
                origin, start, offset = "cell", 0, 0
                message = (
                    f"{message.split(':')[0]}: write 'contains {cell_text(value)}' (or "
                    "'contains_any [a, b]') in this cell"
                )
            if origin == "input":
                where: tuple[Any, ...] = ("tables", t, "inputs", c, "id")
                if "input" in column_data:
                    where = ("tables", t, "inputs", c, "input")
                    if isinstance(column_data["input"], list):
                        where += (index,)
                col_in = offset - start + 1 if "input" in column_data else 1
                head = f'table {located.data["tables"][t]["id"]}, column "{column.label}"'
            else:
                where = ("tables", t, "rows", r, column.id)
                col_in = offset - start + 1 if origin == "cell" else 1
                head = f'{prefix}, column "{column.label}"'
            vline, vcol = located.pos(where)
            fline, fcol = position_in_source(self.b.text, vline, vcol, 1, max(col_in, 1))
            self.b.problems.append(Problem(located.path, fline, fcol, f"{head}: {message}"))

        with _reporting(self.b, report):
            return self.b.condition(
                ("tables", t, "rows", r, column.id), text, self.fields, self.sets, self.derived
            )

    def row_effects(
        self,
        t: int,
        r: int,
        row: Mapping[str, Any],
        outputs: Sequence[OutputColumn],
        prefix: str,
    ) -> list[Effect]:
        where = ("tables", t, "rows", r)
        because = row.get("because")
        output_ids = {c.id for c in outputs}
        if isinstance(because, dict):
            for key in because:
                if key not in output_ids:
                    hint = did_you_mean(key, output_ids) or (
                        f" (the output columns: {', '.join(sorted(output_ids))})"
                    )
                    self.b.problems.append(
                        self.b.located.problem(
                            where + ("because", key),
                            f"{prefix}: `because` names '{key}', which is not an output column{hint}",
                            at_key=True,
                        )
                    )
        effects: list[Effect] = []
        for column in outputs:
            if column.id not in row:
                continue
            cell_where = where + (column.id,)
            head = f'{prefix}, column "{column.label}"'
            targets = self.output_targets(cell_where, head, column, row[column.id])
            text = column.because
            text_where: tuple[Any, ...] = ("tables", t, "outputs", outputs.index(column))
            if isinstance(because, str):
                text, text_where = because, where + ("because",)
            elif isinstance(because, dict) and isinstance(because.get(column.id), str):
                text, text_where = because[column.id], where + ("because", column.id)
            if targets and text and text_where[:3] == ("tables", t, "rows"):
                with self.prefixed(prefix):
                    self.b.template(text_where, text, self.known())
            for target, severity, value in targets:
                effects.append(Effect(column.kind, target, text, severity, value))
        return effects

    def output_targets(
        self, where: tuple[Any, ...], head: str, column: OutputColumn, value: Any
    ) -> list[tuple[str, str | None, Any]]:
        """(target, severity, derived value) of one output cell; [] for an empty cell."""
        if column.kind == "derive":
            if is_any(value) or column.target is None:
                return []
            if column.target not in self.derived:
                return []
            with self.prefixed(head):  # reported at where + ("value",): the cell itself
                self.b.derive_value(where, column.target, value, self.derived)
            return [(column.target, None, value)]
        if column.target is not None:
            word = cell_text(value).strip().lower()
            if word in NO or value is None:
                return []
            severity = column.severity
            if column.kind == "flag" and word in ("high", "medium", "low"):
                severity = word
            elif word not in YES:
                allowed = (
                    "yes or - (or a severity: high, medium, low)"
                    if column.kind == "flag"
                    else "yes or -"
                )
                self.problem(
                    where,
                    head,
                    f"'{cell_text(value)}' is not a mark for this column: it always "
                    f"{column.kind}s {column.target}; write {allowed}",
                )
                return []
            return [(column.target, severity, None)]
        if is_any(value):
            return []
        items = (
            value
            if isinstance(value, list)
            else [v.strip() for v in str(value).split(",") if v.strip()]
        )
        out: list[tuple[str, str | None, Any]] = []
        for item in items:
            target = str(item)
            if self.target(where, head, column.kind, target):
                out.append((target, column.severity, None))
        return out

    # ----------------------------------------------------------------------- rules

    def rules(
        self, table: Table, effects_by_row: Sequence[tuple[Effect, ...]], first_index: int
    ) -> list[Rule]:
        out: list[Rule] = []
        rows = table.rows
        always = _always(table)
        for i, row in enumerate(rows):
            blockers = [rows[k] for k in _blockers(table, i)]
            negations = [
                conditions.Not(other.condition)
                for other in blockers
                if other.condition is not None
                and (
                    row.condition is None
                    or conditions.unsatisfiable(
                        conditions.And((row.condition, other.condition)), self.fields
                    )
                    is None
                )
            ]
            if any(other.condition is None for other in blockers):
                # An earlier (or higher) row holds for every answer: this one never counts.
                negations = [_never(always)]
            parts = ([row.condition] if row.condition is not None else []) + negations
            if not parts:
                node = always
            elif len(parts) == 1:
                node = parts[0]
            else:
                node = conditions.And(tuple(parts))
            out.append(
                Rule(
                    id=row.rule_id,
                    index=first_index + i,
                    when=str(node),
                    condition=node,
                    effects=effects_by_row[i],
                    priority=row.priority,
                    description=describe_row(table, row),
                    fields=frozenset(conditions.referenced_fields(node)),
                )
            )
        return out


@contextmanager
def _reporting(
    builder: Any, report: Callable[[tuple[Any, ...], int, int, str], None]
) -> Iterator[None]:
    """Route the builder's condition problems (`at_condition`) to `report` meanwhile."""
    builder.at_condition = report
    try:
        yield
    finally:
        del builder.at_condition


def _blockers(table: Table, i: int) -> list[int]:
    """The rows that win over row i when both hold, by the table's hit policy."""
    if table.hit == "first":
        return list(range(i))
    if table.hit == "priority":
        mine = table.rows[i].priority
        return [
            k
            for k, other in enumerate(table.rows)
            if other.priority > mine or (other.priority == mine and k < i)
        ]
    return []


def _always(table: Table) -> Any:
    """A condition that holds for every answer set (`answered(x) or unanswered(x)`) over a
    field the table reads."""
    name = "_"
    for row in table.rows:
        if row.condition is not None:
            name = sorted(conditions.referenced_fields(row.condition))[0]
            break
    else:
        for column in table.inputs:
            if re.fullmatch(r"[a-z][a-z0-9_]*", column.inputs[0].strip()):
                name = column.inputs[0].strip()
                break
    return conditions.Or((conditions.Answered(name), conditions.Answered(name, negated=True)))


def _never(always: Any) -> Any:
    return conditions.Not(always)


def describe_row(table: Table, row: TableRow) -> str:
    """The trace's description of a row's rule: `table T, row n: Label cell; ...`."""
    cells = "; ".join(f"{table.label(cid)}: {text}" for cid, text in row.cells) or "any answers"
    policy = {
        "first": " (the first row that holds)",
        "priority": " (the highest priority that holds)",
    }
    return f"table {table.title}, row {row.number}: {cells}{policy.get(table.hit, '')}"
