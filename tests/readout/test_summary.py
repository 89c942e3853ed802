"""Executive summary: customer sentence, solution paragraph, top risks, first actions, the
go-live date against the target, and the key questions a sparse discovery still misses."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.readout.builder_support import (
    MARKETPLACE,
    REPORT_DATE,
    plain_readout,
    questionnaire,
    real_readout,
    result_of,
)

RISKS = [
    {"id": "low_one", "title": "Low", "severity": "low", "reason": "r", "mitigation": "m1"},
    {"id": "high_one", "title": "High", "severity": "high", "reason": "r", "mitigation": "m2"},
    {
        "id": "medium_one",
        "title": "Medium",
        "severity": "medium",
        "reason": "r",
        "mitigation": "m3",
    },
    {"id": "high_two", "title": "High 2", "severity": "high", "reason": "r", "mitigation": "m4"},
]


@pytest.fixture(scope="module")
def marketplace() -> dict[str, Any]:
    return real_readout(MARKETPLACE)


def test_go_live_target_date_comes_from_go_live_months_and_the_report_date() -> None:
    readout = plain_readout(
        {"go_live_months": 6, "dev_capacity": "large"},
        result_of("checkout"),
        report_date=date(2026, 10, 31),
    )
    go_live = readout["summary"]["go_live"]
    assert go_live["target_months"] == 6
    assert go_live["target_date"] == "2027-04"
    assert go_live["plan_date"] == "2026-11"  # two weeks of Checkout work
    assert go_live["meets"] is True
    assert "April 2027" in go_live["message"]


def test_a_missed_go_live_says_so() -> None:
    readout = plain_readout(
        {"go_live_months": 1, "dev_capacity": "small"}, result_of("connect", "checkout")
    )
    go_live = readout["summary"]["go_live"]
    assert go_live["meets"] is False
    assert go_live["plan_months"] > 1
    assert "the target is 1 months" in go_live["message"]


def test_without_a_target_the_plan_is_still_dated() -> None:
    readout = plain_readout({"dev_capacity": "large"}, result_of("checkout"))
    go_live = readout["summary"]["go_live"]
    assert go_live["target_months"] is None and go_live["target_date"] is None
    assert go_live["meets"] is None
    assert go_live["plan_date"] == "2026-03"
    assert "No launch date was given" in go_live["message"]


def test_a_sparse_discovery_lists_the_key_questions_it_misses() -> None:
    answers = {"company_name": "Tiny Co", "channels": ["web"]}
    readout = plain_readout(answers, result_of("checkout"), questionnaire=questionnaire())
    missing = {m["id"]: m["label"] for m in readout["summary"]["missing"]}
    for qid in ("customer_countries", "dev_capacity", "checkout_control", "erp", "go_live_months"):
        assert qid in missing
    assert "channels" not in missing
    # Questions hidden by the questionnaire are not asked for.
    assert "store_count" not in missing
    assert "saved_cards_count" not in missing
    # Labels come from the questionnaire.
    assert missing["customer_countries"] == questionnaire().questions["customer_countries"].label


def test_missing_follows_the_answers_without_a_questionnaire() -> None:
    answers = {"channels": ["in_person"], "current_processor": "adyen"}
    missing = [m["id"] for m in plain_readout(answers, result_of("terminal"))["summary"]["missing"]]
    assert "store_count" in missing
    assert "saved_cards_count" in missing
    assert "checkout_control" not in missing  # no web or app channel


def test_a_complete_discovery_misses_nothing(marketplace: dict[str, Any]) -> None:
    assert marketplace["summary"]["missing"] == []


def test_top_risks_are_the_three_most_severe() -> None:
    readout = plain_readout({}, result_of("checkout", risks=RISKS))
    top = readout["summary"]["top_risks"]
    assert [r["id"] for r in top] == ["high_one", "high_two", "medium_one"]
    assert set(top[0]) == {"id", "title", "severity", "mitigation"}
    assert [r["id"] for r in readout["risks"]] == ["high_one", "high_two", "medium_one", "low_one"]
    assert set(readout["risks"][0]) == {"id", "title", "severity", "reason", "mitigation"}


def test_first_actions_are_three_with_owners(marketplace: dict[str, Any]) -> None:
    actions = marketplace["summary"]["first_actions"]
    assert len(actions) == 3
    assert all(a["owner"] in ("customer", "stripe", "partner") for a in actions)
    text = " ".join(a["action"] for a in actions)
    assert "tax registrations" in text
    assert "Adyen" in text


def test_first_actions_fill_up_with_general_steps() -> None:
    actions = plain_readout({"dev_capacity": "small"}, result_of("checkout"))["summary"][
        "first_actions"
    ]
    assert len(actions) == 3
    assert actions[0]["owner"] == "stripe" and "sandbox" in actions[0]["action"]


def test_the_customer_sentence(marketplace: dict[str, Any]) -> None:
    sentence = marketplace["summary"]["customer"]
    assert sentence.startswith("Maison Pop SAS: enterprise marketplace")
    assert "headquartered in France" in sentence
    assert "consumers in France, Germany" in sentence
    assert "200 stores" in sentence


def test_the_solution_paragraph_names_surfaces_systems_and_the_migration(
    marketplace: dict[str, Any],
) -> None:
    paragraph = marketplace["summary"]["solution"]
    assert "Stripe Terminal in the 200 stores" in paragraph
    assert "Stripe Connect" in paragraph
    assert "NetSuite (ERP), Salesforce (CRM) and Snowflake (data warehouse)" in paragraph
    assert "2,000,000 saved cards from Adyen" in paragraph


def test_an_empty_result_still_gives_a_readout() -> None:
    readout = plain_readout({}, result_of())
    assert readout["summary"]["solution"].startswith("No products are recommended yet")
    assert readout["summary"]["customer"].startswith("The customer")
    assert readout["roadmap"]["phases"] == []
    assert readout["summary"]["go_live"]["plan_months"] == 0
    assert readout["migration"] is None
    assert len(readout["summary"]["first_actions"]) == 3


def test_meta_and_notes() -> None:
    notes = [{"section_id": "timeline", "section_title": "Timeline", "text": "Adyen ends in Q3."}]
    readout = plain_readout(
        {"company_name": "Acme"}, result_of("checkout"), notes=notes, company="Acme Ltd"
    )
    assert readout["meta"] == {
        "company": "Acme Ltd",
        "report_date": REPORT_DATE.isoformat(),
        "ruleset": {"name": "stripe", "version": 1},
        "generated_by": "recommender",
    }
    assert readout["notes"] == notes


def test_internal_derived_facts_are_never_shown_as_answers(marketplace: dict[str, Any]) -> None:
    shown = {a["id"] for a in marketplace["appendix"]["answers"]}
    assert "is_platform" not in shown and "segment" not in shown
    assert {"company_name", "erp", "saved_cards_count"} <= shown
    derived = [{"fact": "is_platform", "value": True, "reason": "r", "rules": []}]
    plain = plain_readout({"erp": "netsuite", "is_platform": True}, result_of(derived=derived))
    assert [a["id"] for a in plain["appendix"]["answers"]] == ["erp"]
    assert plain["appendix"]["answers"][0]["value"] == "NetSuite"


def test_appendix_shows_answers_as_people_read_them(marketplace: dict[str, Any]) -> None:
    rows = {a["id"]: a for a in marketplace["appendix"]["answers"]}
    assert rows["saved_cards_count"]["value"] == "2,000,000"
    assert rows["erp"]["value"] == "NetSuite"
    assert rows["erp"]["label"] == questionnaire().questions["erp"].label


def test_a_shortened_market_list_names_the_home_market_first() -> None:
    from datetime import date

    from recommender.readout.context import Context
    from recommender.readout.data import Design, load_design

    ctx = Context(
        answers={
            "hq_country": "US",
            "customer_countries": ["BR", "CA", "DE", "JP", "MX", "NL", "US"],
        },
        result={"products": [], "risks": []},
        design=Design(load_design()),
        report_date=date(2026, 11, 30),
    )
    assert ctx.values()["customer_countries"].startswith("United States, ")
