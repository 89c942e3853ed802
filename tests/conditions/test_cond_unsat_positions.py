"""unsatisfiable() (sound contradiction finder) and absolute_position() (YAML positions)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from recommender.conditions import (
    ConditionSyntaxError,
    absolute_position,
    evaluate,
    parse,
    position_in_source,
    scalar_style,
    unsatisfiable,
)
from recommender.yamlpos import load_yaml


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("m == a and m == b", "'m' cannot equal both a and b"),
        ("m == a and m != a", "'m' cannot both equal and differ from a"),
        ("v > 5 and v < 3", "the bounds on 'v' leave no possible value"),
        ("v >= 5 and v < 5", "the bounds on 'v' leave no possible value"),
        ("v == 4 and v > 5", "'v' equals 4, which is outside its other bounds"),
        ("m in [a, b] and m == c", "'m' equals c, which is not in the list it must be in"),
        ("m in [a, b] and m not in [a, b]", "no value of 'm' satisfies all its list conditions"),
        ("m in [a, b] and m in [c]", "no value of 'm' satisfies all its list conditions"),
        ("answered(m) and unanswered(m)", "'m' cannot be both answered and unanswered"),
        ("m == a and unanswered(m)", "'m' cannot be both answered and unanswered"),
        ("x and not answered(x)", "'x' cannot be both answered and unanswered"),
        ("b and b == false", "'b' cannot equal both true and false"),
        ("count(c) < 0", "the bounds on 'count(c)' leave no possible value"),
        ("(m == a and m == b) or (v > 2 and v < 1)", "'m' cannot equal both a and b"),
        (
            "x and (m == a and m == b or v > 2 and v < 1)",
            "none of the alternatives in 'm == a and m == b or v > 2 and v < 1' can hold",
        ),
        ("c contains_any []", "'c contains_any []' lists no values, so it is never true"),
    ],
)
def test_contradictions(text: str, reason: str) -> None:
    assert unsatisfiable(parse(text), {}) == reason


SATISFIABLE = [
    "m == a and m == a",
    "m == a or m == b",
    "m != a and m != b",
    "v > 3 and v < 5",
    "v >= 5 and v <= 5",
    "v == 1 and v == 1.0",
    "m in [a, b] and m != a",
    "not (m == a) and m == a or b",
    "answered(m) and not (m == a)",
    "unanswered(m) or m == a",
    "count(c) == 0 and answered(c)",
    "c contains a and c contains b",
    "not (v > 5) and v > 5 or v == 1",
]


@pytest.mark.parametrize("text", SATISFIABLE)
def test_satisfiable_conditions_are_not_flagged(text: str) -> None:
    assert unsatisfiable(parse(text), {}) is None


def test_soundness_by_brute_force() -> None:
    """Every flagged condition is false for every fact combination from a small domain."""
    domain: dict[str, list[Any]] = {"m": [None, "a", "b", "c"], "v": [None, 1, 4, 5, 6]}
    atoms = [
        "m == a",
        "m == b",
        "m != a",
        "m in [a, b]",
        "m not in [a]",
        "answered(m)",
        "unanswered(m)",
        "v > 5",
        "v >= 5",
        "v < 5",
        "v == 4",
        "v <= 1",
        "unanswered(v)",
    ]
    flagged = 0
    for left, right in itertools.combinations(atoms, 2):
        node = parse(f"{left} and {right}")
        if unsatisfiable(node, {}) is None:
            continue
        flagged += 1
        for m, v in itertools.product(domain["m"], domain["v"]):
            facts = {k: x for k, x in (("m", m), ("v", v)) if x is not None}
            assert evaluate(node, facts) is False, (left, right, facts)
    assert flagged >= 10


def test_absolute_position_styles() -> None:
    assert absolute_position(4, 11, 1, 5, "plain") == (4, 15)
    assert absolute_position(4, 11, 1, 5, "quoted") == (4, 16)
    assert absolute_position(4, 11, 2, 3, "block", indent=6) == (6, 9)
    with pytest.raises(ValueError):
        absolute_position(1, 1, 1, 1, "folded")


@pytest.mark.parametrize(
    ("source", "bad", "expected"),
    [
        ("rules:\n  - when: a == b c\n", ("rules", 0, "when"), (2, 18)),
        ("rules:\n  - when: 'a == b c'\n", ("rules", 0, "when"), (2, 19)),
        ('rules:\n  - when: "a == b c"\n', ("rules", 0, "when"), (2, 19)),
        ("rules:\n  - when: |\n      a == b and\n      c == d e\n", ("rules", 0, "when"), (4, 14)),
    ],
)
def test_position_in_source_points_at_the_token(source: str, bad: tuple, expected: tuple) -> None:
    located = load_yaml(source, "r.yaml")
    text = located.data["rules"][0]["when"]
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    line, col = located.pos(bad)
    got = position_in_source(source, line, col, info.value.line, info.value.col)
    assert got == expected
    token = source.splitlines()[got[0] - 1][got[1] - 1]
    assert token in "ce"
    assert scalar_style(source, line, col) in ("plain", "quoted", "block")
