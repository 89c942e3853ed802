"""Writing one decision table back into a ruleset source, leaving the rest byte for byte.

`table_block` finds the lines of `tables[i]` (from its `- ` to the line before the next
table or top-level key, without the blank and comment lines that lead into what follows);
`emit_table` writes a table in the one layout the grid saves (block style, keys in a fixed
order, a scalar plain only where YAML reads it back as the same value, else double-quoted);
`replace_table` puts the new text in place of the old block and checks that the file reads
back with exactly the new table and everything else unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from recommender.errors import InvalidInput
from recommender.yamlpos import Located, YamlError, load_yaml

TABLE_KEYS = ("id", "title", "description", "hit", "inputs", "outputs", "rows")
INPUT_KEYS = ("id", "label", "input")
OUTPUT_KEYS = ("id", "label", "kind", "product", "risk", "fact", "severity", "because")
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def scalar(value: Any, *, flow: bool = False, yes_no: bool = False, prose: bool = False) -> str:
    """One value as YAML: plain when it reads back the same, else double-quoted (always
    for `prose`, texts such as `because:` that an author may extend)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        if yes_no:
            return "yes" if value else "no"
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if not prose and text and text == text.strip() and "\n" not in text and _reads_back(text, flow):
        return text
    return json.dumps(text, ensure_ascii=False)


def _reads_back(text: str, flow: bool) -> bool:
    probe = f"k: [{text}]" if flow else f"k: {text}"
    try:
        data = yaml.safe_load(probe)
    except yaml.YAMLError:
        return False
    want: Any = [text] if flow else text
    return isinstance(data, dict) and data.get("k") == want


_PROSE = ("description", "because")


def _value(value: Any, *, yes_no: bool = False, prose: bool = False) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v, flow=True) for v in value) + "]"
    return scalar(value, yes_no=yes_no, prose=prose)


def _ordered(data: Mapping[str, Any], first: tuple[str, ...]) -> list[str]:
    return [k for k in first if k in data] + [k for k in data if k not in first]


def emit_table(table: Mapping[str, Any], indent: int = 2) -> str:
    """The YAML text of one `tables:` item, starting with `- ` at `indent` spaces."""
    pad = " " * indent
    inner = pad + "  "
    lines: list[str] = []
    first = True
    for key in _ordered(table, TABLE_KEYS):
        lead = pad + "- " if first else inner
        first = False
        value = table[key]
        if key in ("inputs", "outputs", "rows") and isinstance(value, list):
            lines.append(f"{lead}{key}:" if value else f"{lead}{key}: []")
            for item in value:
                if key == "rows":
                    lines.extend(_row_lines(item, table, inner + "  "))
                else:
                    order = INPUT_KEYS if key == "inputs" else OUTPUT_KEYS
                    lines.extend(_mapping_item(item, order, inner + "  "))
        else:
            lines.append(f"{lead}{key}: {_value(value, prose=key in _PROSE)}")
    return "\n".join(lines) + "\n"


def _mapping_item(item: Mapping[str, Any], order: tuple[str, ...], pad: str) -> list[str]:
    lines = []
    for n, key in enumerate(_ordered(item, order)):
        lead = pad + "- " if n == 0 else pad + "  "
        lines.append(f"{lead}{key}: {_value(item[key], prose=key in _PROSE)}")
    return lines or [pad + "- {}"]


def _row_lines(row: Mapping[str, Any], table: Mapping[str, Any], pad: str) -> list[str]:
    columns = [c.get("id") for c in table.get("inputs") or []]
    outputs = [c.get("id") for c in table.get("outputs") or []]
    order = tuple(str(c) for c in columns + outputs) + ("priority", "because")
    lines = []
    keys = _ordered(row, order)
    if not keys:
        return [pad + "- {}"]
    for n, key in enumerate(keys):
        lead = pad + "- " if n == 0 else pad + "  "
        value = row[key]
        if key == "because" and isinstance(value, dict):
            lines.append(f"{lead}because:")
            for sub, text in value.items():
                lines.append(f"{pad}    {scalar(sub)}: {scalar(text, prose=True)}")
        else:
            lines.append(
                f"{lead}{scalar(key)}: {_value(value, yes_no=key in outputs, prose=key in _PROSE)}"
            )
    return lines


def table_block(source: str, located: Located, index: int) -> tuple[int, int, int]:
    """(first line, last line, indent) of `tables[index]` in the source, 0-based lines,
    the last one inclusive."""
    lines = source.split("\n")
    line, col = located.pos(("tables", index))
    start = line - 1
    dash = lines[start].rfind("-", 0, col - 1)
    indent = dash if dash >= 0 else col - 1
    tables = located.data["tables"]
    if index + 1 < len(tables):
        end = located.pos(("tables", index + 1))[0] - 2
    else:
        end = len(lines) - 1
        for n in range(start + 1, len(lines)):
            if _TOP_KEY.match(lines[n]):
                end = n - 1
                break
    while end > start and (not lines[end].strip() or lines[end].lstrip().startswith("#")):
        end -= 1
    return start, end, indent


def replace_table(source: str, path: str, index: int, table: Mapping[str, Any]) -> str:
    """The source with `tables[index]` written anew as `table`; every other byte kept."""
    located = load_yaml(source, path)
    start, end, indent = table_block(source, located, index)
    lines = source.split("\n")
    text = emit_table(table, indent).rstrip("\n").split("\n")
    new = "\n".join(lines[:start] + text + lines[end + 1 :])
    try:
        after = load_yaml(new, path).data
    except YamlError as exc:  # our writer's fault, never the author's
        raise InvalidInput(f"the table could not be written back: {exc.problem.message}") from None
    before = dict(located.data)
    expected_tables = list(before["tables"])
    expected_tables[index] = json.loads(json.dumps(table))
    if (
        not isinstance(after, dict)
        or after.get("tables") != expected_tables
        or {k: v for k, v in after.items() if k != "tables"}
        != {k: v for k, v in before.items() if k != "tables"}
    ):
        raise InvalidInput("the table could not be written back without changing other parts")
    return new


def row_rules(data: Mapping[str, Any], located: Located) -> list[tuple[dict[str, Any], int]]:
    """The rules the rows of a source's decision tables become, as rule-like mappings with
    their line (for the workbench's rule lists: impact attribution, lint, coverage): id
    `TABLE[n]`, a `when` naming the table and row, the effects of its output cells, and
    what the rule depends on (the table's columns and hit policy, the row, and for first-hit
    and priority tables the other rows), so a rule counts as changed whenever its expansion
    may have."""
    from recommender.engine.tables import NO, YES, is_any, rule_id

    tables = data.get("tables")
    out: list[tuple[dict[str, Any], int]] = []
    for t, table in enumerate(tables if isinstance(tables, list) else []):
        if not isinstance(table, dict) or not isinstance(table.get("id"), str):
            continue
        rows: list[Any] = table["rows"] if isinstance(table.get("rows"), list) else []
        outputs = [c for c in table.get("outputs") or [] if isinstance(c, dict)]
        header = {k: table.get(k) for k in ("hit", "inputs", "outputs")}
        for r, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            rule: dict[str, Any] = {
                "id": rule_id(table["id"], r + 1),
                "when": f"table {table['id']}, row {r + 1}",
                "table": header,
                "row": row,
            }
            if table.get("hit") in ("first", "priority"):
                rule["rows"] = rows
            for column in outputs:
                value = row.get(column.get("id"))
                kind = column.get("kind")
                key = {"recommend": "product", "exclude": "product", "flag": "risk"}.get(str(kind))
                if is_any(value) or value is False:
                    continue
                if kind == "derive":
                    rule.setdefault("derive", []).append(
                        {"fact": column.get("fact"), "value": value}
                    )
                elif key is not None and column.get(key) is not None:
                    if str(value).lower() not in NO or str(value).lower() in YES:
                        rule.setdefault(str(kind), []).append({key: column[key]})
                elif key is not None:
                    ids = value if isinstance(value, list) else str(value).split(",")
                    for item in ids:
                        if str(item).strip():
                            rule.setdefault(str(kind), []).append({key: str(item).strip()})
            out.append((rule, located.pos(("tables", t, "rows", r))[0]))
    return out
