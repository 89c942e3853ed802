"""Suggestions ("did you mean ...?") for unknown ids: one helper for every loader and checker.

An author who types `checkuot`, `Apple-Pay` or `@eaa` is told the closest known name. Names
that differ only in case or in `-`/`_`/space are matched first (ids mix both separators),
then a near-certain typo (`big_euu` -> `big_eu`), then a known name whose words the typed
one starts with or contains (`@eea_countries` -> `eea`, not the closer-spelt
`treasury_countries`), then difflib's ratio picks the closest spelling. With `names` (id -> display name, a product catalogue) an
id whose name was typed is found too (`Stripe Sigma` -> `sigma`), and common prefixes
("stripe_") are dropped before comparing (`stripe_sigma` -> `sigma`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

#: How alike a typed name and a known one must be to count as a typo of it.
TYPO_RATIO = 0.85
#: Prefixes an author may put before an id that the ids themselves leave out.
COMMON_PREFIXES = ("stripe_",)


def _fold(name: str) -> str:
    return name.lower().replace("-", "_").replace(" ", "_")


def _words(name: str) -> list[str]:
    return [w for w in _fold(name).split("_") if w]


def _within(inner: list[str], outer: list[str]) -> bool:
    """`inner`'s words appear in a row in `outer`."""
    n = len(inner)
    return 0 < n < len(outer) + 1 and any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


def _by_words(text: str, names: list[str]) -> str | None:
    """The known name whose words the typed one starts with or contains (the longest such
    name; ties by spelling)."""
    typed = _words(text)
    inside = [n for n in names if _within(_words(n), typed)]
    if not inside:
        return None
    return max(inside, key=lambda n: (len(_words(n)), difflib.SequenceMatcher(None, text, n).ratio()))


def close_match(
    value: object,
    known: Iterable[object],
    cutoff: float = 0.6,
    names: Mapping[str, str] | None = None,
) -> str | None:
    """The known name closest to `value`, or None when none is close enough. `names` maps
    known ids to display names that are compared too."""
    text = str(value)
    ids = sorted({str(k) for k in known} - {text})
    if not ids:
        return None
    folded = _fold(text)
    stripped = folded
    for common in COMMON_PREFIXES:
        stripped = stripped.removeprefix(common)
    for name in ids:
        if _fold(name) in (folded, stripped):
            return name
    for name in ids:
        shown = (names or {}).get(name)
        if shown and _fold(shown) in (folded, stripped, f"{COMMON_PREFIXES[0]}{stripped}"):
            return name
    # A typo of a known name (`big_euu` for `big_eu`) before a name inside the typed one.
    found = difflib.get_close_matches(text, ids, n=1, cutoff=max(cutoff, TYPO_RATIO))
    if found:
        return found[0]
    contained = _by_words(stripped, ids)
    if contained is not None:
        return contained
    names_list = ids
    found = difflib.get_close_matches(text, names_list, n=1, cutoff=cutoff)
    if found:
        return found[0]
    by_fold = {_fold(n): n for n in names_list}
    found = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=cutoff)
    return by_fold[found[0]] if found else None


def did_you_mean(
    value: object,
    known: Iterable[object],
    cutoff: float = 0.6,
    *,
    prefix: str = "",
    names: Mapping[str, str] | None = None,
) -> str:
    """The suffix " (did you mean 'x'?)" for the closest known name, or "" when none is close.

    `prefix` goes before the suggested name (`@` for value sets); `names` as for
    `close_match`."""
    close = close_match(value, known, cutoff, names)
    return f" (did you mean '{prefix}{close}'?)" if close is not None else ""
