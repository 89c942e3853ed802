"""Steps for features/copilot.feature: the SA's call with the co-pilot panel, through the
Flask test client, sending what static/js/panel.js sends (the ids the panel showed before
and the question just answered)."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("copilot.feature")

MAISON_POP: dict[str, Any] = {
    "hq_country": "FR",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL"],
    "channels": ["web"],
}
#: With MAISON_POP, every key question that applies to it (no platform, no migration).
KEY_ANSWERS: dict[str, Any] = {
    "checkout_control": "hosted_ok",
    "dev_capacity": "small",
    "pricing_models": ["one_time"],
    "pays_out_third_parties": False,
    "erp": "none",
    "crm": "none",
    "data_warehouse": "none",
    "current_processor": "none",
    "go_live_months": "6",
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
def call() -> dict[str, Any]:
    """What the steps learn on the way: the discovery, answer versions, the panel shown."""
    return {"versions": {}}


@given("I am logged in as an SA", target_fixture="sa")
def _sa(loaded: Flask, sa_client: FlaskClient) -> FlaskClient:
    return sa_client


def _answer(sa: FlaskClient, call: dict[str, Any], question_id: str, value: Any) -> None:
    resp = sa.post(
        f"/discoveries/{call['id']}/answers",
        json={
            "question_id": question_id,
            "value": value,
            "version": call["versions"].get(question_id, 0),
        },
    )
    assert resp.status_code == 200, resp.get_json()
    call["versions"][question_id] = resp.get_json()["version"]


def _shown(html: str, name: str) -> str:
    match = re.search(rf'class="rec-panel card"[^>]*\b{name}="([^"]*)"', html, re.S)
    assert match, name
    return match.group(1)


def _refresh(sa: FlaskClient, call: dict[str, Any], changed: str | None = None) -> None:
    """The panel as htmx loads it; after an answer with what panel.js adds to the request."""
    params: dict[str, str] = {}
    if changed is not None:
        params = {
            "prev_products": _shown(call["panel"], "data-products"),
            "prev_risks": _shown(call["panel"], "data-risks"),
            "changed": changed,
        }
    resp = sa.get(f"/discoveries/{call['id']}/recommendation", query_string=params)
    assert resp.status_code == 200
    call["panel"] = resp.get_data(as_text=True)


@given(
    parsers.parse(
        'a discovery for "{name}", a French shop selling on the web to consumers in '
        "France, Germany and the Netherlands"
    )
)
def _discovery(sa: FlaskClient, call: dict[str, Any], name: str) -> None:
    account = sa.post("/accounts", data={"name": name})
    account_id = int(account.headers["Location"].rsplit("/", 1)[1])
    resp = sa.post("/discoveries", data={"account_id": str(account_id)})
    call["id"] = int(resp.headers["Location"].rsplit("/", 1)[1])
    for question_id, value in MAISON_POP.items():
        _answer(sa, call, question_id, value)
    _refresh(sa, call)


@given("every key question of the discovery is answered")
def _everything(sa: FlaskClient, call: dict[str, Any]) -> None:
    for question_id, value in KEY_ANSWERS.items():
        _answer(sa, call, question_id, value)
    _refresh(sa, call)


@then(
    parsers.parse(
        "the panel starts with the {count:d} questions to ask next, each with why it matters"
    )
)
def _ask_next(call: dict[str, Any], count: int) -> None:
    html = call["panel"]
    ask = html.split('<section class="rec-ask"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<li><a href="([^"]+)" data-question="[^"]+" data-ask-rank="(\d)"', ask)
    assert [rank for _, rank in items] == [str(n) for n in range(1, count + 1)]
    assert all("/sections/" in href and "#q-" in href for href, _ in items)
    assert ask.count("could change") == count
    assert html.index("rec-ask") < html.index('id="rec-products-h"')


@then("the panel says what we would build")
def _brief(call: dict[str, Any]) -> None:
    brief = call["panel"].split('<section class="rec-brief"', 1)[1].split("</section>", 1)[0]
    assert "Take payments with" in html_lib.unescape(brief)


@then(parsers.parse('"{product}" is not recommended'))
def _not_recommended(call: dict[str, Any], product: str) -> None:
    assert product not in _shown(call["panel"], "data-products").split()
    assert f'<option value="{product}">' in call["panel"]  # offered by "Why not …?"


@then(parsers.parse('"{product}" is recommended'))
def _recommended(call: dict[str, Any], product: str) -> None:
    assert product in _shown(call["panel"], "data-products").split()


@when(parsers.parse('I ask "why not {product}?"'))
def _why_not(sa: FlaskClient, call: dict[str, Any], product: str) -> None:
    resp = sa.get(
        f"/discoveries/{call['id']}/why-not",
        query_string={"product": product},
        headers={"X-Requested-With": "fragment"},
    )
    assert resp.status_code == 200
    call["why_not"] = resp.get_data(as_text=True)


@then(parsers.parse('the answer says it would appear if "{label}" included "{value}"'))
def _would_appear(call: dict[str, Any], label: str, value: str) -> None:
    part = call["why_not"].split('<ul class="why-not-if">', 1)[1].split("</ul>", 1)[0]
    item = next(li for li in part.split("<li ")[1:] if f">{label}</a>" in li)
    assert value in item
    assert f'href="/discoveries/{call["id"]}/sections/' in item


@when(parsers.parse('I answer "{question_id}" with "{value}"'))
def _answer_step(sa: FlaskClient, call: dict[str, Any], question_id: str, value: str) -> None:
    _answer(sa, call, question_id, [v.strip() for v in value.split(",")])
    _refresh(sa, call, changed=question_id)


@then(parsers.parse('the panel says my last answer to "{label}" added "{name}"'))
def _changed(call: dict[str, Any], label: str, name: str) -> None:
    section = call["panel"].split('<section class="rec-changed"', 1)[1].split("</section>", 1)[0]
    assert "Changed by your last answer" in section and label in section
    assert re.search(rf'data-added-product="[^"]+">.*?{re.escape(name)}', section)
    announce = re.search(r'data-announce="([^"]*)"', section)
    assert announce and f"Added: {name}" in html_lib.unescape(announce.group(1))


@then(parsers.parse('the readiness of "{title}" reads {answered:d} of {total:d} key questions'))
def _readiness(call: dict[str, Any], title: str, answered: int, total: int) -> None:
    rows = re.findall(r'<li data-area="[^"]+" class="[^"]+">(.*?)</li>', call["panel"], re.S)
    row = next(r for r in rows if f'<span class="rec-area-name">{title}</span>' in r)
    assert f"{answered}/{total}" in row
    assert f'aria-label="{answered} of {total} key questions answered"' in row


@then("the readiness says every key question is answered")
def _ready(call: dict[str, Any]) -> None:
    assert "every key question answered" in call["panel"]
    assert (
        'class="open"' not in call["panel"].split('<ul class="rec-areas">', 1)[1].split("</ul>")[0]
    )


@when("I create the readout")
def _create(sa: FlaskClient, call: dict[str, Any]) -> None:
    call["created"] = sa.post(f"/discoveries/{call['id']}/reports")


@then(parsers.parse('I am asked to confirm, with "{label}" among the key questions still open'))
def _confirm(sa: FlaskClient, call: dict[str, Any], label: str) -> None:
    resp = call["created"]
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/reports/new")
    page = sa.get(resp.headers["Location"]).get_data(as_text=True)
    assert f">{label}</a>" in page
    assert "Create anyway" in page and "Answer them first" in page


@when("I create it anyway")
def _anyway(sa: FlaskClient, call: dict[str, Any]) -> None:
    call["created"] = sa.post(f"/discoveries/{call['id']}/reports", data={"confirm": "1"})


@then("the readout is created")
def _created(sa: FlaskClient, call: dict[str, Any]) -> None:
    resp = call["created"]
    assert resp.status_code == 303
    assert re.fullmatch(r"/reports/\d+", resp.headers["Location"])
    page = sa.get(resp.headers["Location"])
    assert page.status_code == 200
