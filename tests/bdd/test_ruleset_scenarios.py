"""Runs the scenarios in features/ruleset/*.feature against rules/stripe.yaml.

No database and no Flask app: the ruleset and the sa_discovery questionnaire are loaded from
their files and compiled once per test session. The step vocabulary lives in
tests/bdd/ruleset_steps.py (loaded by path: tests/ is not a package).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import recommender_tests_ruleset_steps as steps  # noqa: E402 (registered by conftest.py)
from pytest_bdd import scenarios

from recommender.engine import compile_ruleset, load_ruleset
from recommender.engine.datafiles import is_data_text
from recommender.questionnaire import load_questionnaire

steps.install_steps()

# Files named after another ruleset (prequalification.feature) belong to that ruleset and
# run in their own module; every other file belongs to the default ruleset. Data files in
# rules/ (payment_methods.yaml, markets.yaml, ...) are not rulesets: payment_methods.feature
# is the default ruleset's (the same rule as recommender.services.authoring.seed_scenarios).
OTHER_RULESETS = {
    p.stem
    for p in (steps.ROOT / "rules").glob("*.yaml")
    if not is_data_text(p.read_text(encoding="utf-8"))
} - {"stripe"}


def _owned_by_another(stem: str) -> bool:
    return any(stem == other or stem.startswith(f"{other}_") for other in OTHER_RULESETS)


scenarios(
    *[
        f"ruleset/{path.name}"
        for path in sorted(steps.FEATURES_DIR.glob("*.feature"))
        if not _owned_by_another(path.stem)
    ]
)


@pytest.fixture(scope="session")
def sa_questionnaire() -> Any:
    return load_questionnaire(steps.QUESTIONNAIRE_PATH)


@pytest.fixture(scope="session")
def stripe_ruleset(sa_questionnaire: Any) -> Any:
    return load_ruleset(steps.RULESET_PATH, sa_questionnaire)


@pytest.fixture(scope="session")
def stripe_catalogue(stripe_ruleset: Any) -> Any:
    return steps.Catalogue.of(stripe_ruleset)


@pytest.fixture(scope="session")
def compiled_stripe(stripe_ruleset: Any) -> Any:
    return compile_ruleset(stripe_ruleset)


# The worked examples of DOMAIN.md section 4: what each docs/examples file must produce.
WORKED_EXAMPLES = {
    "b2b_saas.json": (
        [
            "checkout",
            "billing",
            "usage_billing",
            "customer_portal",
            "tax",
            "revenue_recognition",
            "sepa_debit",
            "ach_debit",
            "netsuite_connector",
            "radar",
        ],
        ["tax_registration", "sca_3ds", "sepa_settlement_delay", "usage_billing_choice"],
    ),
    "marketplace.json": (
        ["connect", "connect_destination_charges", "identity", "radar"],
        ["connect_platform_liability", "connect_cross_border_payouts", "connect_kyc_ownership"],
    ),
    "omnichannel_retailer.json": (
        ["terminal", "checkout", "radar", "sigma"],
        ["terminal_same_country"],
    ),
    "dtc_benelux.json": (
        ["checkout", "ideal", "bancontact", "klarna", "tax", "radar"],
        ["wero_migration", "tax_registration", "sca_3ds"],
    ),
    "us_latam_ecommerce.json": (
        ["checkout", "adaptive_pricing", "pix", "oxxo", "radar"],
        ["local_currency_required", "boleto_local_entity", "voucher_expiry", "async_payment_webhooks"],
    ),
    "japan_subscriptions.json": (
        ["checkout", "billing", "konbini", "paypay", "card_installments", "radar"],
        ["japan_3ds_mandate", "konbini_no_recurring", "refund_limitations"],
    ),
    "hotel_group.json": (
        ["terminal", "manual_capture", "extended_authorization", "incremental_authorization", "moto"],
        ["auth_expiry", "moto_approval", "terminal_same_country", "sca_3ds"],
    ),
    "us_marketplace_global_sellers.json": (
        ["connect", "connect_separate_charges_transfers", "connect_tax_reporting", "identity", "radar"],
        ["payout_tax_reporting", "connect_platform_liability", "connect_no_escrow"],
    ),
    # Further realistic customers (docs/default-ruleset.md, "Example customers").
    "eu_fashion_d2c.json": (
        ["checkout", "ideal", "bancontact", "blik", "p24", "klarna", "tax", "radar"],
        ["sca_3ds", "tax_registration", "local_currency_required", "wero_migration"],
    ),
    "india_edtech.json": (
        ["checkout", "billing", "upi", "card_migration", "card_account_updater", "radar"],
        ["india_rbi_afa_emandate", "refund_limitations", "app_store_rules", "card_migration_double_billing"],
    ),
    "uk_subscription_box.json": (
        ["checkout", "billing", "customer_portal", "bacs_debit", "sepa_debit", "card_migration", "card_account_updater"],
        ["sca_3ds", "bacs_mandate_notices", "card_migration_double_billing", "processor_export_lead_time"],
    ),
    "au_outdoor_retail.json": (
        ["checkout", "terminal", "tap_to_pay", "afterpay_clearpay", "klarna", "zip", "radar"],
        ["afterpay_restrictions", "bnpl_limits", "terminal_same_country"],
    ),
}

# Products that would be obviously unrelated to each worked example.
UNRELATED = {
    "b2b_saas.json": ["terminal", "connect", "klarna", "ideal", "issuing", "atlas"],
    "marketplace.json": ["terminal", "billing", "usage_billing", "issuing", "treasury"],
    "omnichannel_retailer.json": ["connect", "billing", "klarna", "issuing", "sepa_debit"],
    "dtc_benelux.json": ["terminal", "connect", "billing", "sepa_debit", "ach_debit"],
    "us_latam_ecommerce.json": ["boleto", "card_installments", "konbini", "terminal", "connect"],
    "japan_subscriptions.json": ["adaptive_pricing", "tax", "boleto", "sepa_debit", "connect"],
    "hotel_group.json": ["payment_links", "tap_to_pay", "sepa_debit", "bacs_debit", "ach_debit", "connect"],
    "us_marketplace_global_sellers.json": [
        "connect_direct_charges",
        "connect_destination_charges",
        "global_payouts",
        "terminal",
        "billing",
    ],
    "eu_fashion_d2c.json": ["sepa_debit", "afterpay_clearpay", "cashapp", "adaptive_pricing", "billing"],
    "india_edtech.json": ["data_pipeline", "afterpay_clearpay", "affirm", "terminal", "connect"],
    "uk_subscription_box.json": ["afterpay_clearpay", "klarna", "ach_debit", "terminal", "connect"],
    "au_outdoor_retail.json": ["affirm", "cashapp", "billing", "sepa_debit", "connect"],
}


@pytest.mark.parametrize("filename", sorted(WORKED_EXAMPLES))
def test_worked_example_answer_files(
    filename: str, sa_questionnaire: Any, compiled_stripe: Any
) -> None:
    """docs/examples/*.json (for `recommender evaluate --answers`) give the DOMAIN results."""
    path = steps.ROOT / "docs" / "examples" / filename
    raw = json.loads(path.read_text(encoding="utf-8"))
    answers = {qid: sa_questionnaire.coerce(qid, value) for qid, value in raw.items()}
    assert answers == raw, "example files hold typed values already"
    result = steps.evaluate(compiled_stripe, sa_questionnaire, answers)
    products, risks = WORKED_EXAMPLES[filename]
    got_products = steps.product_ids(result)
    got_risks = steps.risks_by_id(result)
    missing = [p for p in products if p not in got_products]
    assert not missing, f"{filename}: missing products {missing}{steps.describe(result)}"
    missing_risks = [r for r in risks if r not in got_risks]
    assert not missing_risks, f"{filename}: missing risks {missing_risks}{steps.describe(result)}"
    unrelated = [p for p in UNRELATED[filename] if p in got_products]
    assert not unrelated, f"{filename}: unrelated products {unrelated}{steps.describe(result)}"
