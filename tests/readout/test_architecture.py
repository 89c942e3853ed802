"""Architecture graph: the customer's own systems (and only those) with the recommended Stripe
products, joined by labelled, directed data flows from the design data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.readout.builder_support import MARKETPLACE, plain_readout, real_readout, result_of


def graph(readout: dict[str, Any]) -> tuple[dict[str, dict], list[dict]]:
    arch = readout["architecture"]
    return {n["id"]: n for n in arch["nodes"]}, arch["edges"]


def edge(edges: list[dict], source: str, target: str) -> dict:
    found = [e for e in edges if e["source"] == source and e["target"] == target]
    assert found, f"no edge {source} -> {target} in {[(e['source'], e['target']) for e in edges]}"
    return found[0]


@pytest.fixture(scope="module")
def marketplace() -> dict[str, Any]:
    return real_readout(MARKETPLACE)


def test_the_customers_systems_appear_by_vendor(marketplace: dict[str, Any]) -> None:
    nodes, _ = graph(marketplace)
    assert nodes["erp"]["label"] == "NetSuite (ERP)"
    assert nodes["crm"]["label"] == "Salesforce (CRM)"
    assert nodes["data_warehouse"]["label"] == "Snowflake (data warehouse)"
    assert nodes["current_processor"]["label"] == "Adyen (current processor)"
    assert nodes["pos"]["label"] == "Stores and POS (200 locations)"
    assert nodes["sellers"]["label"] == "Sellers and payees (4,000)"
    for nid in ("erp", "crm", "data_warehouse", "web_store", "mobile_app", "pos"):
        assert nodes[nid]["kind"] == "customer"
    assert nodes["current_processor"]["kind"] == "third_party"
    assert nodes["sellers"]["kind"] == "third_party"


def test_netsuite_salesforce_and_snowflake_flows_have_labels_and_directions(
    marketplace: dict[str, Any],
) -> None:
    nodes, edges = graph(marketplace)
    to_netsuite = edge(edges, "netsuite_connector", "erp")
    assert "payouts as deposits" in to_netsuite["label"]
    assert "Connector for NetSuite" in to_netsuite["through"]
    assert "NetSuite IDs" in edge(edges, "erp", "netsuite_connector")["label"]
    assert "Apex" in edge(edges, "crm", "salesforce_connector")["label"]
    assert "Salesforce records" in edge(edges, "salesforce_connector", "crm")["label"]
    share = edge(edges, "data_pipeline", "data_warehouse")
    assert "every 3 h" in share["label"]
    assert share["through"] == "Data Pipeline"
    cards = edge(edges, "current_processor", "card_migration")
    assert "2,000,000" in cards["label"]
    assert nodes["netsuite_connector"]["kind"] == "stripe"


def test_platforms_get_sellers_with_onboarding_and_payouts(marketplace: dict[str, Any]) -> None:
    _, edges = graph(marketplace)
    assert "onboarding" in edge(edges, "sellers", "connect")["label"]
    payouts = edge(edges, "connect", "sellers")
    assert "payouts" in payouts["label"]
    assert "separate charges and transfers" in payouts["through"]


def test_the_chosen_surface_of_each_channel_is_wired(marketplace: dict[str, Any]) -> None:
    _, edges = graph(marketplace)
    surfaces = {s["channel"]: s["product"] for s in marketplace["design"]["surfaces"]}
    edge(edges, "web_store", surfaces["web"])
    edge(edges, "mobile_app", surfaces["mobile_app"])
    edge(edges, "pos", surfaces["in_person"])


def test_every_edge_joins_two_nodes_and_nodes_are_unique(marketplace: dict[str, Any]) -> None:
    arch = marketplace["architecture"]
    ids = [n["id"] for n in arch["nodes"]]
    assert len(ids) == len(set(ids))
    for e in arch["edges"]:
        assert set(e) == {"source", "target", "label", "through"}
        assert e["source"] in ids and e["target"] in ids
        assert e["label"] and e["through"]
    for n in arch["nodes"]:
        assert set(n) == {"id", "label", "kind", "group"}
        assert n["kind"] in ("customer", "stripe", "third_party")


def test_stripe_nodes_are_products_of_the_design(marketplace: dict[str, Any]) -> None:
    nodes, _ = graph(marketplace)
    products = {p["id"] for g in marketplace["design"]["groups"] for p in g["products"]}
    for nid, node in nodes.items():
        if node["kind"] == "stripe" and nid != "stripe":
            assert nid in products


def test_absent_systems_are_absent() -> None:
    answers = {"channels": ["web"], "erp": "none", "current_processor": "none"}
    readout = plain_readout(answers, result_of("checkout", "radar"))
    nodes, edges = graph(readout)
    for nid in (
        "erp",
        "crm",
        "data_warehouse",
        "current_processor",
        "sellers",
        "pos",
        "mobile_app",
    ):
        assert nid not in nodes
    assert set(nodes) == {"web_store", "bank", "stripe", "checkout"}
    edge(edges, "web_store", "checkout")
    edge(edges, "stripe", "bank")


def test_a_connector_edge_needs_the_connector_in_the_design() -> None:
    readout = plain_readout({"erp": "netsuite"}, result_of("checkout"))
    nodes, edges = graph(readout)
    assert "netsuite_connector" not in nodes
    fallback = edge(edges, "stripe", "erp")
    assert "reconciliation" in fallback["through"]


@pytest.mark.parametrize(
    ("erp", "label"), [("oracle", "Oracle (ERP)"), ("dynamics", "Microsoft Dynamics (ERP)")]
)
def test_other_erps_get_settlement_data_without_a_connector(erp: str, label: str) -> None:
    readout = plain_readout({"erp": erp}, result_of("checkout", "data_pipeline"))
    nodes, edges = graph(readout)
    assert nodes["erp"]["label"] == label
    assert edge(edges, "stripe", "erp")["label"] == "settlement and fee data"


def test_bigquery_is_reached_through_cloud_storage() -> None:
    readout = plain_readout({"data_warehouse": "bigquery"}, result_of("data_pipeline"))
    _, edges = graph(readout)
    assert "Parquet" in edge(edges, "data_pipeline", "data_warehouse")["label"]


def test_sap_flows_both_ways() -> None:
    readout = plain_readout({"erp": "sap"}, result_of("sap_connector"))
    _, edges = graph(readout)
    assert edge(edges, "erp", "sap_connector")["label"] == "payment requests"
    assert "settlement" in edge(edges, "sap_connector", "erp")["label"]


def test_hubspot_gets_status_through_webhooks() -> None:
    readout = plain_readout({"crm": "hubspot"}, result_of("checkout"))
    nodes, edges = graph(readout)
    assert nodes["crm"]["label"] == "HubSpot (CRM)"
    assert "webhooks" in edge(edges, "stripe", "crm")["through"]
