"""The workbench's grid editor for decision tables: read a table of the author's draft as a
grid, check edited rows with the real loader, and save them (only the table's YAML block is
rewritten; see `table_yaml`).

A grid row is what the browser edits: the text of each cell by column id, the priority as
text, the because texts (`""`: the whole row, else per output column) and `orig`, the index
of the row it was loaded from (None for a new row), so a cell whose text did not change
keeps the exact YAML value it had.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from recommender.engine.table_findings import table_findings
from recommender.engine.tables import OUTPUT_KINDS, ROW_KEYS, YES, cell_text
from recommender.errors import InvalidInput, NotFound, Problem
from recommender.models import RulesetVersion, User
from recommender.services.authoring.drafts import SaveResult, get_or_create_draft, save_draft
from recommender.services.authoring.sources import (
    _check_and_load,
    _located,
    checksum,
    questionnaire_for_source,
    source_path,
)
from recommender.services.authoring.table_yaml import replace_table
from recommender.yamlpos import Located, YamlError, load_yaml

MAX_ROWS = 500
MAX_CELL = 2_000
MAX_BECAUSE = 5_000
_PREFIX = re.compile(r'^table [^,:]+(, row \d+)?(, column "[^"]*")?: ')


@dataclass
class GridColumn:
    id: str
    label: str
    kind: str  # input | recommend | flag | exclude | derive
    detail: str = ""  # the input(s) it reads, or the product / risk / fact it sets
    severity: str = ""


@dataclass
class GridRow:
    cells: dict[str, str]
    priority: str = ""
    because: dict[str, str] = field(default_factory=dict)
    orig: int | None = None
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # keys that are not columns

    def to_dict(self) -> dict[str, Any]:
        return {
            "cells": self.cells,
            "priority": self.priority,
            "because": self.because,
            "orig": self.orig,
            "line": self.line,
            "extra": sorted(self.extra),
        }


@dataclass
class CellProblem:
    row: int | None  # index in the grid; None: the table (or its columns)
    column: str | None  # column id, "priority", "because" (or "because:<output>")
    message: str  # without the "table T, row n, column C: " the cell already says
    text: str  # the whole `path:line:col: message`

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message, "text": self.text}


@dataclass
class Grid:
    name: str
    id: str
    index: int
    title: str
    description: str
    hit: str
    line: int
    inputs: list[GridColumn]
    outputs: list[GridColumn]
    rows: list[GridRow]
    checksum: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "hit": self.hit,
            "inputs": [c.__dict__ for c in self.inputs],
            "outputs": [c.__dict__ for c in self.outputs],
            "rows": [r.to_dict() for r in self.rows],
            "checksum": self.checksum,
        }


@dataclass
class GridCheck:
    """The check of a draft with a table's rows replaced."""

    cells: list[CellProblem]  # problems in the table (its cells, rows or columns)
    others: list[Problem]  # problems elsewhere in the draft
    findings: list[dict[str, Any]]  # overlaps, rows that never count, gaps (not errors)
    source: str

    @property
    def ok(self) -> bool:
        return not self.cells

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "cells": [c.to_dict() for c in self.cells],
            "others": len(self.others),
            "findings": self.findings,
        }


# --------------------------------------------------------------------------- reading


def table_list(source: str) -> list[dict[str, Any]]:
    """The tables of a source: id, title, hit policy, row count and line."""
    located = _located(source, "x")
    tables = located.data.get("tables") if located is not None else None
    if not isinstance(tables, list):
        return []
    out = []
    for i, table in enumerate(tables):
        if isinstance(table, dict) and isinstance(table.get("id"), str):
            rows = table.get("rows")
            out.append(
                {
                    "id": table["id"],
                    "title": str(table.get("title") or table["id"]),
                    "hit": str(table.get("hit", "")),
                    "rows": len(rows) if isinstance(rows, list) else 0,
                    "line": located.pos(("tables", i))[0] if located is not None else 1,
                }
            )
    return out


def unreadable(source: str) -> str | None:
    """Why the grid cannot read a draft at all (its YAML does not parse), or None."""
    try:
        located = load_yaml(source, "ruleset.yaml")
    except YamlError as exc:
        return (
            f"Your draft does not read as YAML (line {exc.problem.line}: "
            f"{exc.problem.message}): fix it in the editor first."
        )
    if not isinstance(located.data, dict):
        return "Your draft is not a ruleset of 'key: value' lines: fix it in the editor first."
    return None


def _table_at(source: str, path: str, table_id: str) -> tuple[Located, int, dict[str, Any]]:
    try:
        located = load_yaml(source, path)
    except YamlError as exc:
        raise InvalidInput(
            f"The draft does not read as YAML ({exc.problem}): fix it in the editor first."
        ) from None
    tables = located.data.get("tables") if isinstance(located.data, dict) else None
    for i, table in enumerate(tables if isinstance(tables, list) else []):
        if isinstance(table, dict) and table.get("id") == table_id:
            if not isinstance(table.get("rows", []), list) or not all(
                isinstance(c, dict) and isinstance(c.get("id"), str)
                for c in [*(table.get("inputs") or []), *(table.get("outputs") or [])]
            ):
                raise InvalidInput(
                    f"Table '{table_id}' is not in a shape the grid can show: fix it in the "
                    "editor first."
                )
            return located, i, table
    raise NotFound(f"The draft has no decision table '{table_id}'.")


def grid(name: str, user: User | None, table_id: str) -> Grid:
    """A table of the user's draft as a grid."""
    draft = get_or_create_draft(name, user)
    return grid_of(draft, name, table_id)


def grid_of(draft: RulesetVersion, name: str, table_id: str) -> Grid:
    located, index, table = _table_at(draft.source, source_path(name), table_id)
    inputs = [
        GridColumn(
            c["id"],
            str(c.get("label") or c["id"]),
            "input",
            ", ".join(map(str, c["input"]))
            if isinstance(c.get("input"), list)
            else str(c.get("input", c["id"])),
        )
        for c in table.get("inputs") or []
    ]
    outputs = [
        GridColumn(
            c["id"],
            str(c.get("label") or c["id"]),
            str(c.get("kind", "")),
            str(c.get("product") or c.get("risk") or c.get("fact") or ""),
            str(c.get("severity") or ""),
        )
        for c in table.get("outputs") or []
    ]
    columns = {c.id for c in inputs + outputs}
    rows = []
    for r, row in enumerate(table.get("rows") or []):
        row = row if isinstance(row, dict) else {}
        because = row.get("because")
        rows.append(
            GridRow(
                cells={k: cell_text(row[k]) for k in row if k in columns},
                priority="" if row.get("priority") is None else str(row.get("priority")),
                because=(
                    {"": because}
                    if isinstance(because, str)
                    else {str(k): str(v) for k, v in because.items()}
                    if isinstance(because, dict)
                    else {}
                ),
                orig=r,
                line=located.pos(("tables", index, "rows", r))[0],
                extra={k: v for k, v in row.items() if k not in columns and k not in ROW_KEYS},
            )
        )
    return Grid(
        name=name,
        id=table_id,
        index=index,
        title=str(table.get("title") or table_id),
        description=str(table.get("description") or ""),
        hit=str(table.get("hit", "")),
        line=located.pos(("tables", index))[0],
        inputs=inputs,
        outputs=outputs,
        rows=rows,
        checksum=checksum(draft.source),
    )


# --------------------------------------------------------------------------- edited rows


def parse_rows(body: Any, columns: Sequence[str]) -> list[GridRow]:
    """The rows the browser sent (`{"rows": [{"cells": {...}, "priority": "", "because":
    {...}, "orig": n}]}`); InvalidInput for anything else."""
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise InvalidInput("Send the table's rows as a list under `rows`.")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"A table can have at most {MAX_ROWS} rows.")
    out = []
    for n, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InvalidInput(f"Row {n + 1} is not a row.")
        cells = row.get("cells", {})
        because = row.get("because", {})
        priority = row.get("priority", "")
        orig = row.get("orig")
        if not isinstance(cells, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in cells.items()
        ):
            raise InvalidInput(f"Row {n + 1}: cells must be texts by column id.")
        unknown = [k for k in cells if k not in columns]
        if unknown:
            raise InvalidInput(f"Row {n + 1}: the table has no column '{unknown[0]}'.")
        if not isinstance(because, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in because.items()
        ):
            raise InvalidInput(f"Row {n + 1}: because must be texts by output column id.")
        if not isinstance(priority, str | int) or isinstance(priority, bool):
            raise InvalidInput(f"Row {n + 1}: the priority must be a whole number.")
        if orig is not None and (not isinstance(orig, int) or isinstance(orig, bool) or orig < 0):
            raise InvalidInput(f"Row {n + 1}: `orig` must be the index of a row or null.")
        long = [v for v in cells.values() if len(v) > MAX_CELL]
        if long or any(len(v) > MAX_BECAUSE for v in because.values()):
            raise InvalidInput(f"Row {n + 1}: a cell is longer than {MAX_CELL} characters.")
        out.append(GridRow(dict(cells), str(priority).strip(), dict(because), orig))
    return out


def row_values(
    row: GridRow, table: Mapping[str, Any], original: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A grid row as a YAML row mapping, and (column, message) for values that cannot be
    written (a priority that is not a whole number)."""
    out: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    original = original or {}
    kinds = {c["id"]: "input" for c in table.get("inputs") or []}
    outputs = {c["id"]: c for c in table.get("outputs") or []}
    kinds.update({cid: str(c.get("kind")) for cid, c in outputs.items()})
    for cid in kinds:
        text = row.cells.get(cid, "").strip()
        if cid in original and text == cell_text(original[cid]).strip():
            out[cid] = original[cid]  # unchanged: the exact YAML value it had
            continue
        value = _cell_value(text, kinds[cid], outputs.get(cid))
        if value is not None:
            out[cid] = value
    priority = row.priority.strip()
    if priority:
        try:
            out["priority"] = int(priority)
        except ValueError:
            errors.append(
                ("priority", f"'{priority}' is not a whole number: write a priority like 10 or -5")
            )
    texts = {k: v.strip() for k, v in row.because.items() if v.strip()}
    if set(texts) == {""}:
        out["because"] = texts[""]
    elif texts:
        mapping = {}
        for cid in outputs:
            if cid in texts:
                mapping[cid] = texts[cid]
            elif "" in texts and cid in out:
                mapping[cid] = texts[""]
        for cid in texts:  # keys that name no output column: kept, so the check names them
            if cid and cid not in mapping:
                mapping[cid] = texts[cid]
        out["because"] = mapping
    for key, value in original.items():  # keys the grid does not show stay as they were
        if key not in kinds and key not in ROW_KEYS:
            out[key] = value
    return out, errors


def _cell_value(text: str, kind: str, column: Mapping[str, Any] | None) -> Any:
    if text in ("", "-"):
        return None
    if kind == "input":
        return {"yes": True, "true": True, "no": False, "false": False}.get(text, text)
    if column is not None and any(k in column for k in ("product", "risk")):
        if text.lower() in YES:
            return True
        return None if text.lower() in ("no", "false") else text
    if kind == "derive":
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        return value if isinstance(value, str | int | float | bool) and value is not None else text
    if kind in OUTPUT_KINDS:
        items = [v.strip() for v in text.strip("[]").split(",") if v.strip()]
        return items[0] if len(items) == 1 else items
    return text


def edited_source(
    source: str, name: str, table_id: str, rows: Sequence[GridRow]
) -> tuple[str, int, list[CellProblem]]:
    """The source with the table's rows replaced, the table's index, and cells whose value
    cannot even be written."""
    path = source_path(name)
    _, index, table = _table_at(source, path, table_id)
    old_rows = [r if isinstance(r, dict) else {} for r in table.get("rows") or []]
    new_rows = []
    problems: list[CellProblem] = []
    for n, row in enumerate(rows):
        original = old_rows[row.orig] if row.orig is not None and row.orig < len(old_rows) else None
        values, errors = row_values(row, table, original)
        problems.extend(CellProblem(n, c, m, f"row {n + 1}: {m}") for c, m in errors)
        new_rows.append(values)
    new_table = dict(table)
    new_table["rows"] = new_rows
    return replace_table(source, path, index, new_table), index, problems


# --------------------------------------------------------------------------- check + save


def check_rows(name: str, user: User | None, table_id: str, rows: Sequence[GridRow]) -> GridCheck:
    """Check the user's draft with the table's rows replaced, nothing saved: problems by
    cell (row index and column), the rest of the draft's problems counted, and the table's
    overlaps, rows that never count and gaps."""
    draft = get_or_create_draft(name, user)
    return _check(draft, name, table_id, rows)


def _check(draft: RulesetVersion, name: str, table_id: str, rows: Sequence[GridRow]) -> GridCheck:
    source, index, unwritable = edited_source(draft.source, name, table_id, rows)
    questionnaire = questionnaire_for_source(source)
    problems, ruleset = _check_and_load(
        source, name, questionnaire=questionnaire, data_files=dict(draft.data_files or {})
    )
    cells, others = _by_cell(source, name, index, problems)
    findings: list[dict[str, Any]] = []
    if ruleset is not None:
        fields = questionnaire.field_specs() if questionnaire is not None else None
        for f in table_findings(ruleset, fields):
            if f.table == table_id:
                findings.append(
                    {
                        "kind": f.kind,
                        "rows": [n - 1 for n in f.rows],
                        "message": f.message,
                    }
                )
    return GridCheck(unwritable + cells, others, findings, source)


def save_rows(
    name: str,
    user: User | None,
    table_id: str,
    rows: Sequence[GridRow],
    expected_checksum: str | None,
) -> tuple[GridCheck, SaveResult | None]:
    """Save the table's rows into the user's draft (only the table's block of the source
    changes) when its cells have no problems; else nothing is saved. Conflict when the draft
    changed since `expected_checksum` (the checksum of the source the grid was loaded from)."""
    draft = get_or_create_draft(name, user)
    check = _check(draft, name, table_id, rows)
    if not check.ok:
        return check, None
    result = save_draft(name, user, source=check.source, expected_checksum=expected_checksum)
    return check, result


def _by_cell(
    source: str, name: str, index: int, problems: Sequence[Problem]
) -> tuple[list[CellProblem], list[Problem]]:
    """Problems of the table by grid cell (each cell is written on a line of its own), of a
    row, or of the table itself (its columns); and the problems elsewhere."""
    located = load_yaml(source, source_path(name))
    cell_at: dict[int, tuple[int, str]] = {}
    row_starts: list[tuple[int, int]] = []
    row_at: dict[tuple[int, int], int] = {}  # where a row's mapping starts: row problems
    lines: list[int] = []
    for path, (line, col) in located.positions.items():
        if len(path) < 2 or path[0] != "tables" or path[1] != index:
            continue
        lines.append(line)
        if len(path) == 4 and path[2] == "rows":
            row_starts.append((line, path[3]))
            row_at[(line, col)] = path[3]
        elif len(path) == 5 and path[2] == "rows" and path[4] != "because":
            cell_at[line] = (path[3], str(path[4]))
        elif len(path) == 6 and path[2] == "rows" and path[4] == "because":
            cell_at[line] = (path[3], f"because:{path[5]}")
        elif len(path) == 5 and path[2] == "rows":
            cell_at[line] = (path[3], "because")
    row_starts.sort()
    cells: list[CellProblem] = []
    others: list[Problem] = []
    for p in problems:
        if p.path != source_path(name) or not lines or not min(lines) <= p.line <= max(lines):
            others.append(p)
            continue
        row: int | None = None
        column: str | None = None
        if (p.line, p.col) in row_at:
            row = row_at[(p.line, p.col)]
        elif p.line in cell_at:
            row, column = cell_at[p.line]
        else:
            for start, r in row_starts:
                if start <= p.line:
                    row = r
        message = _PREFIX.sub("", p.message) if row is not None else p.message
        cells.append(CellProblem(row, column, message, str(p)))
    return cells, others
