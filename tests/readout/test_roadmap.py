"""Roadmap scheduling: dependencies and ordering rules respected, effort by dev_capacity,
parallel tracks, phases, and the go-live check with what to cut or parallelise."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.readout.builder_support import (
    MARKETPLACE,
    REPORT_DATE,
    design,
    items,
    plain_readout,
    real_readout,
    result_of,
    weeks_to_months,
)

EPS = 0.011  # months are rounded to 2 decimals

SCENARIOS: dict[str, dict[str, Any]] = {
    "marketplace": MARKETPLACE,
    "saas": {
        "company_name": "Ledgerly",
        "hq_country": "US",
        "business_model": "saas",
        "customer_type": ["businesses"],
        "customer_countries": ["US", "DE", "NL", "GB"],
        "channels": ["web", "invoice"],
        "checkout_control": "hosted_ok",
        "dev_capacity": "small",
        "pricing_models": ["seat", "usage"],
        "payment_terms": "net_terms",
        "sales_led_quotes": True,
        "accrual_accounting": True,
        "annual_revenue_usd": 60_000_000,
        "erp": "netsuite",
        "current_processor": "braintree",
        "saved_cards_count": 30_000,
        "go_live_months": 4,
    },
    "retailer": {
        "company_name": "Northwind",
        "hq_country": "US",
        "business_model": "direct_sales",
        "customer_type": ["consumers"],
        "customer_countries": ["US", "CA"],
        "channels": ["web", "in_person"],
        "store_count": 200,
        "store_countries": ["US", "CA"],
        "dev_capacity": "none",
        "data_warehouse": "bigquery",
        "go_live_months": 3,
    },
}


def all_items(readout: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for p in readout["roadmap"]["phases"] for i in p["items"]]


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> dict[str, Any]:
    return real_readout(SCENARIOS[request.param])


def test_no_item_starts_before_its_dependencies_end(scenario: dict[str, Any]) -> None:
    by_id = items(scenario)
    assert by_id, "the scenario should produce a roadmap"
    for item in by_id.values():
        for dep in item["depends_on"]:
            assert dep in by_id, f"{item['product']} depends on {dep}, which is not planned"
            assert item["start_month"] >= by_id[dep]["end_month"] - 1e-9, (item, by_id[dep])


def test_every_design_product_is_planned_once(scenario: dict[str, Any]) -> None:
    planned = [i["product"] for i in all_items(scenario)]
    grouped = [p["id"] for g in scenario["design"]["groups"] for p in g["products"]]
    assert len(planned) == len(set(planned))
    assert sorted(planned) == sorted(grouped)


def test_items_carry_the_contract_fields(scenario: dict[str, Any]) -> None:
    roadmap = scenario["roadmap"]
    assert roadmap["start_date"] == REPORT_DATE.isoformat()
    for phase in roadmap["phases"]:
        assert set(phase) == {"id", "title", "start_month", "end_month", "items"}
        for item in phase["items"]:
            assert set(item) == {
                "product", "name", "phase", "start_month", "end_month",
                "weeks_low", "weeks_high", "depends_on", "note",
            }  # fmt: skip
            assert item["phase"] == phase["id"]
            assert phase["start_month"] <= item["start_month"] <= item["end_month"]
            assert item["end_month"] <= phase["end_month"]
            assert item["weeks_low"] <= item["weeks_high"]
    assert roadmap["total_months"] == max(i["end_month"] for i in all_items(scenario))


def test_phases_follow_the_data_order() -> None:
    readout = real_readout(MARKETPLACE)
    assert [p["id"] for p in readout["roadmap"]["phases"]] == [
        "foundation",
        "expansion",
        "optimisation",
    ]


def test_tax_starts_after_the_tax_registrations() -> None:
    readout = plain_readout({"dev_capacity": "large"}, result_of("checkout", "tax"))
    tax = items(readout)["tax"]
    task = next(t for t in design()["tasks"] if t["id"] == "tax_registrations")
    assert tax["start_month"] >= weeks_to_months(task["weeks"][1]) - EPS
    assert "Tax registrations" in tax["note"]


def test_billing_comes_before_portal_usage_billing_and_revenue_recognition() -> None:
    readout = plain_readout(
        {"dev_capacity": "small"},
        result_of("customer_portal", "usage_billing", "revenue_recognition", "billing", "checkout"),
    )
    by_id = items(readout)
    for pid in ("customer_portal", "usage_billing", "revenue_recognition"):
        assert "billing" in by_id[pid]["depends_on"]
        assert by_id[pid]["start_month"] >= by_id["billing"]["end_month"] - 1e-9


def test_charge_type_is_decided_before_seller_onboarding() -> None:
    # Merchant of record unanswered: a customer decision comes first, then Connect. The
    # charge type is included in Connect: Connect does not wait for it (that would be
    # circular: "Connect, after: Connect destination charges").
    readout = plain_readout(
        {"dev_capacity": "large", "pays_out_third_parties": True},
        result_of("connect", "connect_destination_charges", "checkout"),
    )
    by_id = items(readout)
    assert by_id["connect"]["depends_on"] == []
    decided = "Charge type and merchant of record decided"
    for pid in ("connect", "connect_destination_charges"):
        assert by_id[pid]["start_month"] > 0
        assert decided in by_id[pid]["note"]
    assert "Sellers are onboarded only once" in by_id["connect"]["note"]


def test_card_import_waits_for_the_tested_integration() -> None:
    readout = plain_readout(
        {"dev_capacity": "small", "current_processor": "adyen"},
        result_of("card_migration", "checkout", "billing", "radar"),
    )
    by_id = items(readout)
    migration = by_id["card_migration"]
    assert set(migration["depends_on"]) == {"checkout", "billing"}
    assert migration["start_month"] >= max(
        by_id["checkout"]["end_month"], by_id["billing"]["end_month"]
    )


def test_async_methods_wait_for_webhook_fulfilment() -> None:
    readout = plain_readout(
        {"dev_capacity": "small"}, result_of("sepa_debit", "ideal", "payment_element")
    )
    by_id = items(readout)
    assert by_id["sepa_debit"]["start_month"] >= by_id["payment_element"]["end_month"]
    assert "webhooks" in by_id["sepa_debit"]["note"]


def test_one_account_per_store_country_only_with_several_store_countries() -> None:
    one = items(plain_readout({"store_countries": ["DE"]}, result_of("terminal")))["terminal"]
    many = items(plain_readout({"store_countries": ["DE", "FR"]}, result_of("terminal")))
    assert one["start_month"] == 0
    assert many["terminal"]["start_month"] > 0
    assert "A Stripe account per store country" in many["terminal"]["note"]


@pytest.mark.parametrize(("capacity", "weeks"), [("small", (2.0, 4.0)), ("large", (1.0, 2.0))])
def test_effort_follows_dev_capacity(capacity: str, weeks: tuple[float, float]) -> None:
    checkout = items(plain_readout({"dev_capacity": capacity}, result_of("checkout")))["checkout"]
    assert (checkout["weeks_low"], checkout["weeks_high"]) == weeks
    # Plans are dated with the high end of each range (scheduling.plan_with: high).
    assert checkout["end_month"] - checkout["start_month"] == pytest.approx(
        weeks_to_months(weeks[1]), abs=EPS
    )


def test_no_dev_capacity_means_an_implementation_partner() -> None:
    readout = plain_readout({"dev_capacity": "none"}, result_of("checkout", "payment_links"))
    checkout = items(readout)["checkout"]
    partner = design()["scheduling"]["partner"]
    assert "implementation partner" in checkout["note"]
    assert checkout["start_month"] >= weeks_to_months(partner["lead_weeks"][1]) - EPS
    # A partner builds with the small-team effort.
    assert (checkout["weeks_low"], checkout["weeks_high"]) == (2.0, 4.0)
    # No-code items need no partner.
    assert items(readout)["payment_links"]["start_month"] == 0


def test_unanswered_dev_capacity_uses_the_default() -> None:
    readout = plain_readout({}, result_of("checkout"))
    default = design()["scheduling"]["default_dev_capacity"]
    expected = design_effort("checkout", default)
    checkout = items(readout)["checkout"]
    assert [checkout["weeks_low"], checkout["weeks_high"]] == expected


def design_effort(pid: str, capacity: str) -> Any:
    return next(p for p in design()["products"] if p["id"] == pid)["effort"][capacity]


@pytest.mark.parametrize("capacity", ["none", "small", "large"])
def test_card_migration_takes_calendar_time_whatever_the_team(capacity: str) -> None:
    readout = plain_readout(
        {"dev_capacity": capacity, "current_processor": "adyen"}, result_of("card_migration")
    )
    item = items(readout)["card_migration"]
    assert (item["weeks_low"], item["weeks_high"]) == (6.0, 12.0)
    assert item["start_month"] == 0  # nothing to wait for, no team track needed


def test_the_team_builds_only_its_parallel_tracks_at_once() -> None:
    pids = ("checkout", "billing", "terminal", "connect", "identity")
    readout = plain_readout({"dev_capacity": "small"}, result_of(*pids))
    tracks = design()["scheduling"]["parallel_tracks"]["small"]
    spans = [
        (i["start_month"], i["end_month"])
        for i in items(readout).values()
        if i["end_month"] > i["start_month"]
    ]
    for start, _ in spans:
        running = [s for s in spans if s[0] <= start + 1e-9 < s[1] - 1e-9]
        assert len(running) <= tracks


def test_local_methods_are_quick_with_dynamic_payment_methods_only() -> None:
    with_surface = items(plain_readout({"dev_capacity": "small"}, result_of("checkout", "ideal")))
    without = items(plain_readout({"dev_capacity": "small"}, result_of("ideal")))
    assert with_surface["ideal"]["weeks_high"] == 0.5
    assert without["ideal"]["weeks_high"] == 2.0


def test_optimisation_starts_after_go_live() -> None:
    readout = plain_readout(
        {"dev_capacity": "large"}, result_of("checkout", "radar", "radar_fraud_teams", "sigma")
    )
    launch = readout["summary"]["go_live"]["plan_months"]
    after = weeks_to_months(design()["scheduling"]["after_launch_weeks"])
    by_id = items(readout)
    assert launch == by_id["checkout"]["end_month"]
    for pid in ("radar_fraud_teams", "sigma"):
        assert by_id[pid]["phase"] == "optimisation"
        assert by_id[pid]["start_month"] >= launch + after - EPS


def test_a_feasible_plan_meets_go_live() -> None:
    readout = plain_readout(
        {"dev_capacity": "large", "go_live_months": 6}, result_of("checkout", "radar")
    )
    assert readout["roadmap"]["meets_go_live"] is True
    assert readout["summary"]["go_live"]["meets"] is True


def test_an_infeasible_go_live_is_flagged_with_what_to_cut_or_parallelise() -> None:
    answers = {**MARKETPLACE, "dev_capacity": "small", "go_live_months": 3}
    readout = real_readout(answers)
    roadmap = readout["roadmap"]
    assert roadmap["meets_go_live"] is False
    assert readout["summary"]["go_live"]["meets"] is False
    assert readout["summary"]["go_live"]["plan_months"] > 3
    advice = " ".join(roadmap["advice"])
    assert "in parallel" in advice  # more tracks
    assert "implementation partner" in advice  # a small team can add one
    assert "Launch without Card data migration" in advice  # moved after launch
    assert "Even so, launch needs" in advice  # 3 months is out of reach even then


def test_advice_months_are_earlier_than_the_plan() -> None:
    answers = {**MARKETPLACE, "dev_capacity": "small", "go_live_months": 5}
    readout = real_readout(answers)
    plan = readout["summary"]["go_live"]["plan_months"]
    months = [
        float(m)
        for a in readout["roadmap"]["advice"]
        for m in re.findall(r"[Ll]aunch in month (\d+(?:\.\d+)?)", a)
    ]
    assert months, readout["roadmap"]["advice"]
    assert all(m < plan for m in months)


def test_no_target_means_no_verdict_and_no_advice() -> None:
    readout = plain_readout({"dev_capacity": "small"}, result_of("checkout"))
    assert readout["roadmap"]["meets_go_live"] is None
    assert readout["roadmap"]["advice"] == []


def test_wider_team_data_changes_the_plan() -> None:
    """Efforts and tracks are data: more parallel tracks shorten a serial plan."""
    pids = ("checkout", "billing", "terminal", "connect")
    data = design()
    narrow = plain_readout({"dev_capacity": "small"}, result_of(*pids), design=data)
    data["scheduling"]["parallel_tracks"]["small"] = 4
    wide = plain_readout({"dev_capacity": "small"}, result_of(*pids), design=data)
    assert wide["roadmap"]["total_months"] < narrow["roadmap"]["total_months"]
