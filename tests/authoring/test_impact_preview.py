"""The impact preview beyond products and risks: derived facts (the segment), risk
severities and the ask-next list; names from the catalogue; rows linked to their discovery
or lead; and the ask-next shortcut checked against evaluating everything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recommender.services import authoring
from recommender.services.authoring.impact_details import ValueChange

from .conftest import edit_source

THRESHOLD = "annual_volume_usd >= 10_000_000"
FRAUD_WHEN = "when: segment == enterprise\n"


def _draft(app: Flask, author: Any) -> str:
    with app.app_context():
        return authoring.get_or_create_draft("demo", author).source


def test_a_segment_change_alone_is_listed_with_labels(
    app: Flask, demo: Any, author: Any, make_discovery: Callable[..., int]
) -> None:
    """Lowering the enterprise bar changes the segment of a 7M seller even where no product
    or risk changes (the preview used to say '0 would change')."""
    mid = make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    make_discovery({"annual_volume_usd": 1_000}, "Tiny Co")
    make_discovery({"annual_volume_usd": 20_000_000}, "Big Co")
    source = edit_source(_draft(app, author), THRESHOLD, "annual_volume_usd >= 5_000_000")
    # The fraud team keeps its own 10M bar: only the segment moves.
    source = edit_source(source, FRAUD_WHEN, "when: segment == enterprise and annual_volume_usd >= 10_000_000\n")
    with app.app_context():
        report = authoring.impact("demo", source)
    assert [(i.kind, i.id) for i in report.items] == [("discovery", mid)]
    (item,) = report.items
    assert (item.products_added, item.products_removed, item.risks_added, item.risks_removed) == ([], [], [], [])
    assert item.facts == [ValueChange("segment", "Segment", "not set", "Enterprise")]
    assert item.rules == ["enterprise-volume"]


def test_a_severity_change_is_listed_with_the_risk_name(
    app: Flask, demo: Any, author: Any, make_discovery: Callable[..., int]
) -> None:
    big = make_discovery({"annual_volume_usd": 20_000_000}, "Big Co")
    make_discovery({"business_model": "marketplace"}, "Market Co")  # flagged, not by this rule
    source = edit_source(_draft(app, author), "        severity: high\n", "        severity: medium\n")
    with app.app_context():
        report = authoring.impact("demo", source)
    (item,) = report.items
    assert item.id == big and item.risks_added == item.risks_removed == []
    assert item.severities == [
        ValueChange("high_volume_review", "High volume needs a fraud review", "high", "medium")
    ]
    assert item.rules == ["fraud-team-for-enterprise"]
    assert report.risk_names["high_volume_review"] == "High volume needs a fraud review"
    assert report.product_names["radar_fraud_teams"] == "Radar for Fraud Teams"


def test_an_ask_next_change_alone_is_listed(
    app: Flask, demo: Any, author: Any, make_discovery: Callable[..., int], make_lead: Callable[..., int]
) -> None:
    """Terminal now depends on the launch date instead of the store count: for an in-person
    seller who answered neither, nothing is recommended either way, but the question to ask
    next changes."""
    known = {"business_model": "direct_sales", "annual_volume_usd": 1_000, "pays_out_third_parties": False}
    shop = make_discovery({"channels": ["in_person"], **known}, "Shop Co")
    lead = make_lead({"channels": ["in_person"], **known, "business_model": "saas"}, "Lead Shop")
    make_discovery({"channels": ["web"]}, "Web Co")  # neither question is relevant to it
    source = edit_source(
        _draft(app, author),
        "when: channels contains in_person and store_count >= 1",
        "when: channels contains in_person and go_live_months >= 1",
    )
    with app.app_context():
        report = authoring.impact("demo", source)
    assert [(i.kind, i.id) for i in report.items] == [("discovery", shop), ("lead", lead)]
    for item in report.items:
        assert item.products_added == item.products_removed == item.facts == []
        assert [(q.id, q.label) for q in item.ask_next_added] == [("go_live_months", "Months until launch")]
        assert [(q.id, q.label) for q in item.ask_next_removed] == [("store_count", "Stores")]
        assert item.rules == ["terminal-in-person"]


def test_impact_page_shows_names_labels_and_links(
    app: Flask, demo: Any, author_client: FlaskClient, make_discovery: Callable[..., int], make_lead: Callable[..., int]
) -> None:
    mid = make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    lead = make_lead({"annual_volume_usd": 6_000_000}, "Lead Mid")
    with app.app_context():
        source = authoring.get_or_create_draft("demo", None).source
    author_client.post("/rulesets/demo/edit", data={"source": edit_source(source, THRESHOLD, "annual_volume_usd >= 5_000_000")})
    html = author_client.get("/rulesets/demo/impact").get_data(as_text=True)
    assert f'href="/discoveries/{mid}"' in html and f'href="/leads/{lead}"' in html
    assert "+ Radar for Fraud Teams" in html  # the product's name, not its id
    assert "+ High volume needs a fraud review" in html
    assert "Segment: not set → <strong>Enterprise</strong>" in html
    data = author_client.get("/rulesets/demo/impact?format=json").json
    rows = {(c["kind"], c["id"]): c for c in data["changed"]}
    assert rows[("discovery", mid)]["url"] == f"/discoveries/{mid}"
    assert rows[("lead", lead)]["url"] == f"/leads/{lead}"
    assert rows[("discovery", mid)]["facts"] == [
        {"id": "segment", "label": "Segment", "before": "not set", "after": "Enterprise"}
    ]
    assert data["product_names"]["radar_fraud_teams"] == "Radar for Fraud Teams"
    # The links work for an author.
    assert author_client.get(f"/leads/{lead}").status_code == 200
    assert author_client.get(f"/discoveries/{mid}").status_code in (200, 302)


def test_a_change_besides_rules_compares_ask_next_only_where_the_outcome_changes(
    app: Flask, demo: Any, author: Any, author_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    """Another derived-fact type could touch any answer set; rather than evaluate every one
    fully twice, the ask-next list is compared for the rows that change anyway, and the
    report says so. A label-only edit is not such a change."""
    mid = make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    make_discovery({"channels": ["in_person"]}, "Shop Co")
    source = _draft(app, author)
    labelled = edit_source(source, "    label: Segment\n", "    label: Customer segment\n")
    with app.app_context():
        report = authoring.impact("demo", labelled)
        assert report.items == [] and not report.ask_next_partial
    widened = edit_source(labelled, "options: [enterprise, smb]", "options: [enterprise, smb, mid_market]")
    widened = edit_source(widened, THRESHOLD, "annual_volume_usd >= 5_000_000")
    with app.app_context():
        report = authoring.impact("demo", widened)
    assert report.ask_next_partial and report.ask_next_evaluated == 1
    assert [i.id for i in report.items] == [mid]
    assert report.items[0].facts == [ValueChange("segment", "Customer segment", "not set", "Enterprise")]
    author_client.post("/rulesets/demo/edit", data={"source": widened})
    page = author_client.get("/rulesets/demo/impact").get_data(as_text=True)
    assert 'id="impact-ask-next-partial"' in page and "derived changed" in page


def test_only_the_discoveries_the_draft_can_change_are_evaluated(
    app: Flask, demo: Any, author: Any, author_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    """A threshold edit reaches only the discoveries whose answer lies between the two bars:
    the others are not evaluated, and the page says how many were."""
    mid = make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    for n in range(4):
        make_discovery({"annual_volume_usd": 1_000 * (n + 1)}, f"Tiny {n}")
    make_discovery({"annual_volume_usd": 20_000_000}, "Big Co")
    source = edit_source(_draft(app, author), THRESHOLD, "annual_volume_usd >= 5_000_000")
    with app.app_context():
        report = authoring.impact("demo", source)
        full = authoring.impact("demo", source, prefilter=False)
    assert [i.id for i in report.items] == [i.id for i in full.items] == [mid]
    assert (report.evaluated, report.fully_evaluated, report.full_reason) == (6, 1, "")
    assert full.fully_evaluated == 6
    author_client.post("/rulesets/demo/edit", data={"source": source})
    page = author_client.get("/rulesets/demo/impact").get_data(as_text=True)
    assert 'id="impact-filtered"' in page and "1 of them were evaluated with both versions" in page
    data = author_client.get("/rulesets/demo/impact?format=json").json
    assert (data["evaluated"], data["fully_evaluated"], data["full_reason"]) == (6, 1, "")


def test_a_change_the_filter_cannot_bound_evaluates_everything_and_says_why(
    app: Flask, demo: Any, author: Any, make_discovery: Callable[..., int]
) -> None:
    make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    make_discovery({"annual_volume_usd": 1_000}, "Tiny Co")
    source = edit_source(_draft(app, author), "options: [enterprise, smb]", "options: [enterprise, smb, mid_market]")
    with app.app_context():
        report = authoring.impact("demo", source)
    assert report.fully_evaluated == report.evaluated == 2
    assert report.full_reason == "derived-fact types changed"


def test_ask_next_lists_beyond_the_budget_are_counted_and_the_page_says_so(
    app: Flask, demo: Any, author: Any, author_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    known = {"business_model": "direct_sales", "annual_volume_usd": 1_000, "pays_out_third_parties": False}
    shops = [make_discovery({"channels": ["in_person"], **known}, f"Shop {n}") for n in range(3)]
    source = edit_source(
        _draft(app, author),
        "when: channels contains in_person and store_count >= 1",
        "when: channels contains in_person and go_live_months >= 1",
    )
    with app.app_context():
        everything = authoring.impact("demo", source)
        limited = authoring.impact("demo", source, ask_next_limit=1)
    assert [i.id for i in everything.items] == shops and everything.ask_next_unchecked == 0
    # Only the first one's ask-next list was compared: the other two are counted, not listed.
    assert [i.id for i in limited.items] == shops[:1]
    assert (limited.ask_next_evaluated, limited.ask_next_unchecked) == (1, 2)
    app.config["IMPACT_ASK_NEXT_ROWS"] = 1
    author_client.post("/rulesets/demo/edit", data={"source": source})
    page = author_client.get("/rulesets/demo/impact").get_data(as_text=True)
    assert 'id="impact-ask-next-unchecked"' in page
    assert "compared for 1 discoveries and leads; for 2 more" in page
