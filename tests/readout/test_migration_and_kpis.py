"""Migration and cut-over plan (only with a current processor) and KPIs with the baselines the
answers give."""

from __future__ import annotations

import pytest

from tests.readout.builder_support import MARKETPLACE, items, plain_readout, real_readout, result_of

RECURRING = [{"fact": "recurring_billing", "value": True}]


@pytest.mark.parametrize("answers", [{}, {"current_processor": "none"}])
def test_no_current_processor_no_migration(answers: dict) -> None:
    assert plain_readout(answers, result_of("checkout"))["migration"] is None


def test_migration_plan_with_a_current_processor() -> None:
    answers = {
        "current_processor": "braintree",
        "saved_cards_count": 30_000,
        "dev_capacity": "small",
    }
    readout = plain_readout(
        answers, result_of("checkout", "billing", "card_migration", derived=RECURRING)
    )
    migration = readout["migration"]
    assert migration["processor"] == "braintree"
    assert migration["processor_label"] == "Braintree"
    assert migration["saved_cards"] == 30_000
    assert migration["lead_time_weeks"] == [4.0, 8.0]
    steps = {s["title"]: s for s in migration["steps"]}
    build = steps["Build and test the Stripe integration"]
    request = steps["Request the card-data import"]
    parallel = steps["Run both processors in parallel"]
    switch_off = steps["Switch Braintree off"]
    plan = items(readout)
    # The integration's end comes from the roadmap.
    assert build["end_month"] == max(plan["checkout"]["end_month"], plan["billing"]["end_month"])
    assert request["start_month"] == build["end_month"]
    assert parallel["start_month"] > request["end_month"]
    assert switch_off["start_month"] >= parallel["end_month"]
    assert "Move the subscriptions" in steps  # billing is in the design
    assert "cancel each subscription on Braintree" in steps["Move the subscriptions"]["detail"]
    checks = " ".join(migration["checks"])
    assert "30,000 requested" in checks
    assert "duplicate charges" in checks


def test_without_saved_cards_only_the_subscriptions_move() -> None:
    readout = plain_readout(
        {"current_processor": "paypal"}, result_of("checkout", "billing", derived=RECURRING)
    )
    titles = [s["title"] for s in readout["migration"]["steps"]]
    assert "Request the card-data import" not in titles
    assert "Move the subscriptions" in titles
    assert titles[0] == "Build and test the Stripe integration"
    assert "Switch PayPal off" in titles
    assert not any("requested vs imported" in c for c in readout["migration"]["checks"])


def test_nothing_to_migrate_no_migration_section() -> None:
    """A current processor with no saved cards to import and no subscriptions: no migration
    plan (nothing to export, import or run in parallel for a billing cycle); the summary says
    payments switch over once the integration is tested."""
    readout = plain_readout({"current_processor": "paypal"}, result_of("checkout"))
    assert readout["migration"] is None
    solution = readout["summary"]["solution"]
    assert "no saved cards or subscriptions need to move" in solution
    assert "existing customers" not in solution


def test_one_time_sales_have_no_billing_cycle_or_subscription_steps() -> None:
    """Saved cards move, but nothing is billed in cycles: no subscription step or check, and
    the parallel run is not counted in billing cycles."""
    answers = {"current_processor": "adyen", "saved_cards_count": 50_000}
    migration = plain_readout(answers, result_of("checkout", "billing", "card_migration"))[
        "migration"
    ]
    titles = [s["title"] for s in migration["steps"]]
    assert "Move the subscriptions" not in titles
    assert "Run both processors in parallel" in titles
    assert not any("billing cycle" in s["detail"] for s in migration["steps"])
    assert not any("subscription" in c for c in migration["checks"])


def test_marketplace_migration_from_adyen() -> None:
    migration = real_readout(MARKETPLACE)["migration"]
    assert migration["processor_label"] == "Adyen"
    assert migration["saved_cards"] == 2_000_000
    assert any("91.5%" in c for c in migration["checks"])
    for step in migration["steps"]:
        assert set(step) == {"title", "detail", "start_month", "end_month"}
        assert step["start_month"] <= step["end_month"]


def test_kpi_baselines_come_from_the_answers() -> None:
    answers = {
        "current_approval_rate_pct": 91.5,
        "current_processing_cost_pct": 2.4,
        "dispute_rate_pct": 0.4,
    }
    kpis = {k["id"]: k for k in plain_readout(answers, result_of("checkout", "radar"))["kpis"]}
    assert kpis["authorisation_rate"]["baseline"] == "91.5% today"
    assert kpis["effective_processing_cost"]["baseline"] == "2.4% of volume today"
    assert kpis["dispute_rate"]["baseline"] == "0.4% today"
    assert kpis["checkout_conversion"]["baseline"] is None


def test_kpis_without_answers_have_no_baseline_and_only_relevant_ones_show() -> None:
    kpis = {k["id"]: k for k in plain_readout({}, result_of("checkout", "radar"))["kpis"]}
    assert kpis["authorisation_rate"]["baseline"] is None
    assert kpis["dispute_rate"]["moved_by"] == ["radar"]
    assert kpis["checkout_conversion"]["moved_by"] == ["checkout"]
    # Nothing in this design moves them.
    for absent in ("recovered_revenue", "dso", "time_to_close", "seller_onboarding"):
        assert absent not in kpis


def test_kpis_moved_by_lists_only_products_of_the_design() -> None:
    readout = real_readout(MARKETPLACE)
    products = {p["id"] for g in readout["design"]["groups"] for p in g["products"]}
    kpis = {k["id"]: k for k in readout["kpis"]}
    assert kpis["authorisation_rate"]["baseline"] == "91.5% today"
    assert "seller_onboarding" in kpis and "time_to_close" in kpis
    for kpi in readout["kpis"]:
        assert set(kpi) == {"id", "name", "definition", "baseline", "moved_by", "moved_by_text"}
        assert set(kpi["moved_by"]) <= products


def test_a_kpi_no_product_moves_says_what_does() -> None:
    """Effective processing cost is always tracked; when no product of the design moves it,
    'Moved by' says what does instead of staying empty."""
    kpis = {k["id"]: k for k in plain_readout({}, result_of("checkout"))["kpis"]}
    cost = kpis["effective_processing_cost"]
    assert cost["moved_by"] == [] and cost["moved_by_text"]


def test_card_kpis_need_card_payments() -> None:
    kpis = {k["id"] for k in plain_readout({}, result_of("bank_transfers"))["kpis"]}
    assert "authorisation_rate" not in kpis and "dispute_rate" not in kpis
    assert "effective_processing_cost" in kpis
