"""One coherent design: one payments surface per channel with the alternative named and the
reason it was not chosen; every product once, grouped by what it does for the customer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.readout.builder_support import (
    MARKETPLACE,
    design,
    items,
    plain_readout,
    real_readout,
    result_of,
)

GROUPS = {
    "take_payments",
    "get_paid_markets",
    "bill_collect",
    "pay_out",
    "finance_reporting",
    "risk",
}


def grouped(readout: dict[str, Any]) -> list[str]:
    return [p["id"] for g in readout["design"]["groups"] for p in g["products"]]


@pytest.fixture(scope="module")
def marketplace() -> dict[str, Any]:
    return real_readout(MARKETPLACE)


def test_one_surface_per_channel(marketplace: dict[str, Any]) -> None:
    surfaces = marketplace["design"]["surfaces"]
    assert [s["channel"] for s in surfaces] == ["web", "mobile_app", "in_person"]
    for s in surfaces:
        assert set(s) == {
            "channel", "channel_label", "product", "name",
            "alternative", "alternative_name", "why_not_alternative",
        }  # fmt: skip
        assert s["product"] in grouped(marketplace)
    assert {s["channel"]: s["product"] for s in surfaces}["in_person"] == "terminal"


def test_every_product_once_in_one_of_the_groups(marketplace: dict[str, Any]) -> None:
    ids = grouped(marketplace)
    assert len(ids) == len(set(ids))
    assert {g["id"] for g in marketplace["design"]["groups"]} <= GROUPS
    recommended = {"connect", "terminal", "netsuite_connector", "card_migration", "radar"}
    assert recommended <= set(ids)


def test_products_carry_phase_and_rationale(marketplace: dict[str, Any]) -> None:
    for group in marketplace["design"]["groups"]:
        assert group["title"]
        for p in group["products"]:
            assert set(p) == {"id", "name", "phase", "rationale"}
            assert p["phase"] in ("foundation", "expansion", "optimisation")
            assert p["rationale"], p


def test_the_alternative_is_named_with_the_reason() -> None:
    readout = plain_readout(
        {"channels": ["web"], "checkout_control": "hosted_ok"}, result_of("checkout")
    )
    (web,) = readout["design"]["surfaces"]
    assert web["product"] == "checkout"
    assert web["alternative"] == "payment_element"
    assert web["alternative_name"] == "Payment Element"
    assert "Checkout" in web["why_not_alternative"]
    assert "fully custom" in web["why_not_alternative"]


def test_a_fully_custom_checkout_picks_the_payment_element_and_drops_checkout() -> None:
    readout = plain_readout(
        {"channels": ["web"], "checkout_control": "fully_custom"},
        result_of("checkout", "payment_element", "link", "radar"),
    )
    (web,) = readout["design"]["surfaces"]
    assert web["product"] == "payment_element"
    assert web["alternative"] == "checkout"
    assert "fully custom" in web["why_not_alternative"]
    assert "checkout" not in grouped(readout)
    assert "checkout" not in items(readout)
    assert "checkout" not in {n["id"] for n in readout["architecture"]["nodes"]}


def test_a_surface_used_by_another_channel_stays() -> None:
    readout = plain_readout(
        {"channels": ["web", "mobile_app"], "checkout_control": "embedded"},
        result_of("checkout", "payment_element"),
    )
    surfaces = {s["channel"]: s["product"] for s in readout["design"]["surfaces"]}
    assert surfaces == {"web": "checkout", "mobile_app": "payment_element"}
    assert {"checkout", "payment_element"} <= set(grouped(readout))


def test_a_complement_stays_in_the_design_and_is_not_named_as_alternative() -> None:
    readout = plain_readout(
        {"channels": ["in_person"], "store_count": 200}, result_of("terminal", "tap_to_pay")
    )
    (stores,) = readout["design"]["surfaces"]
    assert stores["product"] == "terminal"
    assert stores["alternative"] is None
    assert "tap_to_pay" in grouped(readout)


def test_few_stores_choose_tap_to_pay_and_name_terminal() -> None:
    readout = plain_readout(
        {"channels": ["in_person"], "store_count": 2}, result_of("terminal", "tap_to_pay")
    )
    (stores,) = readout["design"]["surfaces"]
    assert stores["product"] == "tap_to_pay"
    assert stores["alternative"] == "terminal"
    assert "2 locations" in stores["why_not_alternative"]
    assert "terminal" not in grouped(readout)


def test_phone_orders_prefer_pay_by_link_unless_agents_key_in_cards() -> None:
    link = plain_readout(
        {"channels": ["phone"], "phone_payments": "pay_by_link"}, result_of("payment_links", "moto")
    )
    keyed = plain_readout(
        {"channels": ["phone"], "phone_payments": "moto_agent_entry"},
        result_of("payment_links", "moto"),
    )
    assert link["design"]["surfaces"][0]["product"] == "payment_links"
    assert keyed["design"]["surfaces"][0]["product"] == "moto"
    assert "PCI" in keyed["design"]["surfaces"][0]["why_not_alternative"]


def test_channels_without_a_recommended_surface_are_left_out() -> None:
    readout = plain_readout({"channels": ["web", "phone"]}, result_of("checkout"))
    assert [s["channel"] for s in readout["design"]["surfaces"]] == ["web"]


def test_a_product_the_design_file_does_not_know_uses_the_fallback() -> None:
    data = design()
    data["products"] = [p for p in data["products"] if p["id"] != "climate"]
    readout = plain_readout({}, result_of("checkout", "climate"), design=data)
    fallback = data["fallback"]
    group = next(g for g in readout["design"]["groups"] if g["id"] == fallback["group"])
    climate = next(p for p in group["products"] if p["id"] == "climate")
    assert climate["phase"] == fallback["phase"]
    assert items(readout)["climate"]["phase"] == fallback["phase"]
