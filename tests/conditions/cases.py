"""A shared table of conditions and facts: evaluate() is the reference, durable must agree."""

from __future__ import annotations

from typing import Any

SETS: dict[str, list[Any]] = {"eea": ["DE", "FR", "NL"], "none": []}

CONDITIONS = [
    "m == marketplace",
    "m != marketplace",
    "not (m == marketplace)",
    "not (m != marketplace)",
    "m in [marketplace, saas]",
    "m not in [marketplace, saas]",
    "not (m in [marketplace, saas])",
    "not (m not in [marketplace, saas])",
    "m in []",
    "m not in []",
    "not (m not in [])",
    "v > 10",
    "v >= 10",
    "v < 10",
    "v <= 10",
    "not (v > 10)",
    "not (v <= 10)",
    "v == 10",
    "v != 10",
    "v in [1, 10.5]",
    "b",
    "not b",
    "b == false",
    "b != true",
    "not (b == false)",
    "c contains DE",
    "not (c contains DE)",
    "c contains_any [DE, US]",
    "not (c contains_any [DE, US])",
    "c contains_all [DE, US]",
    "not (c contains_all [DE, US])",
    "c contains_any @eea",
    "c contains_all @eea",
    "c contains_any @none",
    "not (c contains_any @none)",
    "c contains_all []",
    "not (c contains_all [])",
    "count(c) > 1",
    "count(c) == 0",
    "not (count(c) > 1)",
    "count(c) in [0, 2]",
    "answered(m)",
    "unanswered(m)",
    "not answered(c)",
    "m is answered and not (c is unanswered)",
    "m == marketplace and v > 10",
    "m == marketplace or v > 10",
    "not (m == marketplace and v > 10)",
    "not (m == marketplace or v > 10)",
    "(m == saas or b) and (c contains DE or count(c) == 0)",
    "not ((m == saas or b) and not (c contains DE or v < 5))",
    "m == marketplace and not (c contains_any [DE] or unanswered(v))",
    "not (not (m == saas))",
]

# The constructs of issue 11: calculations, between, contains_none, count(x in ...), with
# unanswered operands, negations and a division the engine cannot take (decided in Python,
# see CALCULATIONS_IN_PYTHON).
CALCULATIONS = [
    "v / 2 >= 5",
    "v / 2 > 5",
    "not (v / 2 >= 5)",
    "v * 3 - 1 == 29",
    "v * 3 - 1 != 29",
    "not (v * 3 - 1 != 29)",
    "v + count(c) > 11",
    "not (v + count(c) > 11)",
    "(v + 1) * 2 < 22",
    "v - 0.5 <= 10",
    "v between 3 and 10.5",
    "not (v between 3 and 10.5)",
    "v / 4 between 1 and 2.5",
    "c contains_none [DE, US]",
    "not (c contains_none [DE, US])",
    "c contains_none @eea",
    "not (c contains_none @eea)",
    "count(c in @eea) >= 2",
    "count(c in @eea) == 0",
    "not (count(c in @eea) >= 2)",
    "count(c in [DE, US]) + count(c) > 2",
    "not (count(c in [DE, US]) * 2 - count(c) > 0)",
    "m == marketplace and v / 10 >= 1",
    "not (m == marketplace or count(c in @eea) > 1)",
]
# Divisions by an answer: durable's arithmetic is not exact there, so the compiler refuses
# them (NotCompilable) and the engine decides them in Python.
CALCULATIONS_IN_PYTHON = ["v / count(c) > 2", "not (count(c) / v >= 0.5)"]

FACTS: list[dict[str, Any]] = [
    {},
    {"m": "marketplace"},
    {"m": "saas", "v": 10},
    {"m": "other", "v": 11.5},
    {"v": 10.5, "b": True},
    {"v": 1, "b": False},
    {"b": True, "c": []},
    {"c": ["DE"]},
    {"c": ["DE", "US"], "m": "marketplace", "v": 20},
    {"c": ["FR", "NL", "DE"], "b": False, "v": 3},
    {"c": ["US"], "m": "saas", "b": True, "v": 4},
    {"c": [], "m": "marketplace", "v": 10},
    {"c": ["DE", "FR", "US"], "v": 10},
    {"c": ["FR", "NL"], "v": 2.5},
    {"v": 7, "c": ["BE"]},
    {"v": 20, "c": ["US"], "m": "marketplace"},
]


def with_counts(fact: dict[str, Any]) -> dict[str, Any]:
    """What the engine asserts: the answers plus `x__count` for each list answer."""
    out = dict(fact)
    for key, value in fact.items():
        if isinstance(value, list):
            out[f"{key}__count"] = len(value)
    return out
