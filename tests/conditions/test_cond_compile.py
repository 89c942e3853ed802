"""to_durable(): structure of the compiled expressions (negation pushed down by hand)."""

from __future__ import annotations

import pytest

from recommender.conditions import UnknownSetError, parse, to_durable

NEVER_M = {"$and": [{"$ex": {"m": 1}}, {"$nex": {"m": 1}}]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m == saas", {"m": "saas"}),
        ("m != saas", {"$neq": {"m": "saas"}}),
        ("not (m == saas)", {"$or": [{"$neq": {"m": "saas"}}, {"$nex": {"m": 1}}]}),
        ("not (m != saas)", {"$or": [{"m": "saas"}, {"$nex": {"m": 1}}]}),
        ("v < 3", {"$lt": {"v": 3}}),
        ("not (v < 3)", {"$or": [{"$gte": {"v": 3}}, {"$nex": {"v": 1}}]}),
        ("not (v >= 3)", {"$or": [{"$lt": {"v": 3}}, {"$nex": {"v": 1}}]}),
        ("m in [a, b]", {"$or": [{"m": "a"}, {"m": "b"}]}),
        ("m in [a]", {"m": "a"}),
        ("m in []", NEVER_M),
        ("m not in [a, b]", {"$and": [{"$neq": {"m": "a"}}, {"$neq": {"m": "b"}}]}),
        ("m not in []", {"$ex": {"m": 1}}),
        (
            "not (m in [a, b])",
            {"$or": [{"$and": [{"$neq": {"m": "a"}}, {"$neq": {"m": "b"}}]}, {"$nex": {"m": 1}}]},
        ),
        ("not (m not in [a, b])", {"$or": [{"m": "a"}, {"m": "b"}, {"$nex": {"m": 1}}]}),
        ("c contains DE", {"$iany": {"c": {"$i": "DE"}}}),
        (
            "not (c contains DE)",
            {
                "$or": [
                    {"$iall": {"c": {"$neq": {"$i": "DE"}}}},
                    {"c__count": 0},
                    {"$nex": {"c": 1}},
                ]
            },
        ),
        (
            "c contains_any [DE, US]",
            {"$or": [{"$iany": {"c": {"$i": "DE"}}}, {"$iany": {"c": {"$i": "US"}}}]},
        ),
        (
            "c contains_all [DE, US]",
            {"$and": [{"$iany": {"c": {"$i": "DE"}}}, {"$iany": {"c": {"$i": "US"}}}]},
        ),
        ("count(c) > 1", {"$gt": {"c__count": 1}}),
        ("not (count(c) > 1)", {"$or": [{"$lte": {"c__count": 1}}, {"$nex": {"c__count": 1}}]}),
        ("answered(m)", {"$ex": {"m": 1}}),
        ("unanswered(m)", {"$nex": {"m": 1}}),
        ("not answered(m)", {"$nex": {"m": 1}}),
        ("b", {"b": True}),
        ("not b", {"$or": [{"$neq": {"b": True}}, {"$nex": {"b": 1}}]}),
        ("a and (b and c)", {"$and": [{"a": True}, {"b": True}, {"c": True}]}),
        (
            "not (a and b)",
            {
                "$or": [
                    {"$neq": {"a": True}},
                    {"$nex": {"a": 1}},
                    {"$neq": {"b": True}},
                    {"$nex": {"b": 1}},
                ]
            },
        ),
        (
            "not (a or m == x)",
            {
                "$and": [
                    {"$or": [{"$neq": {"a": True}}, {"$nex": {"a": 1}}]},
                    {"$or": [{"$neq": {"m": "x"}}, {"$nex": {"m": 1}}]},
                ]
            },
        ),
        ("not not (m == x)", {"m": "x"}),
    ],
)
def test_structure(text: str, expected: dict) -> None:
    assert to_durable(parse(text)) == expected


def test_sets_are_expanded() -> None:
    node = parse("c contains_any @eea")
    assert to_durable(node, {"eea": ["DE", "FR"]}) == {
        "$or": [{"$iany": {"c": {"$i": "DE"}}}, {"$iany": {"c": {"$i": "FR"}}}]
    }
    with pytest.raises(UnknownSetError):
        to_durable(node, {})
