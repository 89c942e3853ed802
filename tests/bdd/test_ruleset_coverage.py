"""The default ruleset covers the whole domain, and its scenarios cover the whole ruleset.

- every product and risk id of DOMAIN.md (hard-coded below: shared/ is not in CI) is in
  rules/stripe.yaml's catalogue, and the catalogue holds nothing else;
- every product and risk is reachable by at least one rule;
- every product id is asserted recommended (`the products include`) and every risk id
  asserted flagged (`the risk X is flagged`) by some scenario in features/ruleset.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULESET = ROOT / "rules" / "stripe.yaml"
FEATURES = ROOT / "features" / "ruleset"


def _words(text: str) -> list[str]:
    return text.split()


DOMAIN_PRODUCTS = _words(
    """
checkout payment_element payment_links link terminal adaptive_pricing multi_currency_settlement
instant_payouts card_migration vault_and_forward ideal bancontact sepa_debit bacs_debit ach_debit
pix boleto oxxo konbini wechat_pay klarna afterpay_clearpay billing customer_portal usage_billing
invoicing quotes tax revenue_recognition sigma data_pipeline netsuite_connector sap_connector
salesforce_connector connect connect_direct_charges connect_destination_charges
connect_separate_charges_transfers global_payouts identity radar radar_fraud_teams issuing
treasury capital financial_connections atlas climate blik p24 upi paypay affirm zip cashapp
bank_transfers card_installments manual_capture extended_authorization incremental_authorization
moto tap_to_pay card_account_updater connect_tax_reporting managed_payments
"""
)

DOMAIN_RISKS = _words(
    """
pci_saq_d sca_3ds connect_platform_liability connect_no_escrow connect_kyc_ownership
connect_cross_border_payouts tax_registration terminal_same_country sepa_settlement_delay
bacs_mandate_notices ach_return_risk card_migration_double_billing processor_lock_in
boleto_local_entity voucher_expiry konbini_no_recurring wero_migration afterpay_restrictions
async_payment_webhooks usage_billing_choice restricted_business high_dispute_rate
dispute_response_window embedded_finance_gated identity_biometric_consent japan_3ds_mandate
india_rbi_afa_emandate local_account_required local_currency_required bnpl_limits
refund_limitations auth_expiry moto_approval tax_not_applicable reverse_charge_b2b
toms_travel_margin app_store_rules phi_in_stripe data_residency payout_tax_reporting
processor_export_lead_time
"""
)

STEP = re.compile(r"^\s*(?:Given|When|Then|And|But)\s+(?P<text>.+?)\s*$")
INCLUDE = re.compile(r"^the products include (?P<ids>.+)$")
EXCLUDE = re.compile(r"^the products exclude (?P<ids>.+)$")
PRODUCT = re.compile(r"^the product (?P<id>\S+) is (?:not )?excluded$")
FLAGGED = re.compile(r"^the risk (?P<id>\S+) is flagged(?: with severity \S+)?$")
RISK = re.compile(r"^the risk (?P<id>\S+) is (?:not )?flagged(?: with severity \S+)?$")


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _ruleset() -> dict:
    return yaml.safe_load(RULESET.read_text(encoding="utf-8"))


def _then_steps() -> list[tuple[str, int, str]]:
    steps = []
    for path in sorted(FEATURES.glob("*.feature")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = STEP.match(line)
            if m:
                steps.append((path.name, number, m["text"]))
    return steps


def _mentions() -> dict[str, set[str]]:
    """Ids per kind of mention in the scenarios' steps."""
    found: dict[str, set[str]] = {
        "included": set(),
        "products": set(),
        "flagged": set(),
        "risks": set(),
    }
    for _, _, text in _then_steps():
        if m := INCLUDE.match(text):
            found["included"].update(_ids(m["ids"]))
            found["products"].update(_ids(m["ids"]))
        elif m := EXCLUDE.match(text):
            found["products"].update(_ids(m["ids"]))
        elif m := PRODUCT.match(text):
            found["products"].add(m["id"])
        if m := FLAGGED.match(text):
            found["flagged"].add(m["id"])
        if m := RISK.match(text):
            found["risks"].add(m["id"])
    return found


def test_domain_lists_are_complete() -> None:
    assert len(DOMAIN_PRODUCTS) == len(set(DOMAIN_PRODUCTS)) == 65
    assert len(DOMAIN_RISKS) == len(set(DOMAIN_RISKS)) == 41


def test_catalogue_is_the_domain() -> None:
    data = _ruleset()
    products = [p["id"] for p in data["products"]]
    risks = [r["id"] for r in data["risks"]]
    assert sorted(set(DOMAIN_PRODUCTS) - set(products)) == [], "DOMAIN products missing"
    assert sorted(set(products) - set(DOMAIN_PRODUCTS)) == [], "products not in DOMAIN.md"
    assert sorted(set(DOMAIN_RISKS) - set(risks)) == [], "DOMAIN risks missing"
    assert sorted(set(risks) - set(DOMAIN_RISKS)) == [], "risks not in DOMAIN.md"
    for p in data["products"]:
        assert p["docs"].startswith("https://docs.stripe.com/"), p["id"]
        assert p.get("description"), p["id"]


def test_every_product_and_risk_is_reachable_by_a_rule() -> None:
    from recommender.engine import load_ruleset

    data = _ruleset()
    rules = load_ruleset(RULESET).rules  # the rows of decision tables are rules too
    recommended = {e.target for r in rules for e in r.effects_of("recommend")}
    flagged = {e.target for r in rules for e in r.effects_of("flag")}
    assert sorted({p["id"] for p in data["products"]} - recommended) == []
    assert sorted({r["id"] for r in data["risks"]} - flagged) == []


def test_every_product_and_risk_appears_in_a_then_step() -> None:
    data = _ruleset()
    found = _mentions()
    products = {p["id"] for p in data["products"]}
    risks = {r["id"] for r in data["risks"]}
    assert sorted(products - found["products"]) == [], "products no scenario mentions"
    assert sorted(risks - found["risks"]) == [], "risks no scenario mentions"
    # Stronger: each is shown to be produced by some scenario, not only absent.
    assert sorted(products - found["included"]) == [], "products no scenario recommends"
    assert sorted(risks - found["flagged"]) == [], "risks no scenario flags"


def test_steps_name_only_known_ids() -> None:
    data = _ruleset()
    products = {p["id"] for p in data["products"]}
    risks = {r["id"] for r in data["risks"]}
    found = _mentions()
    assert sorted(found["products"] - products) == []
    assert sorted(found["risks"] - risks) == []


@pytest.mark.parametrize("path", sorted(FEATURES.glob("*.feature")), ids=lambda p: p.name)
def test_feature_files_have_scenarios(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("Feature:")
    assert "Scenario:" in text


def test_enough_scenarios() -> None:
    count = sum(
        path.read_text(encoding="utf-8").count("Scenario:") for path in FEATURES.glob("*.feature")
    )
    assert count >= 100  # the eight worked examples plus one per product, risk and exclusion
