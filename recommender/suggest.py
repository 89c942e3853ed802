"""Suggestions ("did you mean ...?") for unknown ids: one helper for every loader and checker.

An author who types `checkuot`, `Apple-Pay` or `@eaa` is told the closest known name. Names
that differ only in case or in `-`/`_`/space are matched first (ids mix both separators), then
difflib's ratio picks the closest spelling.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def _fold(name: str) -> str:
    return name.lower().replace("-", "_").replace(" ", "_")


def close_match(value: object, known: Iterable[object], cutoff: float = 0.6) -> str | None:
    """The known name closest to `value`, or None when none is close enough."""
    text = str(value)
    names = sorted({str(k) for k in known} - {text})
    if not names:
        return None
    folded = _fold(text)
    for name in names:
        if _fold(name) == folded:
            return name
    found = difflib.get_close_matches(text, names, n=1, cutoff=cutoff)
    if found:
        return found[0]
    by_fold = {_fold(n): n for n in names}
    found = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=cutoff)
    return by_fold[found[0]] if found else None


def did_you_mean(
    value: object, known: Iterable[object], cutoff: float = 0.6, *, prefix: str = ""
) -> str:
    """The suffix " (did you mean 'x'?)" for the closest known name, or "" when none is close.

    `prefix` goes before the suggested name (`@` for value sets)."""
    close = close_match(value, known, cutoff)
    return f" (did you mean '{prefix}{close}'?)" if close is not None else ""
