"""Steps for features/readout.feature: the SA prepares and shares the readout, through the
Flask test client (the SA's session) and a second client without a login (the customer)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("readout.feature")

MARKETPLACE: dict[str, Any] = {
    "hq_country": "FR",
    "business_model": "marketplace",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL", "BE", "IT", "ES"],
    "channels": ["web", "in_person"],
    "store_count": 200,
    "pays_out_third_parties": True,
    "current_processor": "adyen",
    "saved_cards_count": 2_000_000,
    "erp": "netsuite",
    "crm": "salesforce",
    "data_warehouse": "snowflake",
    "go_live_months": 6,
}
SECTIONS = {
    "summary": "s-summary",
    "design": "s-design",
    "architecture": "s-architecture",
    "roadmap": "s-roadmap",
    "migration": "s-migration",
    "markets": "s-markets",
    "kpis": "s-kpis",
    "risks": "s-risks",
    "notes": "s-notes",
    "appendix": "s-appendix",
}


@pytest.fixture
def loaded(app: Flask) -> Flask:
    """The real forms/ and rules/, as `recommender setup` loads them."""
    from recommender.services import questionnaires, rulesets

    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()
    return app


@pytest.fixture
def journey() -> dict[str, Any]:
    """What the steps learn on the way: ids, versions, the shared link, pages seen."""
    return {"versions": {}, "readouts": []}


@given("I am logged in as an SA", target_fixture="sa")
def _sa(loaded: Flask, sa_client: FlaskClient) -> FlaskClient:
    return sa_client


def _answer(sa: FlaskClient, journey: dict[str, Any], question_id: str, value: Any) -> None:
    resp = sa.post(
        f"/discoveries/{journey['discovery_id']}/answers",
        json={
            "question_id": question_id,
            "value": value,
            "version": journey["versions"].get(question_id, 0),
        },
    )
    assert resp.status_code == 200, resp.get_json()
    journey["versions"][question_id] = resp.get_json()["version"]


@given(
    parsers.parse(
        'a discovery for "{company}", a European marketplace with 200 stores moving 2 million saved cards from Adyen'
    )
)
def _discovery(sa: FlaskClient, journey: dict[str, Any], company: str) -> None:
    created = sa.post("/accounts", data={"name": company, "start": "1"})
    assert created.status_code == 302
    journey["discovery_id"] = int(created.headers["Location"].rsplit("/", 1)[1])
    journey["versions"]["company_name"] = 1  # filled from the account's name
    for question_id, value in MARKETPLACE.items():
        _answer(sa, journey, question_id, value)


def _note(sa: FlaskClient, journey: dict[str, Any], section: str, text: str, include: bool) -> None:
    resp = sa.post(
        f"/discoveries/{journey['discovery_id']}/notes/{section}",
        json={"text": text, "version": 0, "include": include},
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["include"] is include


@given(parsers.parse('the note "{text}" on the section "{section}" is marked for the readout'))
def _marked(sa: FlaskClient, journey: dict[str, Any], text: str, section: str) -> None:
    _note(sa, journey, section, text, include=True)


@given(parsers.parse('the note "{text}" on the section "{section}" is not marked'))
def _unmarked(sa: FlaskClient, journey: dict[str, Any], text: str, section: str) -> None:
    _note(sa, journey, section, text, include=False)


@when("I create the readout")
def _create(sa: FlaskClient, journey: dict[str, Any]) -> None:
    # confirm=1: "Create anyway" past the list of unanswered key questions (copilot.feature)
    resp = sa.post(f"/discoveries/{journey['discovery_id']}/reports", data={"confirm": "1"})
    assert resp.status_code == 303
    snapshot_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    journey["readouts"].append(snapshot_id)
    page = sa.get(resp.headers["Location"])
    assert page.status_code == 200
    assert f'src="/reports/{snapshot_id}/readout.html"' in page.get_data(as_text=True)
    journey["document"] = sa.get(f"/reports/{snapshot_id}/readout.html").get_data(as_text=True)


@when(parsers.parse('I answer "{question_id}" with "{value}"'))
def _change(sa: FlaskClient, journey: dict[str, Any], question_id: str, value: str) -> None:
    raw: Any = [v.strip() for v in value.split(",")] if question_id == "channels" else value
    _answer(sa, journey, question_id, raw)


@then(parsers.parse('the readout\'s summary is about "{company}"'))
def _summary(journey: dict[str, Any], company: str) -> None:
    summary = journey["document"].split('id="s-summary"', 1)[1].split('id="s-design"', 1)[0]
    assert company in summary


@then(parsers.parse("the readout shows its sections in order: {names}"))
def _order(journey: dict[str, Any], names: str) -> None:
    ids = [SECTIONS[name.strip()] for name in names.split(",")]
    positions = [journey["document"].index(f'id="{sid}"') for sid in ids]
    assert positions == sorted(positions)


@then(parsers.parse('the readout\'s call notes say "{text}"'))
def _notes(journey: dict[str, Any], text: str) -> None:
    notes = journey["document"].split('id="s-notes"', 1)[1].split('id="s-appendix"', 1)[0]
    assert text in notes


@then(parsers.parse('the readout does not say "{text}"'))
def _not_in_readout(journey: dict[str, Any], text: str) -> None:
    assert text not in journey["document"]


@when(parsers.parse("I share the readout for {days:d} days"))
@when(parsers.parse("I share the readout for {days:d} day"))
def _share(sa: FlaskClient, journey: dict[str, Any], days: int) -> None:
    snapshot_id = journey["readouts"][-1]
    resp = sa.post(f"/reports/{snapshot_id}/share", data={"days": str(days)})
    assert resp.status_code == 303
    page = sa.get(f"/reports/{snapshot_id}").get_data(as_text=True)
    url = re.search(r'value="http://localhost(/r/[A-Za-z0-9_-]{43})" id="share-url"', page)
    link = re.search(r"Link #(\d+) is ready", page)
    assert url and link
    journey["link_path"], journey["link_id"] = url.group(1), int(link.group(1))


@when(parsers.parse("{days:d} days pass"))
def _time_passes(loaded: Flask, journey: dict[str, Any], days: int) -> None:
    """The link is made `days` days older (the clock cannot move)."""
    from recommender.extensions import db
    from recommender.models import ShareLink

    with loaded.app_context(), db.transaction() as session:
        link = session.get(ShareLink, journey["link_id"])
        assert link is not None
        link.created_at -= timedelta(days=days)
        link.expires_at -= timedelta(days=days)


@when("the customer opens the link without logging in")
def _open(loaded: Flask, journey: dict[str, Any]) -> None:
    customer = loaded.test_client()
    resp = customer.get(journey["link_path"])
    journey["customer"] = {"status": resp.status_code, "html": resp.get_data(as_text=True)}
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


@then(parsers.parse('the customer sees "{text}"'))
def _sees(journey: dict[str, Any], text: str) -> None:
    assert journey["customer"]["status"] == 200
    assert text in journey["customer"]["html"]


@then(parsers.parse('the customer does not see "{text}"'))
def _does_not_see(journey: dict[str, Any], text: str) -> None:
    assert text not in journey["customer"]["html"]


@then("the customer does not see the rule trace")
def _no_trace(journey: dict[str, Any]) -> None:
    html = journey["customer"]["html"]
    assert "Rule trace" not in html and 'id="trace"' not in html


@then(parsers.parse("the link shows {count:d} opening"))
def _openings(sa: FlaskClient, journey: dict[str, Any], count: int) -> None:
    page = sa.get(f"/reports/{journey['readouts'][-1]}").get_data(as_text=True)
    row = re.search(rf'<tr data-link="{journey["link_id"]}"[^>]*>.*?</tr>', page, re.S)
    assert row and f"{count} {'time' if count == 1 else 'times'}" in row.group(0)


@when("I revoke the link")
def _revoke(sa: FlaskClient, journey: dict[str, Any]) -> None:
    url = f"/reports/{journey['readouts'][-1]}/share/{journey['link_id']}/revoke"
    assert sa.post(url).status_code == 303


@then(parsers.parse('the customer is told "{message}"'))
def _told(journey: dict[str, Any], message: str) -> None:
    assert journey["customer"]["status"] == 410
    assert message in journey["customer"]["html"]
    assert "Maison Pop" not in journey["customer"]["html"]


def _comparison(sa: FlaskClient, journey: dict[str, Any]) -> dict[str, Any]:
    before, after = journey["readouts"][-2], journey["readouts"][-1]
    page = sa.get(f"/reports/{after}").get_data(as_text=True)
    assert f"compare?a={before}&amp;b={after}" in page  # the toolbar's Compare
    resp = sa.get(
        f"/discoveries/{journey['discovery_id']}/reports/compare.json?a={before}&b={after}"
    )
    assert resp.status_code == 200
    data: dict[str, Any] = resp.get_json()
    return data


@then(
    parsers.parse(
        'the comparison with the previous readout shows "{product}" removed from the products'
    )
)
def _removed(sa: FlaskClient, journey: dict[str, Any], product: str) -> None:
    data = _comparison(sa, journey)
    assert product in [p["id"] for p in data["products"]["removed"]]
    html = sa.get(f"/discoveries/{journey['discovery_id']}/reports/compare").get_data(as_text=True)
    assert f'data-change="removed" data-item="{product}"' in html


@then("the comparison shows no market added or removed")
def _markets_same(sa: FlaskClient, journey: dict[str, Any]) -> None:
    markets = _comparison(sa, journey)["markets"]
    assert markets["added"] == [] and markets["removed"] == []
