"""The durable_rules wrapper: one test per pitfall it works around (docs/engine.md)."""

from __future__ import annotations

import datetime
import gc
import math
import threading
from decimal import Decimal
from typing import Any

import pytest

from recommender.engine.durable import (
    MAX_FIELDS,
    EngineError,
    FactError,
    RuleShards,
    live_ruleset_count,
    normalise_facts,
)


def _gt_rules(n: int) -> list[tuple[str, dict[str, Any]]]:
    return [(f"gt{i}", {"$gt": {"a": i}}) for i in range(n)]


def test_state_guard_lets_unanswered_rules_fire_once() -> None:
    rules = [
        ("unanswered_x", {"$nex": {"x": 1}}),
        ("x_or_unanswered_y", {"$or": [{"x": "a"}, {"$nex": {"y": 1}}]}),
        ("answered_x", {"$ex": {"x": 1}}),
        ("has_sid", {"$ex": {"sid": 1}}),
    ]
    shards = RuleShards(rules, "guard")
    assert shards.fired({}) == [0, 1, 3]
    assert shards.fired({"x": "b", "y": 1}) == [2, 3]
    assert shards.fired({"x": "a", "y": 1}) == [1, 2, 3]


def test_without_the_guard_a_rule_matches_the_state_object() -> None:
    """The pitfall is real: without `$nex $s` the state re-fires the rule; we stop it."""
    before = live_ruleset_count()
    with pytest.raises(EngineError, match="keeps firing"):
        RuleShards([("unanswered_x", {"$nex": {"x": 1}})], "noguard", state_guard=False)
    assert live_ruleset_count() == before  # the failed compilation was freed
    guarded = RuleShards([("unanswered_x", {"$nex": {"x": 1}})], "guarded")
    assert guarded.fired({}) == [0]


def test_recompiling_the_same_name_and_freeing_old_compilations() -> None:
    before = live_ruleset_count()
    first = RuleShards(_gt_rules(10), "stripe")
    second = RuleShards(_gt_rules(5), "stripe")
    assert live_ruleset_count() == before + 2
    assert first.fired({"a": 7}) == list(range(7))
    assert second.fired({"a": 7}) == list(range(5))
    first.close()
    assert first.closed and live_ruleset_count() == before + 1
    with pytest.raises(EngineError, match="closed"):
        first.fired({"a": 1})
    del second
    gc.collect()
    assert live_ruleset_count() == before


def test_150_plus_rules_are_sharded_and_all_fire() -> None:
    shards = RuleShards(_gt_rules(170), "many")
    assert len(shards._handles) == 4
    assert shards.fired({"a": 1000}) == list(range(170))
    assert shards.fired({"a": 120}) == list(range(120))
    assert shards.fired({"a": -1}) == []


def test_more_than_1024_evaluations_in_a_row() -> None:
    shards = RuleShards(_gt_rules(3) + [("none", {"$nex": {"b": 1}})], "sessions")
    for i in range(1300):
        facts: dict[str, Any] = {"a": i % 5}
        if i % 3 == 0:
            facts["b"] = True
        expected = [j for j in range(3) if i % 5 > j] + ([] if i % 3 == 0 else [3])
        assert shards.fired(facts) == expected


def test_nothing_matching_is_an_empty_result_not_an_exception() -> None:
    shards = RuleShards([("never", {"a": "zzz"})], "nomatch")
    for _ in range(5):
        assert shards.fired({"a": "b"}) == []


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"a": Decimal("1.5")}, "Decimal"),
        ({"a": datetime.date(2024, 1, 1)}, "date"),
        ({"a": math.nan}, "finite"),
        ({"a": math.inf}, "finite"),
        ({"a": None}, "null"),
        ({"a": {"b": 1}}, "dict"),
        ({"a": [1, [2]]}, "list"),
        ({"a": 2**60}, "too large"),
        ({"sid": "x"}, "valid answer id"),
        ({"id": "x"}, "valid answer id"),
        ({"$s": 1}, "valid answer id"),
        ({"Upper": 1}, "valid answer id"),
        ({"a": ["x"], "a__count": 3}, "reserved"),
        ({f"f{i}": i for i in range(MAX_FIELDS + 1)}, "too many fields"),
    ],
)
def test_facts_are_validated(facts: dict[str, Any], message: str) -> None:
    with pytest.raises(FactError, match=message):
        normalise_facts(facts)


def test_list_answers_get_a_count_field() -> None:
    assert normalise_facts({"c": ["DE", "NL"], "n": 2, "t": True}) == {
        "c": ["DE", "NL"],
        "c__count": 2,
        "n": 2,
        "t": True,
    }
    shards = RuleShards(
        [("two", {"$gte": {"c__count": 2}}), ("de", {"$iany": {"c": {"$i": "DE"}}})]
    )
    assert shards.fired({"c": ["DE", "NL"]}) == [0, 1]
    assert shards.fired({"c": ["FR"]}) == []


def test_odd_strings_round_trip() -> None:
    value = 'é"q\\ \u2028 ✓'
    shards = RuleShards([("eq", {"s": value}), ("in_list", {"$iany": {"l": {"$i": value}}})])
    assert shards.fired({"s": value, "l": ["x", value]}) == [0, 1]
    assert shards.fired({"s": value + " ", "l": []}) == []


def test_threads_share_the_engine_safely() -> None:
    shards = RuleShards(_gt_rules(120), "threads")
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for i in range(150):
                a = (seed * 37 + i) % 130
                assert shards.fired({"a": a}) == list(range(min(a, 120)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
