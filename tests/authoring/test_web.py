"""The workbench pages: roles, editor with problems at their line, sandbox, impact, publish."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recommender.services import authoring

from .conftest import edit_source

THRESHOLD = "annual_volume_usd >= 10_000_000"


def test_sa_reads_rules_and_audit_log_but_cannot_edit(app: Flask, demo: Any, sa_client: FlaskClient) -> None:
    page = sa_client.get("/rulesets/")
    assert page.status_code == 200 and b"/rulesets/demo" in page.data
    page = sa_client.get("/rulesets/demo")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Audit log" in html and "published version 1" in html and "Roll back" not in html
    assert sa_client.get("/rulesets/demo/versions/1").status_code == 200
    export = sa_client.get("/rulesets/demo/export?version=1")
    assert export.status_code == 200 and export.data.startswith(b"# A small ruleset")
    for url in ("/rulesets/demo/edit", "/rulesets/demo/sandbox", "/rulesets/demo/impact", "/rulesets/demo/lint"):
        assert sa_client.get(url).status_code == 403, url
    assert sa_client.post("/rulesets/demo/publish").status_code == 403
    assert sa_client.post("/rulesets/demo/rollback", data={"to": "1"}).status_code == 403
    with app.app_context():
        assert authoring.active_version("demo").version == 1


def test_anonymous_is_sent_to_login(client: FlaskClient, demo: Any) -> None:
    assert client.get("/rulesets/demo").status_code == 302


def test_editor_shows_problems_at_their_line_and_publish_is_refused(
    app: Flask, demo: Any, author_client: FlaskClient
) -> None:
    page = author_client.get("/rulesets/demo/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-editor="yaml"' in html and "No problems" in html
    source = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    source = source.replace("&#34;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&").replace("&#39;", "'")
    broken = edit_source(source, "when: business_model == saas\n", "when: business_model == <b>sass</b>\n")
    line = broken.splitlines().index("    when: business_model == <b>sass</b>") + 1
    page = author_client.post("/rulesets/demo/edit", data={"source": broken})
    html = page.get_data(as_text=True)
    assert f'data-line="{line}"' in html and f"line {line}, column" in html
    assert "<b>sass</b>" not in html  # author text is escaped
    assert '"line": ' + str(line) in html or f'"line":{line}' in html.replace(" ", "")
    resp = author_client.post("/rulesets/demo/publish", data={"note": "x"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/rulesets/demo/edit")
    with app.app_context():
        assert authoring.active_version("demo").version == 1
    check = author_client.post("/rulesets/demo/check", data={"source": broken})
    assert check.json["ok"] is False and check.json["problems"][0]["line"] == line


def test_author_changes_threshold_previews_impact_and_publishes(
    app: Flask, demo: Any, author_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    mid = make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    make_discovery({"annual_volume_usd": 1_000}, "Tiny Co")
    with app.app_context():
        source = authoring.get_or_create_draft("demo", None).source
    resp = author_client.post("/rulesets/demo/edit", data={"source": edit_source(source, THRESHOLD, "annual_volume_usd >= 5_000_000")})
    assert "No problems" in resp.get_data(as_text=True)
    impact = author_client.get("/rulesets/demo/impact?format=json").json
    assert impact["evaluated"] == 2
    assert [(c["kind"], c["id"], c["products_added"], c["rules"]) for c in impact["changed"]] == [
        ("discovery", mid, ["radar_fraud_teams"], ["enterprise-volume"])
    ]
    html = author_client.get("/rulesets/demo/impact").get_data(as_text=True)
    assert "Mid Co" in html and "Tiny Co" not in html
    assert "5_000_000" in author_client.get("/rulesets/demo/publish").get_data(as_text=True)
    resp = author_client.post("/rulesets/demo/publish", data={"note": "lower bar"})
    assert resp.status_code == 302
    with app.app_context():
        assert authoring.active_version("demo").version == 2
    assert author_client.get("/rulesets/demo/active.json").json["version"] == 2
    page = author_client.get("/rulesets/demo").get_data(as_text=True)
    assert "lower bar" in page and "d-add" in page
    resp = author_client.post("/rulesets/demo/rollback", data={"to": "1", "note": "back to the 10M bar"})
    assert resp.status_code == 302
    assert author_client.get("/rulesets/demo/active.json").json["version"] == 3


def test_sandbox_scenarios_coverage_and_lint_pages(
    app: Flask, demo: Any, author_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    did = make_discovery({"business_model": "marketplace"}, "Market Co")
    html = author_client.post(
        "/rulesets/demo/sandbox", data={"which": "draft", "answers": "channels: [web]\nbusiness_model: saas"}
    ).get_data(as_text=True)
    assert "Result for typed answers" in html and "checkout-for-saas" in html and "billing" in html
    html = author_client.post("/rulesets/demo/sandbox", data={"which": "active", "subject": f"discovery:{did}"}).get_data(as_text=True)
    assert "Market Co" in html and "connect_platform_liability" in html
    html = author_client.post("/rulesets/demo/sandbox", data={"answers": "nope: 1"}).get_data(as_text=True)
    assert "unknown answer id" in html
    page = author_client.get("/rulesets/demo/scenarios/all").get_data(as_text=True)
    assert 'data-editor="gherkin"' in page and "A web seller gets Checkout" in page
    with app.app_context():
        scenarios = authoring.get_or_create_draft("demo", None).scenarios
    failing = scenarios.replace("Then the products include checkout", "Then the products include terminal")
    html = author_client.post("/rulesets/demo/scenarios", data={"scenarios": failing, "action": "run"}).get_data(as_text=True)
    assert "1 passed, 1 failed" in html and "expected products to include terminal" in html
    resp = author_client.post("/rulesets/demo/publish")
    assert resp.status_code == 422 and "A web seller gets Checkout" in resp.get_data(as_text=True)
    html = author_client.get("/rulesets/demo/coverage").get_data(as_text=True)
    assert "4 of 7 rules fired by no scenario" in html
    html = author_client.get("/rulesets/demo/lint").get_data(as_text=True)
    assert "payment_links" in html and "go_live_months" in html and "checkout-for-saas" in html


def test_running_scenarios_that_do_not_parse_does_not_claim_none_fail(
    app: Flask, demo: Any, author_client: FlaskClient
) -> None:
    with app.app_context():
        scenarios = authoring.get_or_create_draft("demo", None).scenarios
    broken = scenarios + (
        "\nFeature: typo\n  Scenario: t\n    Given the answers:\n      | answer | value |\n"
        "      | channels | web |\n    Whenn the recommendation is evaluated\n"
    )
    html = author_client.post(
        "/rulesets/demo/scenarios", data={"scenarios": broken, "action": "run"}
    ).get_data(as_text=True)
    assert "0 of" not in html
    assert "The scenarios have 1 problem(s), listed below" in html and "0 failed" in html
    assert "is not a step" in html
    resp = author_client.post("/rulesets/demo/publish", data={"note": "x"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "the scenarios have 1 problem (a part that does not parse is not run)" in page
    assert "is not a step" in page
    with app.app_context():
        assert authoring.active_version("demo").version == 1


def test_pasting_text_over_the_limit_is_a_clear_413_and_keeps_the_draft(
    app: Flask, demo: Any, author: Any, author_client: FlaskClient
) -> None:
    author_client.get("/rulesets/demo/edit")  # starts the author's draft
    with app.app_context():
        before = authoring.get_or_create_draft("demo", author).source
    limit = app.config["MAX_CONTENT_LENGTH"]
    huge = before + "# padding\n" * (limit // 10 + 1)
    resp = author_client.post("/rulesets/demo/edit", data={"source": huge})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 413
    assert f"larger than the {limit // 1024} KB limit, so nothing was saved" in html
    resp = author_client.post(
        "/rulesets/demo/check", data={"source": huge}, headers={"Accept": "application/json"}
    )
    assert resp.status_code == 413 and "KB limit" in resp.json["error"]
    assert author_client.post("/rulesets/demo/scenarios", data={"scenarios": huge}).status_code == 413
    with app.app_context():
        assert authoring.get_or_create_draft("demo", author).source == before
    page = author_client.get("/rulesets/demo/edit").get_data(as_text=True)
    assert f'data-max-bytes="{limit}"' in page


def test_publish_and_impact_warn_when_another_author_published_since_the_draft_began(
    app: Flask,
    demo: Any,
    author_client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    author_client.get("/rulesets/demo/edit")  # this author's draft starts from version 1
    other = app.test_client()
    login(make_user("author"), the_client=other)
    with app.app_context():
        source = authoring.get_or_create_draft("demo", None).source
    other.post("/rulesets/demo/edit", data={"source": edit_source(source, THRESHOLD, "annual_volume_usd >= 5_000_000")})
    assert other.post("/rulesets/demo/publish", data={"note": "other"}).status_code == 302
    with app.app_context():
        assert authoring.active_version("demo").version == 2
    page = author_client.get("/rulesets/demo/publish").get_data(as_text=True)
    assert "Version 2 was published after you started this draft" in page
    assert "Publishing undoes any change in version 2" in page
    page = author_client.get("/rulesets/demo/impact").get_data(as_text=True)
    assert "Version 2 was published after you started this draft" in page
    # The other author's fresh draft is not stale.
    assert "was published after you started" not in other.get("/rulesets/demo/publish").get_data(as_text=True)
