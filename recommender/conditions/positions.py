"""Map a position inside a condition string back to the YAML file it came from.

`load_yaml` gives the position of a scalar's first character (for quoted scalars: the quote;
for block scalars: the `|` or `>` indicator). A ConditionSyntaxError or ConditionProblem gives
a (line, col) within the condition text. `absolute_position` combines the two:

- plain scalars (`when: x == 1`): same line, the column shifted by the value's column;
- quoted scalars (`'...'` or `"..."`): same, plus one for the opening quote (escape sequences
  and folded line breaks inside quotes make this approximate);
- block scalars (`|`, `>`): text line N is N lines below the indicator; the column is shifted
  by the block's indentation (pass `indent`, the number of leading spaces of the block's
  lines; `position_in_source` reads it from the source for you). For folded `>` blocks the
  line is approximate.

Multi-line plain scalars are folded into one line by YAML, so only the first line is exact.
"""

from __future__ import annotations

STYLES = ("plain", "quoted", "block")


def absolute_position(
    value_line: int,
    value_col: int,
    text_line: int,
    text_col: int,
    style: str,
    *,
    indent: int | None = None,
) -> tuple[int, int]:
    """1-based (line, col) in the YAML file of position (text_line, text_col) in the scalar."""
    if style == "block":
        block_indent = indent if indent is not None else max(value_col - 1, 0) + 2
        return value_line + text_line, block_indent + text_col
    if style not in STYLES:
        raise ValueError(f"unknown scalar style {style!r}")
    shift = 1 if style == "quoted" else 0
    if text_line == 1:
        return value_line, value_col + shift + text_col - 1
    return value_line + text_line - 1, text_col


def scalar_style(source: str, value_line: int, value_col: int) -> str:
    """The style of the scalar starting at (value_line, value_col) in the YAML `source`."""
    lines = source.splitlines()
    if not 1 <= value_line <= len(lines):
        return "plain"
    line = lines[value_line - 1]
    first = line[value_col - 1 : value_col]
    if first in ("'", '"'):
        return "quoted"
    if first in ("|", ">"):
        return "block"
    return "plain"


def position_in_source(
    source: str, value_line: int, value_col: int, text_line: int, text_col: int
) -> tuple[int, int]:
    """Like `absolute_position`, reading the style and block indentation from the source."""
    style = scalar_style(source, value_line, value_col)
    indent = None
    if style == "block":
        for raw in source.splitlines()[value_line:]:
            if raw.strip():
                indent = len(raw) - len(raw.lstrip(" "))
                break
    return absolute_position(value_line, value_col, text_line, text_col, style, indent=indent)
