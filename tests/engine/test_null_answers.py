"""A stored `null` is unanswered on every path: evaluate (with open questions and why not),
summaries, bulk summaries (impact preview), `fire`, the reference evaluator, visibility."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recommender.engine import compile_ruleset, load_ruleset
from recommender.engine.bulk import summarize_serial
from recommender.engine.durable import FactError, normalise_facts
from recommender.engine.loader import find_questionnaire
from recommender.engine.reference import ReferenceEvaluator
from tests.engine.answer_sets import random_answers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[Any, Any, Any]]:
    form = find_questionnaire(ROOT / "forms", "sa_discovery")
    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", form)
    compiled = compile_ruleset(ruleset)
    yield form, ruleset, compiled
    compiled.close()


def test_null_answers_equal_left_out_answers_everywhere(setup: Any) -> None:
    form, ruleset, compiled = setup
    reference = ReferenceEvaluator(ruleset)
    rnd = random.Random(8)
    for _ in range(6):
        bare = random_answers(form, rnd)
        nulls = {k: None for k in rnd.sample(sorted(form.questions), 8) if k not in bare}
        nulls |= {k: None for k in rnd.sample(sorted(bare), 3)}
        with_nulls = {**bare, **nulls}
        bare = {k: v for k, v in with_nulls.items() if v is not None}
        want = compiled.evaluate(bare, form).to_dict()
        assert compiled.evaluate(with_nulls, form).to_dict() == want
        assert reference.evaluate(with_nulls, form).to_dict() == want
        assert compiled.summarize(with_nulls) == compiled.summarize(bare)
        clean = normalise_facts(bare)
        assert compiled.summarize_normalised(with_nulls, clean) == compiled.summarize(bare)
        assert compiled.fire(with_nulls) == compiled.fire(bare) == reference.fire(with_nulls)
        [(outcome,)] = summarize_serial([ruleset], [with_nulls])
        assert not isinstance(outcome, str), outcome
        assert outcome[0] == frozenset(want_id["id"] for want_id in want["products"])
        assert form.visible_answers(with_nulls) == form.visible_answers(bare)
        pid = rnd.choice(sorted(ruleset.products))
        assert compiled.why_not(with_nulls, pid, form) == compiled.why_not(bare, pid, form)


def test_the_engine_still_refuses_a_null_inside_a_list(setup: Any) -> None:
    _form, _ruleset, compiled = setup
    with pytest.raises(FactError, match="null"):
        compiled.evaluate({"channels": ["web", None]})
