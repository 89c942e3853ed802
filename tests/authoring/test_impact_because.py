"""What the impact preview's "Because of" names: only what differs and matters for the
row: an edited rule, a parameter with its old and new value, a data file only when the facts
computed from it differ for that discovery (a `notes:` text changes none)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recommender.services import authoring

MARKETS = "markets.yaml"
PM = "payment_methods.yaml"
BOLETO_ACCOUNTS = "    account_countries: [BR]\n"

PARAMS = """
params:
  - id: many_countries
    label: Countries that make a seller international
    type: integer
    value: {value}
    min: 1
    max: 50
"""
RULE = """  - id: pix-for-many-countries
    when: count(customer_countries) >= $many_countries
    recommend:
      - product: global_payouts
"""


def _with_param(source: str, value: int) -> str:
    product = "  - id: global_payouts\n    name: Global Payouts\n    family: payments\n"
    source = source.replace("\nproducts:\n", PARAMS.format(value=value) + "\nproducts:\n" + product, 1)
    return source.rstrip("\n") + "\n" + RULE


def _published_with_param(app: Flask, author: Any) -> tuple[str, dict[str, str]]:
    with app.app_context():
        draft = authoring.get_or_create_draft("shop", author)
        source = _with_param(draft.source, 3)
        assert authoring.save_draft("shop", author, source).problems == []
        authoring.publish("shop", author)
        draft = authoring.get_or_create_draft("shop", author)
        return draft.source, dict(draft.data_files)


def test_a_parameter_change_is_named_with_its_values_and_a_notes_edit_is_not_blamed(
    app: Flask, shop: Any, author: Any, author_client: FlaskClient, make_shop_discovery: Callable[..., int]
) -> None:
    two = make_shop_discovery({"hq_country": "US", "customer_countries": ["US", "BR"]}, "Two markets")
    make_shop_discovery({"hq_country": "US", "customer_countries": ["US"]}, "One market")
    source, files = _published_with_param(app, author)
    lowered = source.replace("    value: 3\n", "    value: 2\n")
    assert lowered != source
    noted = dict(files)
    noted[MARKETS] = files[MARKETS].replace("    currency: BRL\n", "    currency: BRL\n    notes: Call first.\n", 1)
    assert noted[MARKETS] != files[MARKETS]
    with app.app_context():
        report = authoring.impact("shop", lowered, data_files=noted)
    assert report.edits.data == [MARKETS] and report.edits.data_inert
    assert report.edits.params == ["many_countries: 3 → 2"]
    assert [(i.id, i.products_added, i.rules) for i in report.items] == [
        (two, ["global_payouts"], ["many_countries: 3 → 2"])
    ]
    # The report page says so in words.
    with app.app_context():
        authoring.save_draft("shop", author, lowered, data_files=noted)
    page = author_client.get("/rulesets/shop/impact").get_data(as_text=True)
    assert "many_countries: 3 → 2" in page
    assert "(no change to outcomes)" in page and "(params changed)" not in page
    assert "two full evaluations" not in page


def test_a_data_file_is_named_only_where_its_computed_facts_differ(
    app: Flask, shop: Any, author: Any, make_shop_discovery: Callable[..., int]
) -> None:
    us = make_shop_discovery({"hq_country": "US", "customer_countries": ["BR"]}, "US seller")
    make_shop_discovery({"hq_country": "BR", "customer_countries": ["BR"]}, "BR seller")
    source, files = _published_with_param(app, author)
    edited = dict(files)
    edited[PM] = files[PM].replace(BOLETO_ACCOUNTS, "    account_countries: [BR, US]\n")
    edited[MARKETS] = files[MARKETS].replace("    currency: BRL\n", "    currency: BRL\n    notes: Call first.\n", 1)
    with app.app_context():
        report = authoring.impact("shop", source.replace("    value: 3\n", "    value: 2\n"), data_files=edited)
    assert not report.edits.data_inert
    # The US seller's Boleto comes from the data (the parameter changes nothing for it).
    assert [(i.id, i.products_added, i.rules) for i in report.items] == [
        (us, ["boleto"], [f"boleto-when-eligible (via {MARKETS}, {PM})"])
    ]
