"""Rendering of results without the engine: Markdown, view models, and the HTML templates
(hand-made Result dicts from conftest)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from flask import Flask, render_template

from recommender.models import ReportSnapshot
from recommender.services import reports


def _report(result: dict[str, Any], q: Any, answers: dict[str, Any]) -> reports.Report:
    snapshot = ReportSnapshot(
        id=7,
        discovery_id=1,
        ruleset_name="stripe",
        ruleset_version=3,
        questionnaire_version_id=1,
        answers=answers,
        result=result,
        created_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
    )
    return reports.Report(
        snapshot=snapshot,
        discovery=SimpleNamespace(id=1, account=SimpleNamespace(name="Acme <GmbH>")),  # type: ignore[arg-type]
        account_name="Acme <GmbH>",
        company_name="Acme GmbH",
        created_by="Sam SA",
        result=result,
        answer_sections=reports.answer_sections(q, answers),
        product_answers={
            p["id"]: [reports._answer_line(q, k, v) for k, v in p["answers"].items()]
            for p in result["products"]
        },
        risk_groups=reports.risk_groups(result),
        open_questions=reports.ask_next(q, result),
        errors=reports.error_messages(result),
    )


ANSWERS = {
    "company_name": "Acme GmbH",
    "customer_countries": ["DE", "NL"],
    "channels": ["web"],
    "pricing_models": ["seat", "usage"],
    "annual_volume_usd": 1200000,
}


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
    assert items[1].hint == "could change 1 product and 1 risk"


def test_answers_are_shown_with_labels_option_labels_and_country_names(fake_q: Any) -> None:
    sections = reports.answer_sections(fake_q, ANSWERS)
    shown = {(s.title, a.label): a.value for s in sections for a in s.answers}
    assert shown[("Company", "Where are the buyers?")] == "Germany, Netherlands"
    assert shown[("Selling", "Sales channels")] == "Website"
    assert shown[("Selling", "Pricing")] == "Per seat, Usage-based"
    assert shown[("Selling", "Annual volume")] == "$1,200,000"
    assert [s.title for s in sections] == ["Company", "Selling"]  # no empty "Systems"


def test_error_messages_name_the_rule(result: dict[str, Any]) -> None:
    assert reports.error_messages(result) == ["rule tax: unknown filter"]


def test_md_escape_neutralises_markup() -> None:
    escaped = reports.md_escape("<b>x</b> [a](http://e) *y* _z_ # |t| `c`")
    assert escaped == r"\<b\>x\</b\> \[a\](http://e) \*y\* \_z\_ \# \|t\| \`c\`"
    assert reports.md_escape("two\nlines\n# heading") == r"two lines \# heading"


def test_markdown_report(result: dict[str, Any], fake_q: Any) -> None:
    md = reports.render_markdown(_report(result, fake_q, ANSWERS))
    assert md.startswith("# Stripe recommendation for Acme GmbH\n")
    assert "- Account: Acme \\<GmbH\\>" in md
    assert "- Date: 2026-11-24 09:30 UTC" in md
    assert "- Ruleset: stripe v3" in md
    assert "- **Subscription revenue stack**: Stripe Billing, Stripe Checkout" in md
    assert "### Stripe Billing" in md
    assert "- Based on: Pricing: Per seat, Usage-based; Segment: mid market; Recurring: Yes" in md
    assert "Where are the buyers?: Germany, Netherlands" in md
    # severity order and mitigation
    high, medium, low = (md.index(t) for t in ("High: Raw card", "Medium: Register", "Low: iDEAL"))
    assert high < medium < low
    assert "  - Mitigation: Tokenise with Checkout." in md
    assert "## Excluded products" in md and "**Klarna**: Sells only to businesses." in md
    assert "- Which ERP? (Systems)" in md
    assert "rule tax: unknown filter" in md
    # rule-author and customer text cannot inject markup or links
    assert "<script>" not in md and "[click](" not in md and "**bold**" not in md
    assert "\\<script\\>" in md
    # only http(s) documentation links are emitted
    assert "<https://docs.stripe.com/billing>" in md
    assert "javascript:" not in md


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
    assert '<details class="rec-exclusions">' in html  # collapsed
    assert 'href="/discoveries/5/sections/systems#q-erp"' in html
    assert "could change 1 product and 1 risk" in html
    assert 'action="/discoveries/5/reports"' in html
    assert "Reports (2)" in html
    assert "rule tax: unknown filter" in html


def test_report_page_template(app: Flask, result: dict[str, Any], fake_q: Any) -> None:
    rep = _report(result, fake_q, ANSWERS)
    with app.test_request_context("/reports/7"):
        from recommender.web.reports import _helpers

        html = render_template("reports/report.html", rep=rep, **_helpers())
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Acme &lt;GmbH&gt;" in html
    assert "stripe v3" in html and "2026-11-24 09:30 UTC" in html
    assert 'href="https://docs.stripe.com/billing"' in html
    assert "javascript:alert" not in html
    assert "Germany, Netherlands" in html and "Per seat, Usage-based" in html
    assert '<details class="rec-exclusions" open>' in html
    assert "Rule trace (2 rules)" in html and "billing-for-recurring" in html
    assert "css/report.css" in html
