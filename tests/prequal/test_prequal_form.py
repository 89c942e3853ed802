"""forms/prequalification.yaml shares its answer ids with forms/sa_discovery.yaml, so a
converted lead prefills the SA's discovery: every shared question has the same type and only
option values the SA questionnaire accepts."""

from __future__ import annotations

from pathlib import Path

from recommender.questionnaire import load_questionnaire

ROOT = Path(__file__).resolve().parents[2]


def test_every_prequal_answer_carries_over_to_the_sa_discovery() -> None:
    prequal = load_questionnaire(ROOT / "forms" / "prequalification.yaml")
    sa = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    assert set(prequal.questions) <= set(sa.questions)
    for qid, question in prequal.questions.items():
        target = sa.question(qid)
        assert question.type == target.type, qid
        assert set(question.option_values) <= set(target.option_values), qid


def test_v2_asks_what_is_sold_and_the_currency_strategy_without_requiring_them() -> None:
    prequal = load_questionnaire(ROOT / "forms" / "prequalification.yaml")
    assert prequal.version >= 2
    for qid in ("offering_types", "currency_strategy"):
        assert prequal.section_of(qid).id == "selling"
        assert not prequal.question(qid).required
        assert not prequal.question(qid).show_if  # the step page shows every question
    sa = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    assert (
        prequal.question("offering_types").option_values
        == sa.question("offering_types").option_values
    )
    # Step 1 stays as it was.
    assert prequal.section("business").question_ids == [
        "business_model",
        "industry",
        "customer_type",
        "hq_country",
        "customer_countries",
    ]
