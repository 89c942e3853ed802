"""Per-market facts an SA's QA pass found wrong in readouts, checked against DOMAIN.md section 5.

Each test evaluates a realistic discovery with the default ruleset and its data files and checks
what the readout would state (products with their reasons, risks with their reasons, the market
plan's notes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recommender.engine import compile_ruleset, load_ruleset
from recommender.engine.loader import load_questionnaires
from recommender.engine.reference import ReferenceEvaluator
from recommender.questionnaire.model import LIST_TYPES
from tests.bdd.ruleset_steps import split_ids

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run() -> Any:
    questionnaire = load_questionnaires(ROOT / "forms")["sa_discovery"]
    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", questionnaire)
    compiled = compile_ruleset(ruleset)
    reference = ReferenceEvaluator(ruleset)

    def evaluate(**answers: Any) -> dict[str, Any]:
        coerced = {
            k: questionnaire.coerce(
                k, split_ids(v) if questionnaire.questions[k].type in LIST_TYPES else v
            )
            for k, v in answers.items()
        }
        out = compiled.evaluate(coerced, questionnaire).to_dict()
        assert out == reference.evaluate(coerced, questionnaire).to_dict()
        return out

    return evaluate


def products(result: dict[str, Any]) -> dict[str, str]:
    return {p["id"]: " ".join(map(str, p.get("rationale", []))) for p in result["products"]}


def risks(result: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["reason"] for r in result["risks"]}


def plan(result: dict[str, Any], country: str) -> dict[str, dict[str, Any]]:
    market = next(m for m in result["markets"] if m["country"] == country)
    return {m["id"]: m for m in market["methods"]}


EU_MARKETPLACE = {
    "hq_country": "FR",
    "entity_countries": "FR, DE, NL",
    "business_model": "marketplace",
    "customer_type": "consumers",
    "customer_countries": "FR, DE, NL, BE, ES, IT, AT, PL, IE, SE, GB",
    "channels": "web, mobile_app",
    "pricing_models": "one_time",
    "priced_currencies": "EUR, GBP",
    "currency_strategy": "local_prices",
    "avg_transaction_usd": 85,
}


def test_przelewy24_takes_euro_prices(run: Any) -> None:
    """DOMAIN 5a: p24 currencies "PLN, EUR": a euro-priced customer needs no zloty prices for it
    (BLIK, PLN only, still does)."""
    result = run(**EU_MARKETPLACE)
    poland = plan(result, "PL")
    assert "p24" in poland and "currency_note" not in poland["p24"]
    assert "PLN" in poland["blik"]["currency_note"]
    gap = next(r for r in result["risks"] if r["id"] == "local_currency_required")["reason"]
    assert "BLIK" in gap and "Przelewy24" not in gap


def test_przelewy24_names_both_currencies_when_neither_is_priced(run: Any) -> None:
    result = run(**{**EU_MARKETPLACE, "priced_currencies": "GBP"})
    assert plan(result, "PL")["p24"]["currency_note"].startswith(
        "Przelewy24 needs prices in PLN or EUR"
    )


def test_terminal_names_the_store_countries_it_cannot_serve(run: Any) -> None:
    """DOMAIN 5b: BR Terminal "no (not listed)", MX "unconfirmed": with no store country where it
    is confirmed Terminal is left out, and the reason names both (another provider in Brazil,
    Mexico only once Stripe confirms it)."""
    result = run(
        hq_country="BR",
        entity_countries="BR",
        customer_type="consumers",
        customer_countries="BR, MX",
        channels="web, in_person",
        store_count=120,
        store_countries="BR, MX",
        pricing_models="one_time",
    )
    assert "terminal" not in products(result)
    reason = next(x["reason"] for x in result["exclusions"] if x["product"] == "terminal")
    assert "not offered in Brazil" in reason and "not confirmed in Mexico" in reason
    assert "terminal_same_country" not in risks(result)  # no readers to place


def test_terminal_names_the_store_countries_it_cannot_serve_next_to_covered_ones(run: Any) -> None:
    result = run(
        hq_country="US",
        customer_type="consumers",
        customer_countries="US, BR, MX",
        channels="web, in_person",
        store_countries="US, BR, MX",
        pricing_models="one_time",
    )
    reason = products(result)["terminal"]
    assert "not offered in Brazil" in reason and "not confirmed" in reason


def test_terminal_for_stores_only_where_unconfirmed_comes_with_the_check(run: Any) -> None:
    result = run(
        hq_country="MX",
        customer_type="consumers",
        customer_countries="MX",
        channels="web, in_person",
        store_countries="MX",
    )
    assert "check availability" in products(result)["terminal"]


def test_terminal_is_excluded_where_no_store_country_has_it(run: Any) -> None:
    result = run(
        hq_country="BR",
        customer_countries="BR",
        customer_type="consumers",
        channels="web, in_person",
        store_countries="BR",
    )
    assert "terminal" not in products(result)
    assert any(x["product"] == "terminal" for x in result["exclusions"])


def test_local_account_mitigation_does_not_send_upi_to_india(run: Any) -> None:
    """DOMAIN: "Stripe lists only US accounts as able to accept UPI (cross-border to India)":
    opening an Indian entity would not help, and the risk must not say it would."""
    result = run(
        hq_country="JP",
        entity_countries="JP",
        customer_type="consumers",
        customer_countries="JP, SG, AU, IN",
        channels="web, mobile_app",
        pricing_models="fixed_recurring",
        current_payment_methods="cards, konbini, paypay, upi",
    )
    assert "local_account_required" in risks(result)
    risk = next(r for r in result["risks"] if r["id"] == "local_account_required")
    assert "UPI" in risks(result)["local_account_required"]
    assert "US accounts" in risk["mitigation"]


JP_SUBSCRIPTION_APP = {
    "hq_country": "JP",
    "entity_countries": "JP",
    "customer_type": "consumers",
    "customer_countries": "JP, SG, AU, IN",
    "channels": "web, mobile_app",
    "pricing_models": "fixed_recurring",
    "current_payment_methods": "cards, konbini, paypay, upi",
}


def test_card_instalments_are_not_offered_to_a_recurring_only_japanese_business(run: Any) -> None:
    """DOMAIN 5a card_installments: recurring "MX: yes" only; PayPay is refused for the same
    recurring-only pricing, so instalments must be too (for Japanese buyers)."""
    result = run(**JP_SUBSCRIPTION_APP)
    assert "card_installments" not in products(result)
    assert "card_installments" not in plan(result, "JP")
    assert "paypay" not in products(result)


def test_card_instalments_stay_for_one_time_sales_in_japan(run: Any) -> None:
    result = run(**{**JP_SUBSCRIPTION_APP, "pricing_models": "one_time, fixed_recurring"})
    assert "card_installments" in products(result)


def test_card_instalments_stay_for_recurring_only_pricing_in_mexico(run: Any) -> None:
    result = run(
        hq_country="MX",
        entity_countries="MX",
        customer_type="consumers",
        customer_countries="MX",
        channels="web",
        pricing_models="fixed_recurring",
        current_payment_methods="cards, card_installments",
    )
    assert "card_installments" in plan(result, "MX")


def test_no_local_account_is_proposed_for_a_method_the_business_cannot_use(run: Any) -> None:
    """Afterpay is single use: for recurring-only pricing an Australian account would not help, so
    the local-account risk must not propose one; the exclusion says why (like Zip's)."""
    result = run(**{**JP_SUBSCRIPTION_APP, "current_payment_methods": "cards, afterpay_clearpay"})
    assert "Afterpay" not in risks(result).get("local_account_required", "")
    market = next(m for m in result["markets"] if m["country"] == "AU")
    refused = {x["id"]: x["reason"] for x in market["excluded"]}
    assert "recurring only" in refused["afterpay_clearpay"]
