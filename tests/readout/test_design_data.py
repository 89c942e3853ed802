"""rules/solution_design.yaml: it covers the whole catalogue and passes its checks; the checks
(schema, then semantics) report what an author gets wrong, with a path into the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from recommender.errors import DefinitionError
from recommender.readout import DESIGN_PATH, check_design, design_problems, load_design
from tests.readout.builder_support import design

ROOT = Path(__file__).resolve().parents[2]

# DOMAIN.md section 2: the 48 original product ids plus the 17 added.
DOMAIN_PRODUCTS = [
    "checkout",
    "payment_element",
    "payment_links",
    "link",
    "terminal",
    "adaptive_pricing",
    "multi_currency_settlement",
    "instant_payouts",
    "card_migration",
    "vault_and_forward",
    "ideal",
    "bancontact",
    "sepa_debit",
    "bacs_debit",
    "ach_debit",
    "pix",
    "boleto",
    "oxxo",
    "konbini",
    "wechat_pay",
    "klarna",
    "afterpay_clearpay",
    "billing",
    "customer_portal",
    "usage_billing",
    "invoicing",
    "quotes",
    "tax",
    "revenue_recognition",
    "sigma",
    "data_pipeline",
    "netsuite_connector",
    "sap_connector",
    "salesforce_connector",
    "connect",
    "connect_direct_charges",
    "connect_destination_charges",
    "connect_separate_charges_transfers",
    "global_payouts",
    "identity",
    "radar",
    "radar_fraud_teams",
    "issuing",
    "treasury",
    "capital",
    "financial_connections",
    "atlas",
    "climate",
    "blik",
    "p24",
    "upi",
    "paypay",
    "affirm",
    "zip",
    "cashapp",
    "bank_transfers",
    "card_installments",
    "manual_capture",
    "extended_authorization",
    "incremental_authorization",
    "moto",
    "tap_to_pay",
    "card_account_updater",
    "connect_tax_reporting",
    "managed_payments",
]


def product(data: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in data["products"] if p["id"] == pid)


def test_the_design_covers_all_65_domain_products_once() -> None:
    ids = [p["id"] for p in design()["products"]]
    assert len(DOMAIN_PRODUCTS) == 65
    assert sorted(ids) == sorted(DOMAIN_PRODUCTS)


def test_the_shipped_file_passes_its_checks_against_the_catalogue() -> None:
    catalogue = [
        p["id"] for p in yaml.safe_load((ROOT / "rules" / "stripe.yaml").read_text())["products"]
    ]
    assert check_design(design(), catalogue) == []
    assert check_design(design(), DOMAIN_PRODUCTS) == []


def test_every_product_is_in_one_of_the_six_customer_facing_groups() -> None:
    data = design()
    assert [g["id"] for g in data["groups"]] == [
        "take_payments", "get_paid_markets", "bill_collect", "pay_out", "finance_reporting", "risk",
    ]  # fmt: skip
    groups = {g["id"] for g in data["groups"]}
    assert all(p["group"] in groups for p in data["products"])


def test_domain_facts_are_encoded() -> None:
    data = design()
    migration = product(data, "card_migration")
    assert migration["elapsed"] is True
    assert {tuple(v) for v in migration["effort"].values()} == {(6, 12)}
    assert product(data, "checkout")["effort"] == {
        "none": "partner",
        "small": [2, 4],
        "large": [1, 2],
    }
    assert product(data, "customer_portal")["depends_on"] == ["billing"]
    assert product(data, "revenue_recognition")["phase"] == "optimisation"
    rules = {r["id"]: r for r in data["ordering"]}
    assert rules["tax_registrations_first"]["then"] == ["tax"]
    assert rules["integration_before_card_import"]["then"] == ["card_migration"]
    assert {s["channel"] for s in data["surfaces"]} == {
        "web", "mobile_app", "in_person", "invoice", "no_code", "phone",
    }  # fmt: skip
    baselines = {k["baseline"]["answer"] for k in data["kpis"] if "baseline" in k}
    assert baselines == {
        "current_approval_rate_pct",
        "current_processing_cost_pct",
        "dispute_rate_pct",
    }


def test_load_design_reads_the_shipped_file() -> None:
    data = load_design()
    assert data["kind"] == "solution_design" and data["version"] == 1
    assert DESIGN_PATH.name == "solution_design.yaml"


def broken(change: Any) -> list[str]:
    data = design()
    change(data)
    return check_design(data, DOMAIN_PRODUCTS)


def test_unknown_product_ids_are_problems() -> None:
    def change(d: dict[str, Any]) -> None:
        product(d, "link")["depends_on"] = ["chekout"]
        d["kpis"][0]["moved_by"].append("radr")
        d["flows"][0]["to"] = "nowhere"
        d["surfaces"][0]["choices"][0]["product"] = "payment_elemnt"

    problems = broken(change)
    assert any(
        p.startswith("products/3/depends_on/0: unknown product 'chekout'") and "checkout" in p
        for p in problems
    )
    assert any("unknown product 'radr'" in p and p.startswith("kpis/0/moved_by") for p in problems)
    assert any(p.startswith("flows/0/to: unknown system or product 'nowhere'") for p in problems)
    assert any("unknown product 'payment_elemnt'" in p for p in problems)


def test_products_outside_the_catalogue_and_missing_ones_are_problems() -> None:
    catalogue = [p for p in DOMAIN_PRODUCTS if p != "zip"] + ["new_thing"]
    problems = check_design(design(), catalogue)
    assert any("unknown product 'zip'" in p for p in problems)
    assert "products: catalogue product 'new_thing' has no entry here" in problems


def test_unknown_groups_phases_tasks_and_steps_are_problems() -> None:
    def change(d: dict[str, Any]) -> None:
        product(d, "tax")["group"] = "finance"
        product(d, "tax")["phase"] = "launch"
        d["ordering"][0]["after"] = ["tax_registration"]
        d["migration"]["steps"][2]["after"] = ["bild"]

    problems = broken(change)
    assert any("unknown group 'finance'" in p for p in problems)
    assert any("unknown phase 'launch'" in p for p in problems)
    assert any(
        "unknown product or task 'tax_registration'" in p and "tax_registrations" in p
        for p in problems
    )
    assert any("'bild' is not a step defined above this one" in p for p in problems)


def test_bad_conditions_and_ranges_are_problems() -> None:
    def change(d: dict[str, Any]) -> None:
        d["next_steps"][0]["when"] = "products contains"
        d["systems"][0]["when"] = "products contains tex"
        d["tasks"][0]["weeks"] = [6, 2]

    problems = broken(change)
    assert any(p.startswith("next_steps/0/when: condition:") for p in problems)
    assert any(p.startswith("systems/0/when: unknown product 'tex'") for p in problems)
    assert "tasks/0/weeks: low end 6 is above the high end 2" in problems


def test_duplicates_and_cycles_are_problems() -> None:
    def change(d: dict[str, Any]) -> None:
        d["kpis"].append(dict(d["kpis"][0]))
        product(d, "checkout")["depends_on"] = ["link"]  # link depends on checkout

    problems = broken(change)
    assert any("duplicate id 'authorisation_rate'" in p for p in problems)
    assert any("dependency cycle" in p and "checkout" in p and "link" in p for p in problems)


def test_the_schema_checks_the_shape_first() -> None:
    data = design()
    product(data, "checkout")["effort"]["small"] = "lots"
    data["surprise"] = True
    problems = design_problems(data, DOMAIN_PRODUCTS)
    assert problems and all(p.message for p in problems)
    paths = {p.path for p in problems}
    assert () in paths  # additional property at the top
    assert any(p[:1] == ("products",) and p[-2:] == ("effort", "small") for p in paths)


def test_load_design_reports_file_positions(tmp_path: Path) -> None:
    text = DESIGN_PATH.read_text(encoding="utf-8").replace(
        "depends_on: [checkout, payment_element]\n", "depends_on: [checkout, nonsense]\n", 1
    )
    path = tmp_path / "solution_design.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_design(path, DOMAIN_PRODUCTS)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "nonsense" in row)
    assert f"{path}:{line}:" in str(exc.value)
    assert "unknown product 'nonsense'" in str(exc.value)


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "solution_design.yaml"
    path.write_text("kind: solution_design\nversion: 1\na: &x 1\nb: *x\n", encoding="utf-8")
    with pytest.raises(DefinitionError):
        load_design(path)
