"""evaluate() and evaluate3(): the semantics of docs/conditions.md as truth tables."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from recommender.conditions import (
    UnknownSetError,
    evaluate,
    evaluate3,
    parse,
    referenced_fields,
    referenced_sets,
)

FACTS: dict[str, Any] = {
    "m": "marketplace",
    "v": 10,
    "f": 0.75,
    "b": True,
    "nb": False,
    "c": ["DE", "US"],
    "e": [],
}
SETS = {"eea": ["DE", "FR"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m == marketplace", True),
        ("m == saas", False),
        ("m != saas", True),
        ("m != marketplace", False),
        ("x == 1", False),  # absent
        ("x != 1", False),  # absent: comparisons are false, even !=
        ("not (x == 1)", True),  # plain negation
        ("x in [1, 2]", False),
        ("x not in [1, 2]", False),
        ("m in [saas, marketplace]", True),
        ("m not in [saas, marketplace]", False),
        ("m not in [saas]", True),
        ("v > 9", True),
        ("v > 10", False),
        ("v >= 10", True),
        ("v < 10.5", True),
        ("v <= 9.99", False),
        ("f == 0.75", True),
        ("v == 10.0", True),
        ("m > 3", False),  # numeric comparison with a string answer
        ("b", True),
        ("nb", False),
        ("x", False),
        ("not x", True),
        ("b == true", True),
        ("b == 1", False),  # booleans only equal booleans
        ("v == true", False),
        ("c contains DE", True),
        ("c contains FR", False),
        ("e contains DE", False),
        ("x contains DE", False),
        ("m contains marketplace", False),  # not a list
        ("c contains_any [FR, US]", True),
        ("c contains_any [FR]", False),
        ("c contains_any @eea", True),
        ("c contains_all [US, DE]", True),
        ("c contains_all @eea", False),
        ("e contains_all []", True),
        ("x contains_all []", False),
        ("c contains_any []", False),
        ("count(c) == 2", True),
        ("count(e) == 0", True),
        ("count(x) == 0", False),
        ("count(m) >= 0", False),
        ("count(c) in [1, 2]", True),
        ("answered(m)", True),
        ("answered(x)", False),
        ("x is unanswered", True),
        ("e is answered", True),
        ("m == marketplace and v > 5", True),
        ("m == marketplace and v > 50", False),
        ("m == saas or v > 5", True),
        ("not (m == saas or v > 5)", False),
        ("not (m == saas) and not x", True),
    ],
)
def test_evaluate_table(text: str, expected: bool) -> None:
    assert evaluate(parse(text), FACTS, SETS) is expected


def test_none_counts_as_unanswered() -> None:
    assert evaluate(parse("answered(x)"), {"x": None}) is False
    assert evaluate(parse("x != 1"), {"x": None}) is False


def test_unknown_set_raises() -> None:
    with pytest.raises(UnknownSetError):
        evaluate(parse("c contains_any @nope"), FACTS, SETS)
    with pytest.raises(UnknownSetError):
        evaluate(parse("m in @eea"), FACTS)


@pytest.mark.parametrize(
    ("text", "facts", "unknown", "expected"),
    [
        ("a == 1", {}, {"a"}, None),
        ("a == 1", {"a": 1}, set(), True),
        ("a == 1", {"a": 1}, {"a"}, None),  # unknown overrides a stale value
        ("a == 1 and b == 1", {"b": 2}, {"a"}, False),
        ("a == 1 and b == 1", {"b": 1}, {"a"}, None),
        ("a == 1 or b == 1", {"b": 1}, {"a"}, True),
        ("a == 1 or b == 1", {"b": 2}, {"a"}, None),
        ("not (a == 1)", {}, {"a"}, None),
        ("unanswered(a)", {}, {"a"}, None),
        ("answered(a) or not answered(a)", {}, {"a"}, None),  # Kleene, not a tautology prover
        ("b or a", {"b": True}, {"a"}, True),
        ("not (b and a)", {"b": False}, {"a"}, True),
        ("count(c) > 1", {}, {"c"}, None),
        ("c contains DE", {"c": ["DE"]}, {"x"}, True),
    ],
)
def test_evaluate3(
    text: str, facts: dict[str, Any], unknown: set[str], expected: bool | None
) -> None:
    assert evaluate3(parse(text), facts, unknown) is expected


def test_evaluate3_agrees_with_evaluate_when_unknown_is_empty_and_bounds_it() -> None:
    """With nothing unknown it is evaluate; with unknowns, a definite answer holds for every filling."""
    node = parse("(a == 1 or b) and not (c contains DE and a != 2)")
    values: dict[str, list[Any]] = {
        "a": [None, 1, 2],
        "b": [None, True, False],
        "c": [None, [], ["DE"]],
    }
    for combo in itertools.product(*values.values()):
        facts = {k: v for k, v in zip(values, combo, strict=True) if v is not None}
        assert evaluate3(node, facts, set()) is evaluate(node, facts)
        for unknown in ({"a"}, {"b"}, {"a", "c"}):
            r = evaluate3(node, facts, unknown)
            if r is None:
                continue
            fillings = itertools.product(*(values[u] for u in sorted(unknown)))
            for filling in fillings:
                filled = {k: v for k, v in facts.items() if k not in unknown}
                filled.update(
                    {u: v for u, v in zip(sorted(unknown), filling, strict=True) if v is not None}
                )
                assert evaluate(node, filled) is r


def test_evaluate3_maybe_absent_is_known_only_when_both_ways_agree() -> None:
    """An id in `maybe_absent` keeps its value or loses it: a definite answer holds both
    ways, and None means the two ways differ for some atom (here: for the whole condition
    when it reads only that id once)."""
    node = parse("(a == 1 or b) and not (c contains DE and a != 2)")
    values: dict[str, list[Any]] = {
        "a": [None, 1, 2],
        "b": [None, True, False],
        "c": [None, [], ["DE"]],
    }
    for combo in itertools.product(*values.values()):
        facts = {k: v for k, v in zip(values, combo, strict=True) if v is not None}
        for absent in ({"a"}, {"c"}, {"a", "b"}):
            r = evaluate3(node, facts, set(), None, absent)
            for dropped in itertools.product((False, True), repeat=len(absent)):
                gone = {name for name, d in zip(sorted(absent), dropped, strict=True) if d}
                kept = {k: v for k, v in facts.items() if k not in gone}
                if r is not None:
                    assert evaluate(node, kept) is r, (facts, absent, gone)
    assert evaluate3(parse("b"), {"b": True}, set(), None, {"b"}) is None
    assert evaluate3(parse("b"), {"b": False}, set(), None, {"b"}) is False
    assert evaluate3(parse("b"), {}, set(), None, {"b"}) is False
    assert evaluate3(parse("unanswered(b)"), {"b": 1}, set(), None, {"b"}) is None
    assert evaluate3(parse("a == 1"), {"a": 1}, {"a"}, None, {"a"}) is None  # unknown wins


def test_evaluate3_bounds_an_unknown_list_to_the_items_it_can_hold() -> None:
    bounds = {"m": ["ideal", "sepa_debit"]}
    cases = {
        "m contains ach_debit": False,
        "m contains ideal": None,
        "m contains_any [ach_debit, pix]": False,
        "m contains_any [ach_debit, ideal]": None,
        "m contains_all [ideal, sepa_debit]": None,
        "m contains_all [ideal, pix]": False,
        "not (m contains pix)": True,
        "count(m) > 1": None,  # only contains is bounded
        "n contains pix": None,  # no bound for n
    }
    for text, want in cases.items():
        assert evaluate3(parse(text), {}, {"m", "n"}, None, (), bounds) is want, text
    # Sound: a definite answer holds for every list of allowed items (and for none).
    for text, want in cases.items():
        if want is None or text.startswith("n "):
            continue
        for size in range(3):
            for items in itertools.combinations(bounds["m"], size):
                assert evaluate(parse(text), {"m": list(items)}) is want, (text, items)
        assert evaluate(parse(text), {}) is want


def test_a_null_value_is_unanswered() -> None:
    for text in ("a == 1", "a != 1", "answered(a)", "unanswered(a)", "count(a) > 0", "a"):
        node = parse(text)
        assert evaluate(node, {"a": None}) is evaluate(node, {})
        assert evaluate3(node, {"a": None}, set()) is evaluate3(node, {}, set())


def test_referenced_fields_and_sets() -> None:
    node = parse("a == 1 and count(b) > 1 or answered(c) or d or e contains_any @eea or f in @x")
    assert referenced_fields(node) == {"a", "b", "c", "d", "e", "f"}
    assert referenced_sets(node) == {"eea", "x"}
