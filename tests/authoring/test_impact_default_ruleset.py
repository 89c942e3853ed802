"""The impact preview on the default ruleset: the discoveries it lists, and what it says
changed, equal what evaluating every discovery fully with both versions finds (so the
ask-next shortcut misses nothing)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from recommender.services import authoring
from recommender.services.reports import ASK_NEXT_LIMIT


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The product's own forms/ and rules/ (the stripe ruleset and sa_discovery) for the
    tests below; the demo tests above do not use them."""
    from recommender.config import PROJECT_ROOT

    app_config.update(
        {
            "FORMS_DIR": str(PROJECT_ROOT / "forms"),
            "RULES_DIR": str(PROJECT_ROOT / "rules"),
            "RULESET_FEATURES_DIR": str(PROJECT_ROOT / "features" / "ruleset"),
        }
    )
    return app_config


@pytest.fixture
def stripe_discoveries(app: Flask, make_user: Callable[..., Any]) -> list[int]:
    """The default ruleset active, and 80 discoveries with random realistic answers."""
    from recommender.extensions import db
    from recommender.models import Account, Answer, Discovery
    from recommender.services import questionnaires, rulesets
    from tests.engine.answer_sets import random_answers

    owner = make_user("sa")
    rnd = random.Random(11)
    ids = []
    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()
        row = questionnaires.latest("sa_discovery")
        q = questionnaires.questionnaire_for(row)
        with db.transaction() as session:
            for n in range(80):
                answers = random_answers(q, rnd)
                # Volumes around both enterprise bars, some unanswered.
                answers["annual_volume_usd"] = rnd.choice([None, 5_000_000, 30_000_000, 60_000_000])
                account = Account(name=f"Account {n}", created_by_id=owner.id)
                session.add(account)
                session.flush()
                d = Discovery(account_id=account.id, questionnaire_version_id=row.id, owner_id=owner.id)
                session.add(d)
                session.flush()
                for qid, value in answers.items():
                    if value is not None:
                        session.add(Answer(discovery_id=d.id, question_id=qid, value=value))
                ids.append(d.id)
    return ids


def _everything(compiled: Any, subj: Any) -> tuple[Any, ...]:
    result = compiled.evaluate(subj.answers, subj.questionnaire)
    return (
        frozenset(result.product_ids),
        {r["id"]: r["severity"] for r in result.risks},
        {d["fact"]: d["value"] for d in result.derived},
        frozenset(q["id"] for q in result.open_questions[:ASK_NEXT_LIMIT]),
    )


@pytest.mark.parametrize(
    "old, new",
    [
        # A threshold, here a parameter's value (the ask-next shortcut applies: atoms about
        # one answer).
        ("    value: 50_000_000\n", "    value: 25_000_000\n"),
        # A changed condition shape (no shortcut: every answer set that can reach it).
        (
            "when: annual_volume_usd >= $enterprise_volume or annual_revenue_usd >= $enterprise_revenue",
            "when: annual_volume_usd >= $enterprise_volume",
        ),
    ],
)
def test_rows_equal_a_full_evaluation_of_every_discovery(
    app: Flask, stripe_discoveries: list[int], old: str, new: str
) -> None:
    """Which discoveries the preview lists, and what it says changed, equal what evaluating
    every discovery fully with both versions finds (the ask-next shortcut misses nothing)."""
    from recommender.engine import compile_ruleset

    with app.app_context():
        active = authoring.active_version("stripe")
        assert old in active.source, "the default ruleset moved; update this test"
        draft = active.source.replace(old, new, 1)
        report = authoring.impact("stripe", draft)
        assert report.errors == []
        subjects = {s.id: s for s in authoring.saved_subjects()}
        before_rs, _ = authoring.load_checked(active.source, "stripe")
        after_rs, _ = authoring.load_checked(draft, "stripe")
        before_c, after_c = compile_ruleset(before_rs), compile_ruleset(after_rs)
        try:
            expected = {}
            for did, subj in subjects.items():
                a, b = _everything(before_c, subj), _everything(after_c, subj)
                if a != b:
                    expected[did] = (a, b)
        finally:
            before_c.close()
            after_c.close()
    assert expected, "the edit changes nothing in these answer sets; pick another"
    assert {i.id for i in report.items} == set(expected)
    for item in report.items:
        (p0, s0, d0, q0), (p1, s1, d1, q1) = expected[item.id]
        assert set(item.products_added) == p1 - p0 and set(item.products_removed) == p0 - p1
        assert {c.id for c in item.facts} == {k for k in d0.keys() | d1.keys() if d0.get(k) != d1.get(k)}
        assert {c.id for c in item.severities} == {k for k in s0.keys() & s1.keys() if s0[k] != s1[k]}
        assert {q.id for q in item.ask_next_added} == q1 - q0
        assert {q.id for q in item.ask_next_removed} == q0 - q1
    assert any(c.id == "segment" for item in report.items for c in item.facts)
