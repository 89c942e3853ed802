"""The issue's example end to end with the real ruleset: a European marketplace with 200 pop-up
stores, NetSuite, Salesforce, Snowflake, 2 million saved cards from Adyen, 6 months to launch.
Also checks the readout contract's shape, which the renderers are built against."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.readout.builder_support import MARKETPLACE, evaluated, items, real_readout

TOP_LEVEL = {
    "meta", "summary", "design", "architecture", "roadmap", "migration",
    "markets", "kpis", "risks", "notes", "appendix",
}  # fmt: skip
NOTES = [
    {
        "section_id": "payments_today",
        "section_title": "Payments today",
        "text": "Adyen contract ends in Q3.",
    }
]


@pytest.fixture(scope="module")
def readout() -> dict[str, Any]:
    return real_readout(MARKETPLACE, notes=NOTES)


def test_the_contract_shape(readout: dict[str, Any]) -> None:
    assert set(readout) == TOP_LEVEL
    assert json.loads(json.dumps(readout)) == readout  # JSON-serialisable as is
    assert set(readout["summary"]) == {
        "customer", "solution", "top_risks", "first_actions", "go_live", "missing",
    }  # fmt: skip
    assert set(readout["summary"]["go_live"]) == {
        "target_months", "target_date", "plan_months", "plan_date", "meets", "message",
        "cut_over_months", "cut_over_date",
    }  # fmt: skip
    assert set(readout["design"]) == {"surfaces", "groups", "records"}
    assert set(readout["architecture"]) == {"nodes", "edges"}
    assert set(readout["roadmap"]) == {
        "start_date", "phases", "total_months", "meets_go_live", "advice",
    }  # fmt: skip
    assert set(readout["migration"]) == {
        "processor", "processor_label", "saved_cards", "steps", "checks", "lead_time_weeks",
    }  # fmt: skip
    assert set(readout["appendix"]) == {"answers", "open_questions", "trace"}
    assert readout["notes"] == NOTES


def test_a_sensible_design(readout: dict[str, Any]) -> None:
    products = [p["id"] for g in readout["design"]["groups"] for p in g["products"]]
    assert len(products) == len(set(products))
    for pid in ("connect", "terminal", "netsuite_connector", "card_migration", "radar", "tax"):
        assert pid in products
    surfaces = {s["channel"]: s["product"] for s in readout["design"]["surfaces"]}
    assert set(surfaces) == {"web", "mobile_app", "in_person"}
    assert surfaces["in_person"] == "terminal"
    # No online surface is left in the design without a channel that uses it.
    online = {"checkout", "payment_element", "payment_links"}
    assert online & set(products) <= set(surfaces.values())


def test_a_dated_roadmap_that_meets_six_months_with_a_large_team(readout: dict[str, Any]) -> None:
    roadmap = readout["roadmap"]
    assert [p["id"] for p in roadmap["phases"]][0] == "foundation"
    plan = items(readout)
    assert plan["card_migration"]["start_month"] >= plan["connect"]["end_month"]
    assert plan["tax"]["start_month"] > 0
    go_live = readout["summary"]["go_live"]
    assert go_live["target_months"] == 6 and go_live["target_date"] == "2026-09"
    assert go_live["meets"] is True and roadmap["meets_go_live"] is True
    assert go_live["plan_months"] <= 6


def test_a_small_team_misses_six_months_and_is_told_what_to_do() -> None:
    readout = real_readout({**MARKETPLACE, "dev_capacity": "small"})
    assert readout["summary"]["go_live"]["meets"] is False
    advice = readout["roadmap"]["advice"]
    assert any(a.startswith("Launch without Card data migration") for a in advice)
    assert any("in parallel" in a for a in advice)


def test_the_architecture_has_their_systems(readout: dict[str, Any]) -> None:
    labels = {n["label"] for n in readout["architecture"]["nodes"]}
    for label in (
        "NetSuite (ERP)",
        "Salesforce (CRM)",
        "Snowflake (data warehouse)",
        "Adyen (current processor)",
    ):
        assert label in labels
    assert any(n["id"] == "sellers" for n in readout["architecture"]["nodes"])


def test_summary_migration_kpis_and_risks(readout: dict[str, Any]) -> None:
    summary = readout["summary"]
    assert summary["customer"].startswith("Maison Pop SAS")
    # Every high risk (at least three risks): none is dropped for lack of room.
    high = [r["id"] for r in readout["risks"] if r["severity"] == "high"]
    assert [r["id"] for r in summary["top_risks"]][: len(high)] == high
    assert len(summary["top_risks"]) == max(3, len(high))
    assert [a["owner"] for a in summary["first_actions"]] == ["customer", "customer", "stripe"]
    assert readout["migration"]["processor_label"] == "Adyen"
    assert readout["migration"]["saved_cards"] == 2_000_000
    assert {k["id"] for k in readout["kpis"]} >= {
        "authorisation_rate",
        "dispute_rate",
        "seller_onboarding",
    }
    severities = [r["severity"] for r in readout["risks"]]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)


def test_markets_and_trace_pass_through() -> None:
    answers, result = evaluated(MARKETPLACE)
    readout = real_readout(MARKETPLACE)
    # The engine's plans, with only note sentences about products outside the design left out.
    engine = result.get("markets", [])
    assert [m["country"] for m in readout["markets"]] == [m["country"] for m in engine]
    for ours, theirs in zip(readout["markets"], engine, strict=True):
        assert {k: v for k, v in ours.items() if k != "notes"} == {
            k: v for k, v in theirs.items() if k != "notes"
        }
        assert all(sentence in theirs["notes"] for sentence in ours["notes"].split(". "))
    assert readout["appendix"]["trace"] == result["trace"]
    assert readout["meta"]["ruleset"] == {
        "name": result["ruleset"]["name"],
        "version": result["ruleset"]["version"],
    }


def test_the_ruleset_carries_the_design_it_was_published_with() -> None:
    """The ruleset names solution_design.yaml under data:, so a readout can use its version."""
    from tests.readout.builder_support import design, ruleset

    assert ruleset().data["solution_design"] == design()
    readout = real_readout(MARKETPLACE, design=ruleset().data["solution_design"])
    assert readout["summary"]["go_live"]["meets"] is True
