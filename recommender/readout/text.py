"""Wording helpers: fill `{placeholder}` templates with `[optional parts]`, join names, show
answer values as people read them. The wording itself lives in rules/solution_design.yaml."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from recommender.questionnaire.countries import COUNTRIES

_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with `{name}` replaced by `values[name]`; an `[optional part]` is dropped
    when any placeholder inside it has no (or an empty) value, else kept without brackets."""

    def optional(match: re.Match[str]) -> str:
        part = match.group(1)
        names = _PLACEHOLDER.findall(part)
        return part if all(values.get(n) for n in names) else ""

    text = _OPTIONAL.sub(optional, template)
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)


def placeholders(template: str) -> set[str]:
    """The placeholder names a template uses."""
    return set(_PLACEHOLDER.findall(template))


def join(items: Sequence[str], word: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def number(value: int | float) -> str:
    """2000000 -> '2,000,000'; 0.4 -> '0.4'; 91.50 -> '91.5'."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            value = int(value)
        else:
            return f"{value:,.6f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def months(value: float) -> str:
    """Months as shown in wording: 4.0 -> '4', 4.25 -> '4.3'."""
    return number(round(value, 1))


def is_country_field(answer_id: str) -> bool:
    return answer_id.endswith("country") or answer_id.endswith("countries")


def show_value(
    answer_id: str,
    value: Any,
    labels: Mapping[str, str] | None = None,
    *,
    max_items: int | None = None,
    more: str = "{listed} and {more} more",
) -> str:
    """An answer value for wording: option labels, country names, 2,000,000, 'a, b and c'.

    Lists longer than `max_items` name the first ones and count the rest with `more`."""
    labels = labels or {}
    countries = is_country_field(answer_id)

    def one(item: Any) -> str:
        if isinstance(item, bool):
            return "yes" if item else "no"
        if isinstance(item, int | float):
            return number(item)
        text = str(item)
        if text in labels:
            return labels[text]
        if countries:
            return COUNTRIES.get(text, text)
        return text.replace("_", " ")

    if isinstance(value, list):
        shown = [one(v) for v in value]
        if max_items is not None and len(shown) > max_items:
            listed = ", ".join(shown[:max_items])
            return fill(more, {"listed": listed, "more": str(len(shown) - max_items)})
        return join(shown)
    return one(value)


def capitalise(text: str) -> str:
    """First letter upper case, the rest untouched ('the old processor' -> 'The old ...')."""
    return text[:1].upper() + text[1:]
