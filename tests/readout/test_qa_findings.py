"""The SA's QA pass over four readouts (tests/readout/qa_discoveries.py): a EU marketplace
moving cards from Adyen, a US B2B SaaS with usage billing, a Brazilian retailer with stores
and nothing to migrate, a Japanese streaming app. Each test pins one finding."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from recommender.readout.render import render_html, render_pdf
from recommender.readout.render.fmt import month_date
from recommender.readout.render.svg import roadmap_svg
from tests.readout.builder_support import items, real_readout
from tests.readout.qa_discoveries import MARCHE, METERLY, SAKURA, VAREJO
from tests.readout.test_render_pdf import pdftotext

REPORT_DATE = date(2026, 11, 30)


@lru_cache(maxsize=8)
def _readout(name: str) -> dict[str, Any]:
    answers = {"marche": MARCHE, "meterly": METERLY, "varejo": VAREJO, "sakura": SAKURA}[name]
    return real_readout(answers, report_date=REPORT_DATE)


def readout(name: str) -> dict[str, Any]:
    import copy

    return copy.deepcopy(_readout(name))


def month(readout: dict[str, Any], months: float) -> str:
    found = month_date(readout["roadmap"]["start_date"], months)
    assert found is not None
    return found.strftime("%Y-%m")


# -- 11: a migration plan only when something moves ------------------------------------------
def test_nothing_to_migrate_means_no_migration_plan_and_no_old_processor_box() -> None:
    r = readout("varejo")  # 'other' processor, 0 saved cards, one-time sales
    assert r["migration"] is None
    assert "Keep charging existing customers" not in r["summary"]["solution"]
    assert "no saved cards or subscriptions need to move" in r["summary"]["solution"]
    assert "current_processor" not in {n["id"] for n in r["architecture"]["nodes"]}
    html = render_html(r)
    assert 'id="s-migration"' not in html and "Migration and cut-over" not in html


def test_a_marketplace_without_subscriptions_has_no_subscription_steps() -> None:
    migration = readout("marche")["migration"]
    assert migration is not None and migration["saved_cards"] == 3_000_000
    text = " ".join(s["title"] + " " + s["detail"] for s in migration["steps"])
    assert "Move the subscriptions" not in text and "billing cycle" not in text
    assert not any("subscription" in c for c in migration["checks"])


# -- 10: fraud tooling at launch when the dispute rate is already high --------------------------
def test_fraud_tooling_is_foundation_when_the_dispute_rate_is_already_high() -> None:
    r = readout("varejo")  # 0.8% disputes: a HIGH risk, and the baseline exists
    assert "high_dispute_rate" in {x["id"] for x in r["risks"]}
    teams = items(r)["radar_fraud_teams"]
    assert teams["phase"] == "foundation"
    assert "A dispute baseline" not in teams["note"] and "0.8%" in teams["note"]
    design = {p["id"]: p for g in r["design"]["groups"] for p in g["products"]}
    assert design["radar_fraud_teams"]["phase"] == "foundation"
    assert teams["end_month"] <= r["summary"]["go_live"]["plan_months"]


# -- 16: one set of dates ----------------------------------------------------------------------
def test_the_cut_over_date_is_said_where_go_live_is() -> None:
    for name in ("marche", "sakura"):
        r = readout(name)
        go_live = r["summary"]["go_live"]
        switch_off = max(s["end_month"] for s in r["migration"]["steps"])
        assert go_live["cut_over_date"] == month(r, switch_off)
        if go_live["cut_over_date"] > go_live["plan_date"]:
            assert "switched off in" in go_live["message"]
        # The card-migration bar ends when the migrated cards are usable (the Map step).
        steps = {s["title"]: s for s in r["migration"]["steps"]}
        mapped = steps["Map old IDs to Stripe IDs"]["end_month"]
        assert abs(items(r)["card_migration"]["end_month"] - mapped) < 0.01


def _columns(svg: str) -> list[tuple[float, str]]:
    """(x, label) of each month column of the timeline."""
    found = re.findall(r'<text x="([\d.]+)" y="37.0"[^>]*>([A-Z][a-z]{2})</text>', svg)
    return [(float(x) - 3, label) for x, label in found]


def _bars(svg: str) -> dict[str, tuple[float, float]]:
    return {
        pid: (float(x), float(x) + float(w))
        for pid, x, w in re.findall(
            r'data-product="([a-z_]+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg
        )
    }


def test_gantt_columns_are_the_calendar_months_the_table_names() -> None:
    for name in ("marche", "sakura", "varejo"):
        r = readout(name)
        svg = roadmap_svg(r)
        columns = _columns(svg)
        assert columns[0][1] == "Nov"  # the report date's month (30 Nov 2026)
        bars = _bars(svg)
        for pid, item in items(r).items():
            if pid not in bars or item["end_month"] - item["start_month"] < 0.3:
                continue
            start, end = bars[pid]
            # The column a bar starts in is labelled with the month the table gives it.
            left = [label for x, label in columns if x <= start + 0.01][-1]
            want = month_date(r["roadmap"]["start_date"], item["start_month"])
            assert want is not None and left == want.strftime("%b"), (name, pid)
            want = month_date(r["roadmap"]["start_date"], item["end_month"])
            assert want is not None
            if want.day > 1:  # ending on the 1st: the bar stops on the column's left edge
                right = [label for x, label in columns if x < end - 0.01][-1]
                assert right == want.strftime("%b"), (name, pid)


def test_a_phase_within_one_month_is_dated_once() -> None:
    html = render_html(readout("sakura"))
    assert not re.search(r"· (\w{3} \d{4}) – \1<", html)


def test_connect_does_not_wait_for_the_charge_type_it_includes() -> None:
    connect = items(readout("marche"))["connect"]
    assert not any(d.startswith("connect_") for d in connect["depends_on"])


# -- 19, 20, 22, 23: presentation ---------------------------------------------------------------
def _markets_table(html: str) -> str:
    return html[html.index('id="s-markets"') : html.index('id="s-kpis"')]


def test_in_person_is_shown_only_for_a_customer_with_stores() -> None:
    for name in ("marche", "meterly"):
        table = _markets_table(render_html(readout(name)))
        assert "In person" not in table, name
    assert "In person" in _markets_table(render_html(readout("varejo")))


def test_market_notes_about_products_not_in_the_design_are_left_out() -> None:
    r = readout("marche")  # no bank transfers in the design
    assert "bank_transfers" not in {p["id"] for g in r["design"]["groups"] for p in g["products"]}
    spain = next(m for m in r["markets"] if m["country"] == "ES")
    assert "IBAN" not in spain["notes"]
    assert "IBAN" not in _markets_table(render_html(r))


def test_a_currency_note_shared_by_methods_is_said_once() -> None:
    table = _markets_table(render_html(readout("marche")))
    poland = table[table.index("Poland") : table.index("Sweden")]
    assert poland.count("which the customer does not price in") == 1
    assert re.search(r"BLIK(, [\w ()]+)* and Klarna need prices in PLN", poland)


def test_no_billing_first_boilerplate_in_roadmap_notes() -> None:
    for name in ("meterly", "sakura"):
        notes = " ".join(i["note"] for i in items(readout(name)).values())
        assert "Billing comes first" not in notes, name


def test_empty_call_notes_are_left_out() -> None:
    html = render_html(readout("marche"))
    assert "Call notes" not in html and "No call notes" not in html


def test_every_kpi_says_what_moves_it() -> None:
    for name in ("marche", "meterly", "varejo", "sakura"):
        for kpi in readout(name)["kpis"]:
            assert kpi["moved_by"] or kpi["moved_by_text"], (name, kpi["id"])


# -- 23: the printable page prints no internals; 17: no nearly blank page ---------------------
def test_printing_the_sas_page_leaves_the_rule_trace_out(tmp_path: Path) -> None:
    """The SA's printable page shows the trace on screen; printed (print media, as WeasyPrint
    and a browser's print lay it out) it is not there."""
    import weasyprint

    html = render_html(readout("varejo"))
    assert "Rule trace" in html  # on screen, for the SA
    printed = weasyprint.HTML(string=html).write_pdf()
    assert isinstance(printed, bytes)
    text = pdftotext(printed, tmp_path)
    assert "Rule trace" not in text and "Appendix" in text


@pytest.mark.slow
def test_no_page_of_the_pdf_is_nearly_blank(tmp_path: Path) -> None:
    """A section does not start a new page when the one before spills a few lines over (the
    summary's last action alone on page 2)."""
    text = pdftotext(render_pdf(readout("marche"), shared=True), tmp_path)
    for number, page in enumerate(text.split("\f")[:-2], start=1):
        words = len(page.split())
        assert words > 60, f"page {number} has {words} words"


# -- 12, 13: usage billing has a metering source; one issuer of invoices; quotes owned ---------
def _flows(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["source"], e["target"], e["label"]) for e in r["architecture"]["edges"]]


def test_usage_billing_has_a_metering_flow() -> None:
    r = readout("meterly")
    assert any(
        target == "usage_billing" and "usage events" in label for _, target, label in _flows(r)
    )
    labels = {n["id"]: n["label"] for n in r["architecture"]["nodes"]}
    assert "metering" in labels["usage_source"]


def test_one_system_issues_invoices_and_the_readout_says_which() -> None:
    r = readout("meterly")
    assert not any("payment link" in label for _, _, label in _flows(r))
    records = {x["what"]: x["text"] for x in r["design"]["records"]}
    assert "Stripe issues" in records["Invoices"] and "NetSuite" in records["Invoices"]
    assert "Salesforce" in records["Quotes"]
    assert "Systems of record" in render_html(r)


# -- 18: diagram --------------------------------------------------------------------------------
def test_diagram_labels_are_wrapped_not_cut() -> None:
    from recommender.readout.render.svg import architecture_source

    for name in ("marche", "meterly"):
        assert "…" not in architecture_source(readout(name)), name


def test_third_parties_stay_right_even_without_a_flow() -> None:
    from recommender.readout.render.svg import architecture_svg

    r = readout("varejo")
    r["architecture"]["nodes"].append(
        {"id": "old", "label": "Old processor", "kind": "third_party", "group": "processor"}
    )
    svg = architecture_svg(r)

    def cluster_x(title: str) -> float:
        at = svg.index(f">{title}</text>")
        return float(re.findall(r'<text[^>]* x="([\d.-]+)"', svg[: at + 1])[-1])

    assert cluster_x("Third parties") > cluster_x("Stripe") > cluster_x("Varejo Sol Ltda systems")


# -- 21: wording from the design data -----------------------------------------------------------
def test_wording_fits_the_customer() -> None:
    meterly = readout("meterly")
    labels = {n["id"]: n["label"] for n in meterly["architecture"]["nodes"]}
    assert labels["web_store"] == "Web app"
    assert not any("each order" in label for _, _, label in _flows(meterly))
    marche = readout("marche")
    tax_forms = [label for _, target, label in _flows(marche) if "tax forms" in label]
    assert tax_forms and "1099" not in tax_forms[0] and "DAC7" in tax_forms[0]
    html = render_html(readout("sakura"))
    assert "cancel each the" not in html and ">the old processor<" not in html


# -- 24: the one-pager carries what it promises -------------------------------------------------
def test_summary_top_risks_keep_every_high_risk() -> None:
    r = readout("sakura")
    high = [x["id"] for x in r["risks"] if x["severity"] == "high"]
    assert len(high) > 3
    assert [x["id"] for x in r["summary"]["top_risks"]] == high


@pytest.mark.slow
def test_one_pager_carries_the_advice_and_the_high_risks(tmp_path: Path) -> None:
    from recommender.readout.render.pdf import one_pager_document

    r = readout("sakura")  # misses its 4-month target
    assert r["summary"]["go_live"]["meets"] is False and r["roadmap"]["advice"]
    # What brings go-live forward comes first; what follows launch anyway comes last.
    assert not r["roadmap"]["advice"][0].startswith("After go-live")
    pdf, limits = one_pager_document(r)
    text = " ".join(pdftotext(pdf, tmp_path).split())
    assert "TO BRING GO-LIVE FORWARD" in text.upper()
    assert " ".join(r["roadmap"]["advice"][0].split())[:60] in text
    shown = min(limits["risks"], len(r["summary"]["top_risks"]))
    for risk in r["summary"]["top_risks"][:shown]:
        assert " ".join(risk["title"].split())[:40] in text
    assert shown >= 4


# -- 8: an app whose digital sales the app stores take does not "link out to Checkout" ---------
def test_in_app_digital_goods_outside_link_out_storefronts_are_paid_through_the_stores() -> None:
    r = readout("sakura")  # JP, SG, AU, IN buyers; digital goods in the iOS and Android apps
    rows = {s["channel"]: s for s in r["design"]["surfaces"]}
    assert rows["mobile_app"]["name"] == "the app stores' in-app purchase"
    assert rows["web"]["name"] == "Stripe Checkout"
    solution = r["summary"]["solution"]
    assert "in-app purchase in the mobile app" in solution
    assert "Stripe Checkout on the website and in the mobile app" not in solution
    edges = {(e["source"], e["target"]) for e in r["architecture"]["edges"]}
    assert ("mobile_app", "checkout") not in edges  # no link-out flow drawn


def test_in_app_digital_goods_for_us_buyers_link_out_to_checkout() -> None:
    answers = {**SAKURA, "hq_country": "US", "entity_countries": ["US"]}
    answers["customer_countries"] = ["US", "DE"]
    answers["in_app_digital_goods"] = "ios"
    r = real_readout(answers, report_date=REPORT_DATE)
    rows = {s["channel"]: s for s in r["design"]["surfaces"]}
    assert rows["mobile_app"]["name"] == "Stripe Checkout"
    edges = {(e["source"], e["target"]) for e in r["architecture"]["edges"]}
    assert ("mobile_app", "checkout") in edges


# -- 1: Terminal is not promised for stores where it is not offered or not confirmed -----------
def test_terminal_is_named_only_where_offered_when_some_store_countries_lack_it() -> None:
    r = readout("varejo")  # stores in Brazil (not offered) and Mexico (unconfirmed)
    assert "in_person" not in {s["channel"] for s in r["design"]["surfaces"]}
    assert "Terminal" not in r["summary"]["solution"]
    answers = {**VAREJO, "hq_country": "US", "entity_countries": ["US"]}
    answers["customer_countries"] = ["US", "BR", "MX"]
    answers["store_countries"] = ["US", "BR", "MX"]
    rows = {
        s["channel"]: s
        for s in real_readout(answers, report_date=REPORT_DATE)["design"]["surfaces"]
    }
    assert rows["in_person"]["name"] == "Stripe Terminal where it is offered (see Markets)"


def test_terminal_is_named_plainly_where_every_store_country_has_it() -> None:
    answers = {**VAREJO, "hq_country": "US", "entity_countries": ["US"]}
    answers["customer_countries"] = ["US", "CA"]
    answers["store_countries"] = ["US", "CA"]
    r = real_readout(answers, report_date=REPORT_DATE)
    rows = {s["channel"]: s for s in r["design"]["surfaces"]}
    assert rows["in_person"]["name"] == "Stripe Terminal"


def test_in_app_digital_goods_for_buyers_in_and_outside_link_out_storefronts_say_both() -> None:
    answers = {**SAKURA, "hq_country": "US", "entity_countries": ["US"]}
    answers["customer_countries"] = ["US", "IN"]
    r = real_readout(answers, report_date=REPORT_DATE)
    rows = {s["channel"]: s for s in r["design"]["surfaces"]}
    assert rows["mobile_app"]["name"].startswith("Stripe Checkout by link-out on the US and EEA")
    assert "in-app purchase elsewhere" in rows["mobile_app"]["name"]
