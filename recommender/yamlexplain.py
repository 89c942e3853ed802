"""YAML syntax errors in plain words, at the place the author has to change.

PyYAML (and libyaml, whose wording differs) describe errors in parser terms: "expected <block
end>, but found '<block mapping start>'", "mapping values are not allowed here". A rule
author needs "this line is indented less than the one above it: start it in column 5, like
'when:' on line 11". `explain` looks at the error and at the source lines around it and
returns (line, col, message), 1-based. Every message names what to type instead; none repeats
the parser's words.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

_QUOTES = "'\""
_CLOSERS = {"[": "]", "{": "}"}


@dataclass(frozen=True)
class _Line:
    """One source line: its text, indentation and where its key (if any) starts."""

    number: int  # 1-based
    text: str

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip(" "))

    @property
    def content(self) -> str:
        return self.text.strip()

    @property
    def is_item(self) -> bool:
        c = self.content
        return c == "-" or c.startswith("- ")

    @property
    def key_col(self) -> int:
        """1-based column of the line's first key or value (after any `- ` markers)."""
        i = self.indent
        t = self.text
        while t[i : i + 2] == "- " or t[i:].rstrip() == "-":
            i += 2
            while i < len(t) and t[i] == " ":
                i += 1
        return i + 1

    @property
    def key(self) -> str | None:
        """The key this line starts with (`when` for `    when: x`), None when it has none."""
        rest = self.text[self.key_col - 1 :]
        if not rest or rest[0] in _QUOTES + "[{#":
            return None
        head, sep, _ = rest.partition(":")
        if not sep or " " in head.strip() or not head.strip():
            return None
        return head.strip()

    @property
    def has_value(self) -> bool:
        """True for `key: value` (a value after the colon on the same line)."""
        if self.key is None:
            return False
        after = self.text[self.key_col - 1 :].partition(":")[2].strip()
        return bool(after) and not after.startswith("#")


class _Source:
    def __init__(self, text: str) -> None:
        self.lines = [_Line(i + 1, t) for i, t in enumerate(text.splitlines())]

    def line(self, number: int) -> _Line:
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return _Line(number, "")

    def char(self, line: int, col: int) -> str:
        text = self.line(line).text
        return text[col - 1] if 1 <= col <= len(text) else ""

    def previous(self, number: int) -> _Line | None:
        """The nearest line above `number` with content (blank and comment lines skipped)."""
        for n in range(number - 1, 0, -1):
            ln = self.line(n)
            if ln.content and not ln.content.startswith("#"):
                return ln
        return None

    def enclosing(self, number: int) -> list[_Line]:
        """The line above `number` and the lines that open the blocks it sits in, nearest first
        (each less indented than the one before)."""
        out: list[_Line] = []
        below = None
        n = number
        while True:
            ln = self.previous(n)
            if ln is None:
                return out
            if below is None or ln.indent < below:
                out.append(ln)
                below = ln.indent
                if below == 0:
                    return out
            n = ln.number

    def leading_tab(self, upto: int) -> tuple[int, int] | None:
        """The first tab in the indentation of lines 1..upto, as (line, col)."""
        for ln in self.lines[:upto]:
            stripped = ln.text.lstrip(" \t-")
            lead = ln.text[: len(ln.text) - len(stripped)]
            if "\t" in lead:
                return ln.number, lead.index("\t") + 1
        return None


_DASH = "put a space after '-' (a list item is written '- key: value')"


def _dash_without_space(ln: _Line) -> bool:
    c = ln.content
    return len(c) > 1 and c[0] == "-" and c[1] not in " -"


def _open_bracket(src: _Source, line: int, col: int) -> tuple[int, int, str] | None:
    """The innermost '[' or '{' still open at (line, col), as (line, col, bracket)."""
    stack: list[tuple[int, int, str]] = []
    for ln in src.lines[:line]:
        text = ln.text if ln.number < line else ln.text[: col - 1]
        quote = ""
        for i, c in enumerate(text):
            if quote:
                if c == quote:
                    quote = ""
            elif c in _QUOTES and (i == 0 or text[i - 1] in " [{,:"):
                quote = c
            elif c == "#" and (i == 0 or text[i - 1] == " "):
                break
            elif c in "[{":
                stack.append((ln.number, i + 1, c))
            elif c in "]}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _columns(src: _Source, number: int, want_item: bool, nearest: bool) -> str:
    """Where the line could start: ": line it up with 'when:' on line 3 (column 5) or ..."."""
    seen: set[int] = set()
    options: list[str] = []
    for ln in src.enclosing(number):
        if want_item:
            col, label = (ln.indent + 1, "'-'") if ln.is_item else (0, "")
        else:
            col, label = (ln.key_col, f"'{ln.key}:'") if ln.key is not None else (0, "")
        if col and col not in seen:
            seen.add(col)
            options.append(f"{label} on line {ln.number} (column {col})")
    if not options:
        return ""
    shown = options[:1] if nearest else options[:3]
    text = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
    return f": line it up with {text}"


def _indentation(src: _Source, line: int, col: int) -> tuple[int, int, str] | None:
    """A message for a line whose indentation does not fit the line above it."""
    here = src.line(line)
    above = src.previous(line)
    if above is None or not here.content:
        return None
    start = (line, here.indent + 1)
    if _dash_without_space(here):
        return (*start, _DASH)
    if here.indent > above.indent:
        where = _columns(src, line, here.is_item, nearest=True)
        return (
            *start,
            f"this line is indented further than the one above it (line {above.number}){where}",
        )
    if here.indent < above.indent:
        missing = _missing_dash(src, here)
        if missing is not None:
            return (*start, missing)
        where = _columns(src, line, here.is_item, nearest=False)
        return (
            *start,
            f"this line is indented less than the one above it (line {above.number}){where}",
        )
    return None


# What a list's items are called, by the key the list is under.
_ITEM_NOUNS = {
    "rules": "rule", "products": "product", "risks": "risk", "bundles": "bundle",
    "params": "parameter", "tables": "table", "rows": "row", "sections": "section",
    "questions": "question", "options": "option", "markets": "market", "methods": "method",
    "recommend": "recommendation", "flag": "flag", "derive": "derivation", "exclude": "exclusion",
}


def _missing_dash(src: _Source, here: _Line) -> str | None:
    """For a `key: value` line at the column of the `- ` of the list items above it (a list
    item whose dash was left out): what to write, else None."""
    if here.is_item or here.key is None:
        return None
    sibling = None
    for ln in src.enclosing(here.number):
        if ln.indent < here.indent:
            break
        if ln.indent == here.indent and ln.is_item:
            sibling = ln
            break
    if sibling is None:
        return None
    owner = next((ln for ln in src.enclosing(sibling.number) if ln.indent < here.indent), None)
    noun = _ITEM_NOUNS.get(owner.key or "", "item") if owner is not None else "item"
    return (
        f"this line is missing its '- ': start this {noun} with '- ' like the {noun}s above it "
        f"(the one on line {sibling.number}): write '- {here.content}'"
    )


def _quote_example(value: str) -> str:
    value = value.strip()
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _mapping_value(src: _Source, line: int, col: int) -> tuple[int, int, str]:
    """'mapping values are not allowed': a colon YAML cannot take as a key's colon."""
    here = src.line(line)
    before = here.text[: col - 1]
    key = here.key
    if key is not None and here.key_col - 1 + len(key) < col - 1:
        # A second ': ' on a line that already has its key: the value contains a colon.
        value_start = here.text.index(":", here.key_col - 1) + 1
        while value_start < len(here.text) and here.text[value_start] == " ":
            value_start += 1
        value = here.text[value_start:]
        return (
            line,
            value_start + 1,
            "this value contains ': ', which YAML reads as the start of another key: put the "
            f"whole value in quotes, like {key}: {_quote_example(value)}",
        )
    above = src.previous(line)
    if above is not None:
        c = above.content
        if _dash_without_space(above):
            return (above.number, above.indent + 1, _DASH)
        if above.key is None and not above.is_item and c[:1] not in _QUOTES + "[{|>":
            word, _, rest = c.partition(" ")
            fix = f"{word}: {rest}" if rest else f"{word}: ..."
            return (above.number, above.indent + 1, f"a colon is missing: write '{fix}'")
        if above.is_item and above.key is None and " " in c[2:].strip():
            word, _, rest = c[2:].strip().partition(" ")
            return (
                above.number,
                above.key_col,
                f"a colon is missing: write '- {word}: {rest}'",
            )
    found = _indentation(src, line, col)
    if found is not None:
        return found
    if before.strip():
        return (
            line,
            col,
            "YAML cannot read this ':' here: put the value before it in quotes, or check the "
            "indentation of this line",
        )
    return (line, col, "YAML cannot read this line: check its indentation and colons")


def _flow(src: _Source, exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    cm, pm = exc.context_mark, exc.problem_mark
    assert cm is not None and pm is not None
    oline, ocol = cm.line + 1, cm.column + 1
    opener = src.char(oline, ocol) or ("[" if "sequence" in (exc.context or "") else "{")
    closer = _CLOSERS.get(opener, "]")
    what = "list" if opener == "[" else "group {key: value}"
    pline, pcol = pm.line + 1, pm.column + 1
    found = src.char(pline, pcol)
    if pline != oline or not found:
        return (
            oline,
            ocol,
            f"this '{opener}' is never closed: add a '{closer}' at the end of the {what}",
        )
    if found in "]}" and found != closer:
        return (
            pline,
            pcol,
            f"this '{found}' comes before the '{opener}' at column {ocol} is closed: add a "
            f"'{closer}' before it",
        )
    return (
        pline,
        pcol,
        f"a ',' is missing before this item (in the {what} that starts at column {ocol}), "
        f"or a '{closer}' to close it",
    )


def _after_value(src: _Source, line: int, col: int) -> tuple[int, int, str]:
    """Something follows a complete value on the same line."""
    text = src.line(line).text
    before = text[: col - 1].rstrip()
    found = src.char(line, col)
    if before and before[-1] in _QUOTES:
        q = before[-1]
        if before[:-1].count(q) == 0:
            # This quote closes a value opened on an earlier line: the quote missing its
            # partner is the one that opened it (YAML read on to here).
            for n in range(line - 1, 0, -1):
                earlier = src.line(n).text
                if earlier.count(q) % 2 == 1:
                    return (
                        n,
                        earlier.rindex(q) + 1,
                        f"this quote {q} is never closed on its line: add a closing {q} at "
                        f"the end of the value (without it the value runs on to line {line})",
                    )
        hint = (
            " (to write an apostrophe inside single quotes, type it twice: 'it''s')"
            if q == "'"
            else ""
        )
        return (
            line,
            col,
            f"there is text after the closing quote {q}: put the whole value inside the "
            f"quotes{hint}",
        )
    if found in "]}":
        return (line, col, f"this '{found}' closes a bracket that was never opened: remove it")
    if found == ":":
        return (line, col, "a key is missing before ':' (write 'key: value')")
    return (line, col, "YAML cannot read the text here: put the value in quotes")


def _block(src: _Source, exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    pm = exc.problem_mark
    assert pm is not None
    line, col = pm.line + 1, pm.column + 1
    here = src.line(line)
    if col - 1 > here.indent:
        return _after_value(src, line, col)
    if src.char(line, col) == ":":
        return (line, col, "a key is missing before ':' (write 'key: value')")
    found = _indentation(src, line, col)
    if found is not None:
        return found
    above = src.previous(line)
    if here.is_item and above is not None and not above.is_item:
        return (
            line,
            col,
            f"a list item ('- ') cannot follow '{above.content}' at the same indentation: "
            "put the list under a key that ends with ':' and indent it",
        )
    if above is not None and above.is_item and not here.is_item:
        return (
            line,
            col,
            "this line is lined up with the '-' of the list item above it: indent it to the "
            f"column of that item's first key (column {above.key_col}), or start it with '- '",
        )
    return (line, col, "this line does not fit with the one above it: check its indentation")


def explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """(line, col, message) for a YAML syntax error in `text`, in words a rule author knows."""
    src = _Source(text)
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or ""
    context = exc.context or ""
    if src.char(line, col) == "\t" or "tab" in problem or "'\\t'" in problem:
        return (line, col, _TAB)
    tab = src.leading_tab(line)
    if tab is not None:
        return (*tab, _TAB)
    if "quoted scalar" in context and exc.context_mark is not None:
        qline, qcol = exc.context_mark.line + 1, exc.context_mark.column + 1
        q = src.char(qline, qcol) or '"'
        if "escape" in problem:
            return (
                line,
                col,
                "a backslash (\\) inside double quotes starts an escape such as \\n: write \\\\ "
                "for a backslash, or use single quotes",
            )
        return (
            qline,
            qcol,
            f"this quote {q} is never closed: add a closing {q} at the end of the value",
        )
    if "flow sequence" in context or "flow mapping" in context:
        return _flow(src, exc)
    opened = _open_bracket(src, line, col)
    if opened is not None and ("flow" in context or "node content" in problem):
        oline, ocol, opener = opened
        what = "list" if opener == "[" else "group {key: value}"
        return (
            oline,
            ocol,
            f"this '{opener}' is never closed: add a '{_CLOSERS[opener]}' at the end of the {what}",
        )
    if "could not find expected ':'" in problem and exc.context_mark is not None:
        kline = exc.context_mark.line + 1
        ln = src.line(kline)
        body = ln.content[2:].strip() if ln.is_item else ln.content
        word, _, rest = body.partition(" ")
        fix = f"{word}: {rest.strip()}" if rest.strip() else f"{word}: ..."
        prefix = "- " if ln.is_item else ""
        return (kline, ln.key_col, f"a colon is missing: write '{prefix}{fix}'")
    if "mapping values are not allowed" in problem:
        return _mapping_value(src, line, col)
    if "sequence entries are not allowed" in problem:
        return (
            line,
            col,
            "a list item ('- ') cannot start on the same line as its key: put it on the next "
            "line, indented under the key",
        )
    if "cannot start any token" in problem:
        c = src.char(line, col)
        rest = src.line(line).text[col - 1 :].split(" #")[0]
        if c == "`":
            return (line, col, "backquotes (`) cannot quote a value: use ' or \" instead")
        return (
            line,
            col,
            f"a value cannot start with '{c}': put the whole value in quotes, like "
            f"{_quote_example(rest)}",
        )
    if "anchor" in context or "alias" in context or "alias" in problem:
        return (
            line,
            col,
            "'&' and '*' at the start of a value are YAML anchors and aliases, which are not "
            "allowed: put the value in quotes",
        )
    if "block scalar" in context:
        return (
            line,
            col,
            "after '|' or '>' the line must end (the text goes on the next lines, indented)",
        )
    if "another document" in problem:
        return (
            line,
            col,
            "a '---' line starts a second document, but a file holds one: remove this line",
        )
    if "document start" in problem:
        return (line, col, "this text comes after the end of the document ('...'): remove it")
    if "directive" in problem:
        return (
            line,
            col,
            "a line starting with '%' is a YAML directive: remove it, or put the value in quotes",
        )
    if "block" in context or "expected key" in problem or "'-' indicator" in problem:
        return _block(src, exc)
    found = _indentation(src, line, col)
    if found is not None:
        return found
    return (
        line,
        col,
        "YAML cannot read this line: check its indentation, colons, quotes and brackets",
    )


_TAB = (
    "use spaces, not tabs: there is a tab character here, and YAML only accepts spaces for "
    "indentation"
)


def explain_reader_error(exc: yaml.reader.ReaderError, text: str) -> tuple[int, int, str]:
    """(line, col, message) for a character YAML refuses (control characters)."""
    pos = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character
    code = char if isinstance(char, int) else ord(char) if char else 0
    return (
        line,
        col,
        f"the file contains an invisible control character (U+{code:04X}) that YAML does not "
        "allow: delete it",
    )
