"""The live panel's view models and template without the engine (hand-made Result dicts from
conftest). The readout's own rendering is tested in tests/readout; the readout page in
test_readout_views.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Flask, render_template

from recommender.services import reports


def test_risks_are_grouped_by_severity_high_first(result: dict[str, Any]) -> None:
    groups = reports.risk_groups(result)
    assert [(sev, [r["id"] for r in risks]) for sev, risks in groups] == [
        ("high", ["pci_saq_d"]),
        ("medium", ["tax_registration"]),
        ("low", ["wero_migration"]),
    ]
    result["risks"] = [r for r in result["risks"] if r["severity"] != "medium"]
    assert [sev for sev, _ in reports.risk_groups(result)] == ["high", "low"]


def test_ask_next_knows_each_questions_section_and_what_it_could_change(
    result: dict[str, Any], fake_q: Any
) -> None:
    items = reports.ask_next(fake_q, result)
    assert [(i.question_id, i.section_id, i.section_title) for i in items] == [
        ("erp", "systems", "Systems"),
        ("dispute_rate_pct", "systems", "Systems"),
    ]
    assert items[0].hint == "could change 1 product"
    assert items[1].hint == "could change 1 product, 1 risk and the customer segment"
    # No catalogue given: products by id (the panel passes the ruleset's names)
    assert (items[1].adds, items[1].removes) == ("radar fraud teams", "")


def test_error_messages_name_the_rule(result: dict[str, Any]) -> None:
    assert reports.error_messages(result) == ["rule tax: unknown filter"]


def test_panel_fragment_escapes_and_links_questions(
    app: Flask, result: dict[str, Any], fake_q: Any
) -> None:
    panel = reports.Panel(
        discovery=SimpleNamespace(id=5, revision=9),  # type: ignore[arg-type]
        result=result,
        risk_groups=reports.risk_groups(result),
        ask_next=reports.ask_next(fake_q, result),
        snapshot_count=2,
        errors=reports.error_messages(result),
    )
    with app.test_request_context("/discoveries/5/recommendation"):
        from recommender.web.reports import _helpers

        html = render_template("reports/_panel.html", panel=panel, **_helpers())
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'data-products="billing checkout"' in html
    assert "Subscription revenue stack" in html
    # high before medium before low
    assert (
        html.index('data-severity="high"')
        < html.index('data-severity="medium"')
        < html.index('data-severity="low"')
    )
    assert "Tokenise with Checkout." in html
    assert '<details class="rec-fold rec-exclusions" data-remember="exclusions">' in html
    assert 'href="/discoveries/5/sections/systems#q-erp"' in html
    assert "could change 1 product, 1 risk and the customer segment" in html
    assert 'action="/discoveries/5/reports"' in html
    assert "Readouts (2)" in html
    assert "Create readout" in html
    assert "rule tax: unknown filter" in html
