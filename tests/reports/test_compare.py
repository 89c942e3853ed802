"""What changed since the last readout: the comparison of two readouts (plain data), and of
two snapshots of a discovery (default: the latest two)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from recommender.errors import InvalidInput, NotFound
from recommender.services import compare, reports
from tests.reports.conftest import save


def readout(**parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "summary": {"go_live": {"target_date": "2026-09", "plan_date": "2026-07", "meets": True}},
        "design": {
            "groups": [
                {
                    "id": "take_payments",
                    "title": "Take payments",
                    "products": [
                        {"id": "checkout", "name": "Stripe Checkout", "phase": "foundation"},
                        {"id": "terminal", "name": "Stripe Terminal", "phase": "expansion"},
                    ],
                },
                {
                    "id": "risk",
                    "title": "Risk",
                    "products": [{"id": "radar", "name": "Radar", "phase": "foundation"}],
                },
            ]
        },
        "risks": [
            {"id": "sca_3ds", "title": "SCA applies", "severity": "high"},
            {"id": "tax", "title": "Register for tax", "severity": "medium"},
        ],
        "roadmap": {
            "start_date": "2026-03-02",
            "phases": [
                {
                    "id": "foundation",
                    "title": "Foundation",
                    "items": [
                        {
                            "product": "checkout",
                            "name": "Stripe Checkout",
                            "start_month": 0,
                            "end_month": 0.5,
                        },
                        {"product": "radar", "name": "Radar", "start_month": 0.5, "end_month": 1},
                    ],
                },
                {
                    "id": "expansion",
                    "title": "Expansion",
                    "items": [
                        {
                            "product": "terminal",
                            "name": "Stripe Terminal",
                            "start_month": 2,
                            "end_month": 4,
                        }
                    ],
                },
            ],
        },
        "markets": [
            {
                "country": "FR",
                "country_name": "France",
                "methods": [
                    {"id": "cards", "name": "Cards"},
                    {"id": "cartes_bancaires", "name": "Cartes Bancaires"},
                ],
            },
            {
                "country": "NL",
                "country_name": "Netherlands",
                "methods": [{"id": "cards", "name": "Cards"}, {"id": "ideal", "name": "iDEAL"}],
            },
        ],
    }
    base.update(parts)
    return base


def test_identical_readouts_have_no_changes() -> None:
    changes = compare.compare_readouts(readout(), readout())
    for key in ("products", "risks", "roadmap", "markets"):
        assert changes[key] == {"added": [], "removed": [], "changed": []}
    assert changes["go_live"] == []


def test_products_added_removed_and_moved() -> None:
    before = readout()
    after = copy.deepcopy(before)
    take = after["design"]["groups"][0]["products"]
    take[1]["phase"] = "foundation"  # Terminal moves into the foundation
    take.append({"id": "klarna", "name": "Klarna", "phase": "expansion"})
    after["design"]["groups"][1]["products"] = []  # Radar leaves the design
    products = compare.compare_readouts(before, after)["products"]
    assert [p["id"] for p in products["added"]] == ["klarna"]
    assert products["added"][0] == {
        "id": "klarna",
        "name": "Klarna",
        "group": "Take payments",
        "phase": "Expansion",  # the roadmap's title for the phase
    }
    assert [p["id"] for p in products["removed"]] == ["radar"]
    assert products["changed"] == [
        {
            "id": "terminal",
            "name": "Stripe Terminal",
            "changes": [{"field": "phase", "before": "Expansion", "after": "Foundation"}],
        }
    ]


def test_risks_added_removed_and_changed_severity() -> None:
    after = readout(
        risks=[
            {"id": "sca_3ds", "title": "SCA applies", "severity": "medium"},
            {"id": "card_migration", "title": "Card import lead time", "severity": "high"},
        ]
    )
    risks = compare.compare_readouts(readout(), after)["risks"]
    assert [r["id"] for r in risks["added"]] == ["card_migration"]
    assert [r["id"] for r in risks["removed"]] == ["tax"]
    assert risks["changed"][0]["changes"] == [
        {"field": "severity", "before": "high", "after": "medium"}
    ]


def test_roadmap_items_compare_calendar_months_not_month_numbers() -> None:
    before = readout()
    # A month later, the same plan counts from a later start date: nothing moved...
    later = copy.deepcopy(before)
    later["roadmap"]["start_date"] = "2026-04-02"
    for phase in later["roadmap"]["phases"]:
        for item in phase["items"]:
            item["start_month"] = max(0, item["start_month"] - 1)
            item["end_month"] = item["end_month"] - 1
    roadmap = compare.compare_readouts(before, later)["roadmap"]
    moved = {c["id"]: c["changes"] for c in roadmap["changed"]}
    assert "terminal" not in moved  # May–July 2026 both times
    # ...while Checkout really ends later (it can no longer have started in March).
    assert moved["checkout"] == [{"field": "start", "before": "2026-03", "after": "2026-04"}]

    after = copy.deepcopy(before)
    item = after["roadmap"]["phases"][1]["items"].pop()
    item["end_month"] = 6
    after["roadmap"]["phases"][0]["items"].append(item)
    roadmap = compare.compare_readouts(before, after)["roadmap"]
    assert roadmap["changed"] == [
        {
            "id": "terminal",
            "name": "Stripe Terminal",
            "changes": [
                {"field": "phase", "before": "Expansion", "after": "Foundation"},
                {"field": "end", "before": "2026-07", "after": "2026-09"},
            ],
        }
    ]


def test_markets_and_their_methods() -> None:
    after = readout(
        markets=[
            {
                "country": "FR",
                "country_name": "France",
                "methods": [{"id": "cards", "name": "Cards"}],
            },
            {
                "country": "NL",
                "country_name": "Netherlands",
                "methods": [
                    {"id": "cards", "name": "Cards"},
                    {"id": "ideal", "name": "iDEAL"},
                    {"id": "klarna", "name": "Klarna"},
                ],
            },
            {
                "country": "DE",
                "country_name": "Germany",
                "methods": [{"id": "cards", "name": "Cards"}],
            },
        ]
    )
    markets = compare.compare_readouts(readout(), after)["markets"]
    assert markets["added"] == [{"id": "DE", "name": "Germany", "methods": ["Cards"]}]
    assert markets["removed"] == []
    assert markets["changed"] == [
        {
            "id": "FR",
            "name": "France",
            "changes": [
                {"field": "methods removed", "before": ["Cartes Bancaires"], "after": None}
            ],
        },
        {
            "id": "NL",
            "name": "Netherlands",
            "changes": [{"field": "methods added", "before": None, "after": ["Klarna"]}],
        },
    ]


def test_go_live_changes() -> None:
    after = readout(
        summary={"go_live": {"target_date": "2026-09", "plan_date": "2026-11", "meets": False}}
    )
    assert compare.compare_readouts(readout(), after)["go_live"] == [
        {"field": "planned go-live", "before": "2026-07", "after": "2026-11"},
        {"field": "meets the target", "before": True, "after": False},
    ]


def test_missing_sections_compare_as_empty() -> None:
    changes = compare.compare_readouts({}, readout())
    assert len(changes["products"]["added"]) == 3 and changes["markets"]["removed"] == []


# ---------------------------------------------------------------------------- snapshots


@pytest.mark.usefixtures("loaded")
def test_compare_two_snapshots_of_a_discovery(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(
        {"channels": ["web"], "customer_countries": ["NL"], "customer_type": ["consumers"]}
    )
    with app.app_context():
        with pytest.raises(InvalidInput, match="needs two readouts"):
            compare.compare_snapshots(discovery_id)
        first = reports.create_snapshot(discovery_id, sa_user).id
    save(app, discovery_id, "channels", ["web", "in_person"], sa_user)
    save(app, discovery_id, "customer_countries", ["NL", "DE"], sa_user)
    with app.app_context():
        second = reports.create_snapshot(discovery_id, sa_user).id
        latest = compare.compare_snapshots(discovery_id)
        assert (latest.before.id, latest.after.id) == (first, second)
        assert "terminal" in [p["id"] for p in latest.changes["products"]["added"]]
        assert "DE" in [m["id"] for m in latest.changes["markets"]["added"]]
        assert not latest.unchanged
        # Any order: the older one is "before".
        swapped = compare.compare_snapshots(discovery_id, str(second), str(first))
        assert (swapped.before.id, swapped.after.id) == (first, second)
        same = compare.compare_snapshots(discovery_id, first, first)
        assert same.unchanged
        data = latest.to_dict()
        assert data["before"]["id"] == first and data["after"]["id"] == second
        assert set(data) >= {"products", "risks", "roadmap", "markets", "go_live", "unchanged"}


@pytest.mark.usefixtures("loaded")
def test_compare_refuses_snapshots_of_another_discovery(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    one, two = make_discovery({"channels": ["web"]}), make_discovery({"channels": ["web"]})
    with app.app_context():
        mine = reports.create_snapshot(one, sa_user).id
        theirs = reports.create_snapshot(two, sa_user).id
        with pytest.raises(NotFound):
            compare.compare_snapshots(one, mine, theirs)
        with pytest.raises(InvalidInput):
            compare.compare_snapshots(one, "x", mine)
        with pytest.raises(NotFound):
            compare.compare_snapshots(999, mine, mine)
