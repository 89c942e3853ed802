"""The reports blueprint end to end: live panel, creating snapshots, list, HTML, downloads."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.reports.conftest import save

pytestmark = pytest.mark.usefixtures("loaded")


def _products(html: str) -> list[str]:
    match = re.search(r'data-products="([^"]*)"', html)
    assert match, html[:500]
    return match.group(1).split()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/discoveries/1/recommendation"),
        ("post", "/discoveries/1/reports"),
        ("get", "/discoveries/1/reports"),
        ("get", "/reports/1"),
        ("get", "/reports/1.md"),
        ("get", "/reports/1.json"),
        ("get", "/reports/1/readout.html"),
        ("get", "/reports/1/readout.pdf"),
        ("get", "/reports/1/one-pager.pdf"),
        ("get", "/reports/1/readout.md"),
        ("get", "/reports/1/readout.json"),
        ("post", "/reports/1/share"),
        ("post", "/reports/1/share/1/revoke"),
        ("get", "/discoveries/1/reports/compare"),
        ("get", "/discoveries/1/reports/compare.json"),
    ],
)
def test_every_view_requires_login(client: FlaskClient, method: str, url: str) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["sa", "author", "admin"])
def test_every_role_sees_the_panel(
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    make_discovery: Callable[..., int],
    role: str,
) -> None:
    discovery_id = make_discovery()
    login(make_user(role))
    response = client.get(f"/discoveries/{discovery_id}/recommendation")
    assert response.status_code == 200
    assert 'class="rec-panel card"' in response.get_data(as_text=True)


def test_unknown_discovery_and_report_are_404(sa_client: FlaskClient) -> None:
    assert sa_client.get("/discoveries/999/recommendation").status_code == 404
    assert sa_client.post("/discoveries/999/reports").status_code == 404
    assert sa_client.get("/discoveries/999/reports").status_code == 404
    for url in ("/reports/999", "/reports/999.md", "/reports/999.json"):
        assert sa_client.get(url).status_code == 404
    for name in ("readout.html", "readout.pdf", "one-pager.pdf", "readout.md", "readout.json"):
        assert sa_client.get(f"/reports/999/{name}").status_code == 404
    assert sa_client.post("/reports/999/share", data={"days": "7"}).status_code == 404
    assert sa_client.get("/discoveries/999/reports/compare").status_code == 404


def test_panel_is_a_fragment_that_follows_the_answers(
    app: Flask, sa_client: FlaskClient, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    url = f"/discoveries/{discovery_id}/recommendation"
    before = sa_client.get(url)
    assert before.status_code == 200
    html = before.get_data(as_text=True)
    assert "<html" not in html and "<body" not in html
    assert "terminal" not in _products(html)

    save(app, discovery_id, "channels", ["web", "in_person"], sa_user)
    after = sa_client.get(url).get_data(as_text=True)
    assert "terminal" in _products(after)
    assert "Stripe Terminal" in after


def test_ask_next_links_to_the_question_in_its_section(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    html = sa_client.get(f"/discoveries/{discovery_id}/recommendation").get_data(as_text=True)
    links = re.findall(
        rf'href="/discoveries/{discovery_id}/sections/([a-z0-9_]+)#q-([a-z0-9_]+)"', html
    )
    assert links, "no ask-next links"
    # each link's section really asks that question
    for section_id, question_id in links:
        page = sa_client.get(f"/discoveries/{discovery_id}/sections/{section_id}")
        assert page.status_code == 200
        assert f'data-question="{question_id}"' in page.get_data(as_text=True)


def test_create_readout_then_list_show_and_download(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(
        {"channels": ["web"], "customer_countries": ["NL", "DE"], "customer_type": ["consumers"]},
        name="Tulip & Co",
    )
    created = sa_client.post(f"/discoveries/{discovery_id}/reports", data={"confirm": "1"})
    assert created.status_code == 303
    match = re.fullmatch(r"/reports/(\d+)", created.headers["Location"])
    assert match, created.headers["Location"]
    snapshot_id = int(match.group(1))

    listing = sa_client.get(f"/discoveries/{discovery_id}/reports").get_data(as_text=True)
    assert f'href="/reports/{snapshot_id}"' in listing
    for name in ("readout.pdf", "readout.md", "readout.json"):
        assert f"/reports/{snapshot_id}/{name}" in listing

    page = sa_client.get(f"/reports/{snapshot_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tulip &amp; Co" in html
    assert "css/report.css" in html
    assert re.search(r"stripe v\d+", html)
    # Back to the call in one click (not via the reports list).
    assert f'href="/discoveries/{discovery_id}">← Back to the discovery</a>' in html
    # The readout itself is the one renderer's document, framed.
    assert '<iframe class="readout-frame" id="readout-frame"' in html
    assert f'src="/reports/{snapshot_id}/readout.html"' in html

    document = sa_client.get(f"/reports/{snapshot_id}/readout.html")
    assert document.status_code == 200 and document.mimetype == "text/html"
    text = document.get_data(as_text=True)
    assert "Netherlands" in text and "Germany" in text  # countries by name
    assert "Rule trace" in text

    md = sa_client.get(f"/reports/{snapshot_id}.md")
    assert md.status_code == 200
    assert md.mimetype == "text/markdown"
    assert md.headers["Content-Disposition"] == (
        f'attachment; filename="readout-{snapshot_id}-tulip-co.md"'
    )
    text = md.get_data(as_text=True)
    assert "Tulip & Co" in text.splitlines()[0]
    assert "Netherlands" in text

    js = sa_client.get(f"/reports/{snapshot_id}.json")
    assert js.status_code == 200 and js.mimetype == "application/json"
    assert js.headers["Content-Disposition"] == (
        f'attachment; filename="readout-{snapshot_id}-tulip-co.json"'
    )
    doc = json.loads(js.get_data(as_text=True))
    assert doc["snapshot"]["id"] == snapshot_id
    assert doc["snapshot"]["discovery_id"] == discovery_id
    assert doc["snapshot"]["ruleset"]["name"] == "stripe"
    assert doc["snapshot"]["answers"]["customer_countries"] == ["DE", "NL"]
    assert doc["appendix"]["trace"]
    assert sa_client.get(f"/reports/{snapshot_id}/readout.json").get_data() == js.get_data()


def test_customer_text_is_escaped_everywhere(
    app: Flask, sa_client: FlaskClient, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    evil = '<img src=x onerror="alert(1)">'
    discovery_id = make_discovery({"channels": ["web"]}, name=f"Evil {evil}")
    save(app, discovery_id, "company_name", f"Evil {evil}", sa_user)
    panel = sa_client.get(f"/discoveries/{discovery_id}/recommendation").get_data(as_text=True)
    assert "<img" not in panel
    location = sa_client.post(
        f"/discoveries/{discovery_id}/reports", data={"confirm": "1"}
    ).headers["Location"]
    for url in (location, location + "/readout.html", f"/discoveries/{discovery_id}/reports"):
        html = sa_client.get(url).get_data(as_text=True)
        assert "<img" not in html
        assert "&lt;img src=x onerror=" in html
    md = sa_client.get(location + ".md").get_data(as_text=True)
    assert "\\<img" in md
    assert not re.search(r"(?<!\\)<img", md)


def test_panel_explains_when_no_ruleset_is_active(
    app: Flask, sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    from sqlalchemy import update

    from recommender.extensions import db
    from recommender.models import Ruleset
    from recommender.services import rulesets

    discovery_id = make_discovery({"channels": ["web", "in_person"]})
    with app.app_context():
        with db.transaction() as session:
            session.execute(update(Ruleset).values(active_version_id=None))
        rulesets.invalidate("stripe")
    response = sa_client.get(f"/discoveries/{discovery_id}/recommendation")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "no active version of the ruleset" in html
    assert _products(html) == []
