"""unsatisfiable() names the parameters whose bound values leave no possible value, with the
values they had (the Parameters form turns this into labels and what to type)."""

from __future__ import annotations

import pytest

from recommender.conditions import parse, unsatisfiable
from recommender.conditions.bind import bind_params


@pytest.mark.parametrize(
    ("text", "values", "tail"),
    [
        (
            "rate >= $watch and rate < $high",
            {"watch": 0.9, "high": 0.75},
            ": the lower bound $watch (0.9) is above the upper bound $high (0.75)",
        ),
        (
            "rate >= $watch and rate < $high",
            {"watch": 0.75, "high": 0.75},
            ": the lower bound $watch (0.75) is the same as the upper bound $high (0.75)",
        ),
        ("v > $low and v < 3", {"low": 5}, ": the lower bound $low (5) is above the upper bound 3"),
    ],
)
def test_bounds_from_parameters_are_named(text: str, values: dict[str, float], tail: str) -> None:
    reason = unsatisfiable(bind_params(parse(text), values))
    assert reason == "the bounds on '" + text.split()[0] + "' leave no possible value" + tail


def test_bounds_written_out_are_unchanged_and_possible_bounds_are_fine() -> None:
    assert unsatisfiable(parse("v > 5 and v < 3")) == "the bounds on 'v' leave no possible value"
    assert unsatisfiable(bind_params(parse("rate >= $watch and rate < $high"), {"watch": 0.5, "high": 0.75})) is None
