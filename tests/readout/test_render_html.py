"""The printable HTML readout: sections in order, self-contained, escaped, shared copy
without the trace, and a readout with few answers still renders."""

from __future__ import annotations

import re
from typing import Any

import pytest

from recommender.readout.errors import RenderError
from recommender.readout.render import html as html_module
from recommender.readout.render import render_html
from tests.readout.render_fixtures import COMPANY, readout, sparse_readout

ORDER = [
    "summary",
    "design",
    "architecture",
    "roadmap",
    "migration",
    "markets",
    "kpis",
    "risks",
    "notes",
    "appendix",
]


def _headings(text: str) -> list[tuple[str, str, str]]:
    """(section id, number, title) of every h2, in document order."""
    return re.findall(r'<h2 id="h-([a-z]+)"><span class="num">(\d+)</span>([^<]+)</h2>', text)


def test_sections_in_order_and_numbered() -> None:
    text = render_html(readout())
    found = _headings(text)
    assert [sid for sid, _, _ in found] == ORDER
    assert [int(n) for _, n, _ in found] == list(range(1, 11))
    assert [t for _, _, t in found][:4] == [
        "Executive summary",
        "Solution design",
        "Architecture",
        "Roadmap",
    ]


def test_without_a_current_processor_there_is_no_migration_section() -> None:
    found = _headings(render_html(readout(migration=None)))
    assert [sid for sid, _, _ in found] == [s for s in ORDER if s != "migration"]
    assert [int(n) for _, n, _ in found] == list(range(1, 10))


def test_a_complete_self_contained_printable_document() -> None:
    text = render_html(readout())
    assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    assert "@page" in text and "size: A4" in text and "break-before: page" in text
    fetched = re.sub(r'xmlns(:xlink)?="[^"]*"', "", text).lower()  # namespaces are not fetched
    for forbidden in ("<script", "<link", "<img", "<nav", "src=", "http://", "https://", "url("):
        assert forbidden not in fetched
    assert '<svg class="architecture-diagram"' in text
    assert '<svg class="roadmap-timeline"' in text


def test_summary_on_page_one_has_what_the_cfo_reads() -> None:
    text = render_html(readout())
    summary = text[text.index('id="s-summary"') : text.index('id="s-design"')]
    for expected in (
        "Maison Pop SAS is an enterprise marketplace",
        "Take payments with the Payment Element",
        "Sep 2025",  # target go-live
        "Oct 2025",  # plan
        "misses the target",
        "Double billing during the card migration",
        "Decide the Connect charge type",
        "owner-partner",
    ):
        assert expected in summary


def test_design_architecture_roadmap_and_markets_content() -> None:
    text = render_html(readout())
    assert "Stripe Checkout" in text and "fully embedded, branded checkout" in text
    for group in ("Take payments", "Pay out", "Finance and reporting", "Risk"):
        assert f'<th colspan="3">{group}</th>' in text
    # The text alternative lists every flow with both ends and the channel it goes through.
    flows = text[text.index('<table class="flows">') :]
    for edge in readout()["architecture"]["edges"]:
        assert edge["label"] in flows and edge["through"] in flows
    assert "Jun 2025" in text and "8–16 weeks" in text  # dated roadmap, efforts
    assert "Payment Element, Stripe Connect" in text  # the card migration waits for both
    assert "Move the Salesforce connector after go-live" in text
    assert "Not offered: Bancontact (No buyers in Belgium)" in text
    assert "Strong Customer Authentication" in text
    assert "2,000,000" in text and "4–8 weeks" in text  # migration


def test_user_text_is_escaped_everywhere() -> None:
    data = readout()
    data["meta"]["company"] = "<script>alert('co')</script> & Sons"
    data["notes"][0]["text"] = "<script>alert('note')</script>"
    data["summary"]["customer"] = "<img src=x onerror=alert(1)>"
    data["appendix"]["answers"][0]["value"] = "<b>bold</b>"
    text = render_html(data)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(&#39;co&#39;)&lt;/script&gt; &amp; Sons" in text
    assert "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text


def test_shared_copy_has_no_trace() -> None:
    private = render_html(readout())
    assert "Rule trace" in private and "recommend_terminal" in private
    shared = render_html(readout(), shared=True)
    assert "Rule trace" not in shared and "recommend_terminal" not in shared
    assert "shared copy" in shared
    assert COMPANY in shared and "Adyen contract ends in Q3." in shared


def test_notes_appear_under_their_section_title() -> None:
    text = render_html(readout())
    notes = text[text.index('id="s-notes"') : text.index('id="s-appendix"')]
    assert "Current set-up" in notes and "Adyen contract ends in Q3." in notes
    assert "CFO wants the month closed in 5 days." in notes


def test_a_readout_with_few_answers_still_renders_and_names_what_is_missing() -> None:
    data = sparse_readout()
    text = render_html(data)
    # Migration and Call notes are left out when empty (no "No call notes were included.").
    assert [sid for sid, _, _ in _headings(text)] == [
        s for s in ORDER if s not in ("migration", "notes")
    ]
    assert "No call notes" not in text
    assert (
        "Still to answer" in text and "Sales channels" in text and "Where are your buyers?" in text
    )
    assert "No products recommended yet." in text and "No buyer markets answered yet." in text


def test_without_graphviz_the_flows_are_still_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dot(readout: dict[str, Any], **kwargs: Any) -> str:
        raise RenderError("Graphviz's `dot` is not installed.")

    monkeypatch.setattr(html_module.svg, "architecture_svg", no_dot)
    text = render_html(readout())
    assert "The diagram could not be drawn: Graphviz" in text
    assert '<svg class="architecture-diagram"' not in text
    assert "charges, payouts, refunds, disputes" in text


def test_markets_say_a_shared_regime_once_and_customer_types_only_when_they_differ() -> None:
    text = render_html(readout())
    markets = text[text.index('id="s-markets"') : text.index('id="s-kpis"')]
    assert "Card authentication in every market:" in markets
    assert "Authen&shy;tication</th>" not in markets
    assert "(consumers)" not in markets  # every method is for consumers
    data = readout()
    data["markets"][0]["auth_regime"] = "none"
    data["markets"][0]["auth_regime_label"] = "No card-authentication mandate"
    data["markets"][1]["methods"][2]["for"] = ["businesses"]
    markets = render_html(data)
    markets = markets[markets.index('id="s-markets"') : markets.index('id="s-kpis"')]
    assert "Card authentication in every market:" not in markets
    assert "No card-authentication mandate" in markets and "Authen&shy;tication</th>" in markets
    assert 'SEPA Direct Debit <span class="muted small">(businesses)</span>' in markets


def test_a_migration_step_within_one_month_shows_that_month_once() -> None:
    # The fixture's "Map IDs" step runs from month 5 to 5.5 after 14 March 2025: both in August.
    text = render_html(readout())
    migration = text[text.index('id="s-migration"') : text.index('id="s-markets"')]
    assert "Aug 2025 – Aug 2025" not in migration
    assert re.search(
        r"Map IDs and charge migrated cards.*?<td class=\"nowrap\">Aug 2025</td>", migration, re.S
    )
    assert "Mar 2025 – Jun 2025" in migration  # a step over several months keeps its range
