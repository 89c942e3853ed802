"""A discovery pinned to the previous SA discovery questionnaire keeps working after the
questions of the current version (DOMAIN.md section 1, `capture_timing` down) were added.

The "old" questionnaire is built here from forms/sa_discovery.yaml with the new questions
removed and the version lowered by one, so the test needs no git history. Answers are saved
through the service layer and evaluated with the active ruleset imported from rules/.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.errors import InvalidInput
from recommender.questionnaire import load_questionnaire, load_questionnaire_text

ROOT = Path(__file__).resolve().parents[2]
CURRENT = ROOT / "forms" / "sa_discovery.yaml"

# Added in sa_discovery v2.
NEW_IDS = frozenset(
    {
        "capture_timing",
        "offering_types",
        "priced_currencies",
        "currency_strategy",
        "phone_payments",
        "in_app_digital_goods",
        "regulated_data",
        "data_residency_countries",
        "payout_tax_reporting",
        "current_payment_methods",
        "local_entity_per_market",
        "orchestration_goals",
        "current_approval_rate_pct",
        "current_processing_cost_pct",
    }
)

# A discovery as an SA fills it in on the old version: raw input, as the workspace posts it.
OLD_ANSWERS: dict[str, Any] = {
    "hq_country": "US",
    "entity_countries": "US, DE",
    "customer_countries": ["US", "DE", "NL", "BR"],
    "customer_type": ["consumers"],
    "business_model": "marketplace",
    "industry": "travel",
    "annual_volume_usd": "$25M",
    "avg_transaction_usd": "420",
    "channels": ["web", "mobile_app", "phone"],
    "checkout_control": "embedded",
    "dev_capacity": "large",
    "pricing_models": ["one_time"],
    "pays_out_third_parties": "yes",
    "merchant_of_record": "platform",
    "seller_countries": "US, DE",
    "current_processor": "adyen",
    "saved_cards_count": "120,000",
    "multi_processor": "yes",
    "fraud_concern": "high",
    "dispute_rate_pct": "0.8%",
}


def old_definition_text(version_offset: int = 1) -> str:
    """forms/sa_discovery.yaml without the new questions, one version lower."""
    data = yaml.safe_load(CURRENT.read_text(encoding="utf-8"))
    data["version"] = int(data["version"]) - version_offset
    removed = set()
    for section in data["sections"]:
        kept = [q for q in section["questions"] if q["id"] not in NEW_IDS]
        removed |= {q["id"] for q in section["questions"]} - {q["id"] for q in kept}
        section["questions"] = kept
    data["sections"] = [s for s in data["sections"] if s["questions"]]
    assert removed == NEW_IDS, "every new question must exist in forms/sa_discovery.yaml"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_the_old_definition_is_the_current_one_without_the_new_questions() -> None:
    current = load_questionnaire(CURRENT)
    old = load_questionnaire_text(old_definition_text(), "old/sa_discovery.yaml")
    assert old.version == current.version - 1
    assert set(current.questions) - set(old.questions) == NEW_IDS
    assert set(old.questions) <= set(current.questions)
    # The questions both versions ask are unchanged, so old answers mean the same in both.
    for qid in old.questions:
        assert old.question(qid).type == current.question(qid).type, qid
        assert old.question(qid).option_values == current.question(qid).option_values, qid
    # Nothing of the old version depends on a new question.
    assert old.visible_question_ids({}) == [
        qid for qid in current.visible_question_ids({}) if qid not in NEW_IDS
    ]


def test_a_discovery_pinned_to_the_previous_version_keeps_working(
    app: Flask, sa_user: Any, sa_client: Any, tmp_path: Path
) -> None:
    from recommender.extensions import db
    from recommender.models import User
    from recommender.services import (
        accounts,
        discoveries,
        evaluation,
        questionnaires,
        reports,
        rulesets,
    )

    old_dir = tmp_path / "old_forms"
    old_dir.mkdir()
    (old_dir / "sa_discovery.yaml").write_text(old_definition_text(), encoding="utf-8")
    current = load_questionnaire(CURRENT)

    with app.app_context():
        user = db.session.get(User, sa_user.id)
        assert questionnaires.load_directory(old_dir) == [f"sa_discovery v{current.version - 1}"]
        old_id = discoveries.start_discovery(accounts.create_account("Old Co", user).id, user).id

        # The new version is published (with the ruleset, checked against it) afterwards.
        assert f"sa_discovery v{current.version}" in questionnaires.load_directory()
        rulesets.import_directory()
        new_id = discoveries.start_discovery(accounts.create_account("New Co", user).id, user).id

        old = discoveries.get_discovery(old_id)
        new = discoveries.get_discovery(new_id)
        assert old.questionnaire_version.version == current.version - 1
        assert new.questionnaire_version.version == current.version
        old_q = discoveries.questionnaire_of(old)
        assert NEW_IDS.isdisjoint(old_q.questions)

        # Answers are saved through the service, coerced by the pinned (old) version.
        for qid, raw in OLD_ANSWERS.items():
            saved = discoveries.save_answer(old_id, qid, raw, 0, user)
            assert NEW_IDS.isdisjoint(saved.visible)
            discoveries.save_answer(new_id, qid, raw, 0, user)
        # The old discovery refuses the new questions by name; nothing is stored.
        for qid, raw in (("capture_timing", ["longer_hold"]), ("current_approval_rate_pct", 91)):
            with pytest.raises(InvalidInput) as info:
                discoveries.save_answer(old_id, qid, raw, 0, user)
            assert qid in info.value.message
        old_answers = discoveries.answers_of(old_id)
        assert NEW_IDS.isdisjoint(old_answers)
        assert old_answers == {
            k: v for k, v in discoveries.answers_of(new_id).items() if k != "company_name"
        } | {"company_name": "Old Co"}

        # It evaluates with the current active ruleset, without errors ...
        old_result = evaluation.evaluate_discovery(discoveries.get_discovery(old_id))
        assert old_result.errors == []
        assert old_result.product_ids, "the answers above should get a recommendation"
        assert NEW_IDS.isdisjoint(q["id"] for q in old_result.open_questions)
        # ... exactly like a current-version discovery on which the new questions are unanswered.
        new_result = evaluation.evaluate_discovery(discoveries.get_discovery(new_id))
        assert old_result.product_ids == new_result.product_ids
        assert old_result.risk_ids == new_result.risk_ids
        assert old_result.fired == new_result.fired
        assert NEW_IDS.isdisjoint(discoveries.answers_of(new_id))

        # The panel and a report snapshot work on the old version too.
        panel = reports.panel(old_id)
        assert panel.errors == []
        assert NEW_IDS.isdisjoint(item.question_id for item in panel.ask_next)
        snapshot = reports.create_snapshot(old_id, user)
        assert snapshot.questionnaire_version_id == old.questionnaire_version_id
        assert NEW_IDS.isdisjoint(snapshot.answers)
        assert reports.reproduce(snapshot.id)["products"] == snapshot.result["products"]

    # And in the browser: the old discovery's pages show no new question, the new one's do.
    page = sa_client.get(f"/discoveries/{old_id}/sections/channels")
    assert page.status_code == 200
    assert b"When is the payment captured?" not in page.data
    assert b"Sales channels" in page.data
    page = sa_client.get(f"/discoveries/{new_id}/sections/channels")
    assert b"When is the payment captured?" in page.data
    assert sa_client.get(f"/discoveries/{old_id}/recommendation").status_code == 200


# Rules that read the new answer ids, in the forms a rule author would write them; the old
# questionnaire's answers must evaluate against them as "unanswered".
RULES_READING_NEW_IDS = textwrap.dedent(
    """\
    name: newids
    version: 1
    questionnaire: sa_discovery
    products:
      - {id: checkout, name: Checkout, family: payments}
      - {id: extended_authorization, name: Extended authorisation, family: payments}
      - {id: adaptive_pricing, name: Adaptive Pricing, family: payments}
      - {id: moto, name: MOTO, family: payments}
      - {id: vault_and_forward, name: Vault and forward, family: payments}
      - {id: ask_capture, name: Ask about capture, family: payments}
    rules:
      - id: base
        when: channels contains web
        recommend: [{product: checkout, because: "Web."}]
      - id: hold
        when: capture_timing contains longer_hold
        recommend: [{product: extended_authorization, because: "Long holds."}]
      - id: currencies
        when: count(priced_currencies) < 2 and currency_strategy == auto_convert
        recommend: [{product: adaptive_pricing, because: "Converts."}]
      - id: moto
        when: phone_payments == moto_agent_entry
        recommend: [{product: moto, because: "Agents key in cards."}]
      - id: routing
        when: multi_processor and (orchestration_goals contains_any [cost, approval_rate] or current_approval_rate_pct < 90)
        recommend: [{product: vault_and_forward, because: "Routing."}]
      - id: unknown-capture
        when: unanswered(capture_timing) and not local_entity_per_market
        recommend: [{product: ask_capture, because: "Capture timing not known yet."}]
    """
)


def test_rules_on_new_ids_see_them_unanswered_on_the_old_version() -> None:
    current = load_questionnaire(CURRENT)
    old = load_questionnaire_text(old_definition_text(), "old/sa_discovery.yaml")
    ruleset = load_ruleset_text(RULES_READING_NEW_IDS, "rules/newids.yaml", current)
    compiled = compile_ruleset(ruleset)
    try:
        answers = {qid: old.coerce(qid, raw) for qid, raw in OLD_ANSWERS.items()}
        result = compiled.evaluate(old.visible_answers(answers), old)
        assert result.errors == []
        assert result.product_ids == ["checkout", "ask_capture"]
        assert result.open_questions == []  # the old version cannot ask the new questions
        # The same answers on the current version: same products, and the new questions
        # that could change them are what to ask next.
        result_now = compiled.evaluate(current.visible_answers(answers), current)
        assert result_now.product_ids == result.product_ids
        asked = {q["id"] for q in result_now.open_questions}
        assert {"capture_timing", "phone_payments", "orchestration_goals"} <= asked
        assert asked <= NEW_IDS
    finally:
        compiled.close()
