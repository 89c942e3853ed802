"""Steps for features/prequalification.feature and features/lead_conversion.feature."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select, update

from recommender.extensions import db
from recommender.models import Account, Answer, Discovery, Lead
from recommender.models.base import utcnow

scenarios("prequalification.feature", "lead_conversion.feature")

STEP1_REST = {"industry": "software", "customer_type": ["businesses"]}
STEP2_REST = {
    "pays_out_third_parties": "false",
    "current_processor": "none",
    "dev_capacity": "small",
}


@pytest.fixture
def loaded(app: Flask) -> Flask:
    from recommender.services import questionnaires, rulesets

    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()
    return app


@pytest.fixture
def prospect(loaded: Flask) -> FlaskClient:
    return loaded.test_client()


@pytest.fixture
def page() -> dict[str, Any]:
    """The last response a step saw, shared between steps."""
    return {}


def _token(client: FlaskClient) -> str:
    with client.session_transaction() as sess:
        return str(sess["prequal_token"])


def _only_lead(app: Flask) -> Lead:
    with app.app_context():
        lead = db.session.scalars(select(Lead)).one()
        db.session.expunge(lead)
        return lead


def _submit(client: FlaskClient, company: str, volume: str, page: dict[str, Any]) -> None:
    client.post("/start")
    _post(
        client,
        1,
        {
            "business_model": "saas",
            "customer_countries": ["US", "DE"],
            "hq_country": "US",
            **STEP1_REST,
        },
    )
    _post(
        client,
        2,
        {
            "annual_volume_usd": volume,
            "channels": ["web"],
            "pricing_models": ["seat"],
            **STEP2_REST,
        },
    )
    resp = _post(
        client,
        3,
        {"company_name": company, "contact_name": "Ada", "contact_email": "ada@acme.example"},
    )
    page["resp"] = client.get(resp.headers["Location"])


def _post(client: FlaskClient, step: int, data: dict[str, Any]) -> Any:
    resp = client.post(f"/start/step/{step}", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    return resp


# ---------------------------------------------------------------------------- prospect


@given(parsers.parse('a prospect opens "{url}"'))
def open_start(prospect: FlaskClient, url: str, page: dict[str, Any]) -> None:
    resp = prospect.get(url)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    tracking = dict(
        re.findall(r'<input type="hidden" name="((?:utm_\w+)|ref)" value="([^"]*)">', html)
    )
    resp = prospect.post("/start", data=tracking)
    assert resp.status_code == 302


@when(
    parsers.parse(
        'they answer step 1 with business_model "{model}", customer_countries "{countries}" and hq_country "{hq}"'
    )
)
def answer_step1(prospect: FlaskClient, model: str, countries: str, hq: str) -> None:
    _post(
        prospect,
        1,
        {
            "business_model": model,
            "customer_countries": countries.split(","),
            "hq_country": hq,
            **STEP1_REST,
        },
    )


@when(
    parsers.parse(
        'they answer step 2 with annual volume "{volume}", channels "{channels}" and pricing "{pricing}"'
    )
)
def answer_step2(prospect: FlaskClient, volume: str, channels: str, pricing: str) -> None:
    _post(
        prospect,
        2,
        {
            "annual_volume_usd": volume,
            "channels": channels.split(","),
            "pricing_models": pricing.split(","),
            **STEP2_REST,
        },
    )


@when(parsers.parse('they finish with company "{company}", name "{name}" and email "{email}"'))
def finish(
    prospect: FlaskClient, company: str, name: str, email: str, page: dict[str, Any]
) -> None:
    resp = _post(
        prospect, 3, {"company_name": company, "contact_name": name, "contact_email": email}
    )
    page["resp"] = prospect.get(resp.headers["Location"])


@then(parsers.parse('the result shows the tier "{tier}"'))
def shows_tier(page: dict[str, Any], tier: str) -> None:
    assert page["resp"].status_code == 200
    assert f'data-tier="{tier}"' in page["resp"].get_data(as_text=True)


@then(parsers.parse('the result recommends "{product}" with a one-line rationale'))
def recommends(page: dict[str, Any], product: str) -> None:
    html = page["resp"].get_data(as_text=True)
    match = re.search(rf"<strong>{re.escape(product)}</strong><br><span>([^<\n]+)</span>", html)
    assert match and len(match.group(1)) > 10


@then(parsers.parse('the next step is "{text}"'))
def next_step(page: dict[str, Any], text: str) -> None:
    assert text in page["resp"].get_data(as_text=True)


@then("the result page offers a resume link")
def offers_link(page: dict[str, Any], prospect: FlaskClient) -> None:
    html = page["resp"].get_data(as_text=True)
    assert f'value="http://localhost/start/resume/{_token(prospect)}"' in html


@then(parsers.parse('the lead is stored with utm_source "{source}" and utm_campaign "{campaign}"'))
def stored_tracking(loaded: Flask, source: str, campaign: str) -> None:
    lead = _only_lead(loaded)
    assert (lead.utm_source, lead.utm_campaign, lead.status) == (source, campaign, "submitted")


@when("they open their resume link in another browser")
def resume_elsewhere(prospect: FlaskClient, loaded: Flask, page: dict[str, Any]) -> None:
    other = loaded.test_client()
    page["resp"] = other.get(f"/start/resume/{_token(prospect)}")
    page["client"] = other


@when("their link is older than 30 days")
def link_expired(loaded: Flask) -> None:
    with loaded.app_context(), db.transaction() as session:
        session.execute(update(Lead).values(token_expires_at=utcnow() - timedelta(minutes=1)))


@then(parsers.parse("they continue at step {step:d}"))
def continue_at(page: dict[str, Any], step: int) -> None:
    assert page["resp"].status_code == 302
    assert page["resp"].headers["Location"].endswith(f"/start/step/{step}")


@then(parsers.parse('step 1 still shows business_model "{value}"'))
def still_shows(page: dict[str, Any], value: str) -> None:
    html = page["client"].get("/start/step/1").get_data(as_text=True)
    assert f'<option selected value="{value}">' in html


@then("they are told the link has expired")
def told_expired(page: dict[str, Any]) -> None:
    assert page["resp"].status_code == 410
    assert "expired" in page["resp"].get_data(as_text=True)


# ---------------------------------------------------------------------------- SA


@given(
    parsers.parse(
        'a prospect submitted the questionnaire as "{company}" with annual volume "{volume}"'
    )
)
def submitted(prospect: FlaskClient, company: str, volume: str, page: dict[str, Any]) -> None:
    _submit(prospect, company, volume, page)


@given("I am logged in as an SA", target_fixture="sa")
def sa_logged_in(
    loaded: Flask, make_user: Callable[..., Any], login: Callable[..., Any]
) -> FlaskClient:
    sa = loaded.test_client()
    login(make_user("sa"), the_client=sa)
    return sa


@given(parsers.parse('an account "{name}" exists'))
def account_exists(sa: FlaskClient, loaded: Flask, name: str) -> None:
    from recommender.services import accounts

    with loaded.app_context():
        accounts.create_account(name, None)


@when("I open the leads list")
def open_leads(sa: FlaskClient, page: dict[str, Any]) -> None:
    page["resp"] = sa.get("/leads")


@then(parsers.parse('I see "{company}" with the tier "{tier}"'))
def see_lead(page: dict[str, Any], company: str, tier: str) -> None:
    html = page["resp"].get_data(as_text=True)
    row = re.search(r'<tr data-lead="\d+">.*?</tr>', html, re.S)
    assert row and company in row.group(0) and f"tier-{tier}" in row.group(0)


@when(parsers.parse('I convert the lead into a new account "{name}"'))
def convert_new(sa: FlaskClient, loaded: Flask, page: dict[str, Any], name: str) -> None:
    lead = _only_lead(loaded)
    assert name in sa.get(f"/leads/{lead.id}").get_data(as_text=True)
    page["resp"] = sa.post(
        f"/leads/{lead.id}/convert", data={"target": "new", "account_name": name}
    )
    assert page["resp"].status_code == 302, page["resp"].get_data(as_text=True)[:1000]


@when(parsers.parse('I convert the lead into the existing account "{name}"'))
def convert_existing(sa: FlaskClient, loaded: Flask, page: dict[str, Any], name: str) -> None:
    lead = _only_lead(loaded)
    with loaded.app_context():
        account_id = db.session.scalar(select(Account.id).where(Account.name == name))
    page["resp"] = sa.post(
        f"/leads/{lead.id}/convert", data={"target": "existing", "account_id": str(account_id)}
    )
    assert page["resp"].status_code == 302, page["resp"].get_data(as_text=True)[:1000]


@then(parsers.parse('a discovery for "{name}" exists and is linked to the lead'))
def discovery_linked(loaded: Flask, name: str) -> None:
    lead = _only_lead(loaded)
    with loaded.app_context():
        discovery = db.session.scalars(select(Discovery)).one()
        assert discovery.account.name == name
        assert discovery.lead_id == lead.id and lead.discovery_id == discovery.id


@then("the discovery has the prospect's answers prefilled")
def prefilled(loaded: Flask) -> None:
    lead = _only_lead(loaded)
    with loaded.app_context():
        rows = db.session.execute(select(Answer.question_id, Answer.value)).all()
    answers = dict(rows)
    for qid in (
        "business_model",
        "customer_countries",
        "annual_volume_usd",
        "channels",
        "pricing_models",
        "dev_capacity",
    ):
        assert answers[qid] == lead.answers[qid], qid


@then("the lead is marked as converted")
def marked_converted(loaded: Flask, sa: FlaskClient) -> None:
    lead = _only_lead(loaded)
    assert lead.status == "converted"
    html = sa.get("/leads?status=converted").get_data(as_text=True)
    assert "Acme Cloud" in html


@when("I open the lead")
def open_lead(sa: FlaskClient, loaded: Flask, page: dict[str, Any]) -> None:
    page["resp"] = sa.get(f"/leads/{_only_lead(loaded).id}")
    assert page["resp"].status_code == 200


@then(parsers.parse('the form offers the existing account "{name}"'))
def offers_existing(page: dict[str, Any], name: str) -> None:
    html = page["resp"].get_data(as_text=True)
    assert re.search(r'id="target-existing" name="target" value="existing"\s+checked', html)
    assert re.search(rf'<option value="\d+"\s+selected>{re.escape(name)}</option>', html)


@when(parsers.parse('I try to convert the lead into a new account "{name}"'))
def try_convert_new(sa: FlaskClient, loaded: Flask, page: dict[str, Any], name: str) -> None:
    lead = _only_lead(loaded)
    page["resp"] = sa.post(
        f"/leads/{lead.id}/convert", data={"target": "new", "account_name": name}
    )


@then(parsers.parse('I am told an account named "{name}" already exists'))
def told_exists(page: dict[str, Any], name: str) -> None:
    assert page["resp"].status_code == 400
    assert f"An account named &#39;{name}&#39; already exists" in page["resp"].get_data(
        as_text=True
    )


@then("the lead is still open")
def still_open(loaded: Flask, page: dict[str, Any]) -> None:
    lead = _only_lead(loaded)
    assert (lead.status, lead.discovery_id) == ("submitted", None)
    html = page["resp"].get_data(as_text=True)
    assert '<span class="badge">submitted</span>' in html and "Converted into" not in html


@then("I am told the lead already has its discovery, with a link to it")
def told_converted(loaded: Flask, page: dict[str, Any]) -> None:
    lead = _only_lead(loaded)
    html = page["resp"].get_data(as_text=True)
    assert page["resp"].status_code == 409
    assert f"already converted into discovery #{lead.discovery_id}" in html
    assert f'href="/discoveries/{lead.discovery_id}"' in html
