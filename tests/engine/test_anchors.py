"""The anchor index in front of the durable shards (engine/anchors.py).

Sound only if every anchor is a necessary condition of its rule: checked directly against
`conditions.evaluate` on random conditions and answers, then end to end (engine with the
index = engine without it = reference evaluator) on random rulesets large enough to be
split into many anchor groups.
"""

from __future__ import annotations

import pickle
import random
from typing import Any

import pytest

from recommender.engine import anchors, compile_ruleset, cond, load_ruleset_text
from recommender.engine.anchors import AnchorIndex, anchors_of, holds
from recommender.engine.durable import normalise_facts
from recommender.engine.reference import ReferenceEvaluator
from tests.engine.fuzz_child import DERIVED, ruleset_text
from tests.engine.fuzz_child import answers as fuzz_answers


def _facts(rnd: random.Random) -> dict[str, Any]:
    """Random typed answers (no None: dropped first, as every engine path does) with
    random derived facts beside them, as chaining rounds assert them."""
    facts = {k: v for k, v in fuzz_answers(rnd).items() if v is not None}
    for name, values in DERIVED.items():
        if rnd.random() < 0.6:
            facts[name] = rnd.choice(values)
    return facts


def _rulesets(seed: int, count: int, rules: int) -> list[Any]:
    rnd = random.Random(seed)
    out = []
    while len(out) < count:
        try:
            out.append(load_ruleset_text(ruleset_text(rnd, rules), "fuzz.yaml"))
        except Exception:  # noqa: S112 - a random condition that can never hold
            continue
    return out


def test_every_anchor_holds_whenever_its_rule_holds() -> None:
    rnd = random.Random(12)
    checked = anchored = 0
    for ruleset in _rulesets(3, 12, 60):
        index = AnchorIndex([r.condition for r in ruleset.rules], ruleset.sets, min_group=0)
        group_of = {p: g for g, members in enumerate(index.groups) for p in members}
        for _ in range(40):
            facts = _facts(rnd)
            clean = normalise_facts(facts)
            active = index.active(clean)
            for rule in ruleset.rules:
                found = anchors_of(rule.condition, ruleset.sets)
                anchored += bool(found)
                if cond.evaluate(rule.condition, facts, ruleset.sets):
                    checked += bool(found)
                    for anchor in found:
                        assert holds(anchor, facts), (rule.when, anchor, facts)
                    assert group_of[rule.index] in active, (rule.when, facts)
    # not vacuous: about a third of the fuzz rules have an anchor, and many of those hold
    assert anchored > 5000 and checked > 1000


@pytest.mark.parametrize(
    ("when", "facts", "expected"),
    [
        ("i0 == 1", {"i0": True}, False),  # a boolean is not the number 1
        ("i0 == 1", {"i0": 1.0}, True),  # 1 and 1.0 are the same number
        ("b0", {"b0": 1}, False),
        ("b0 == false", {"b0": False}, True),
        ("b0 == false", {"b0": 0}, False),
        ("s0 in [a, b]", {"s0": "b"}, True),
        ("s0 == a", {"s0": ["a"]}, False),  # a list is not a single value
        ("m0 contains a", {"m0": "a"}, False),  # a single value is not a list
        ("m0 contains_all [a, b]", {"m0": ["b"]}, False),
        ("c0 contains_any @eu", {"c0": ["US", "NL"]}, True),
        ("s0 == a or s0 == c", {"s0": "c"}, True),
        ("s0 == a or s0 == c", {"s0": "b"}, False),
    ],
)
def test_an_anchor_compares_typed_values(when: str, facts: dict[str, Any], expected: bool) -> None:
    ruleset = load_ruleset_text(_one_rule(when), "one.yaml")
    (rule,) = ruleset.rules
    found = anchors_of(rule.condition, ruleset.sets)
    assert found and all(holds(anchor, facts) for anchor in found) is expected
    assert cond.evaluate(rule.condition, facts, ruleset.sets) is expected


@pytest.mark.parametrize(
    "when",
    ["s0 != a", "not (s0 == a)", "s0 == a or b0", "count(m0) > 1", "i0 > 2", "answered(s0)"],
)
def test_no_anchor_where_none_is_necessary(when: str) -> None:
    ruleset = load_ruleset_text(_one_rule(when), "one.yaml")
    assert anchors_of(ruleset.rules[0].condition, ruleset.sets) == []


def _one_rule(when: str) -> str:
    return (
        "name: one\nversion: 1\nquestionnaire: fuzz\nsets:\n  eu: [DE, NL, BE, FR]\n"
        "products:\n  - {id: p0, name: P, family: other}\n"
        f"rules:\n  - id: r0\n    when: {when!r}\n    recommend: [{{product: p0}}]\n"
    )


def test_engine_with_the_index_agrees_with_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random rulesets of 150 rules with groups of any size: every fact skips shards, and
    the Result is still the reference's (and the engine's without the index)."""
    monkeypatch.setattr(anchors, "MIN_GROUP", 0)  # every anchor its own group
    rnd = random.Random(21)
    compared = skipped = 0
    for ruleset in _rulesets(8, 4, 150):
        indexed = compile_ruleset(ruleset)
        plain = compile_ruleset(ruleset, index=False)
        reference = ReferenceEvaluator(ruleset)
        try:
            groups = len(indexed.base.index.groups) if indexed.base.index else 0
            assert groups > 10
            for _ in range(25):
                answers = fuzz_answers(rnd)
                want = reference.evaluate(answers, open_questions=False).to_dict()
                assert indexed.evaluate(answers, open_questions=False).to_dict() == want
                assert plain.evaluate(answers, open_questions=False).to_dict() == want
                assert indexed.summarize(answers) == plain.summarize(answers)
                clean = normalise_facts({k: v for k, v in answers.items() if v is not None})
                skipped += len(indexed.base.index.active(clean)) < groups
                compared += 1
        finally:
            indexed.close()
            plain.close()
    assert compared == 100 and skipped == compared


def test_the_trace_is_built_when_read_and_complete() -> None:
    ruleset = _rulesets(5, 1, 40)[0]
    compiled = compile_ruleset(ruleset)
    reference = ReferenceEvaluator(ruleset)
    rnd = random.Random(4)
    for _ in range(20):
        answers = fuzz_answers(rnd)
        result = compiled.evaluate(answers, open_questions=False)
        copy = pickle.loads(pickle.dumps(result))  # pickling builds it first
        trace = result.trace
        assert [t["rule"] for t in trace] == [r.id for r in ruleset.rules]
        assert [t["rule"] for t in trace if t["fired"]] == sorted(
            result.fired, key=[r.id for r in ruleset.rules].index
        )
        assert copy.trace == trace and copy == result
        assert result == reference.evaluate(answers, open_questions=False)
    compiled.close()
