"""Steps for features/sa_journey.feature: the SA workspace through the Flask test client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("sa_journey.feature")


@pytest.fixture
def loaded(app: Flask) -> Flask:
    from recommender.services import questionnaires

    with app.app_context():
        questionnaires.load_directory()
    return app


@given("I am logged in as an SA", target_fixture="sa")
def _sa(loaded: Flask, sa_client: FlaskClient) -> FlaskClient:
    return sa_client


@given(parsers.parse('an account named "{name}" exists'), target_fixture="account_id")
def _account(sa: FlaskClient, name: str) -> int:
    resp = sa.post("/accounts", data={"name": name})
    assert resp.status_code == 302
    return int(resp.headers["Location"].rsplit("/", 1)[1])


@when(parsers.parse('I start a discovery for "{name}"'), target_fixture="discovery")
def _start(sa: FlaskClient, account_id: int, name: str) -> dict[str, Any]:
    assert name in sa.get(f"/accounts/{account_id}").get_data(as_text=True)
    resp = sa.post("/discoveries", data={"account_id": str(account_id)})
    discovery_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    first = sa.get(resp.headers["Location"]).headers["Location"]
    return {
        "id": discovery_id,
        "versions": {},
        "html": sa.get(first).get_data(as_text=True),
        "url": first,
    }


def _split(value: str) -> Any:
    return [part.strip() for part in value.split(",")] if "," in value else value


@when(parsers.parse('I answer "{question_id}" with "{value}"'))
def _answer(sa: FlaskClient, discovery: dict[str, Any], question_id: str, value: str) -> None:
    raw: Any = _split(value)
    if question_id == "channels" and isinstance(raw, str):
        raw = [raw]
    resp = sa.post(
        f"/discoveries/{discovery['id']}/answers",
        json={
            "question_id": question_id,
            "value": raw,
            "version": discovery["versions"].get(question_id, 0),
        },
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    discovery["versions"][question_id] = body["version"]
    discovery["last"] = body


@when(parsers.parse('I leave and come back to the section "{section_id}"'))
def _resume(sa: FlaskClient, discovery: dict[str, Any], section_id: str) -> None:
    assert sa.get("/discoveries").status_code == 200
    url = f"/discoveries/{discovery['id']}/sections/{section_id}"
    discovery["html"] = sa.get(url).get_data(as_text=True)
    discovery["url"] = url


@then(parsers.parse('I am on the section "{section_id}"'))
def _on_section(discovery: dict[str, Any], section_id: str) -> None:
    assert discovery["url"].endswith(f"/sections/{section_id}")


def _field(html: str, question_id: str) -> str:
    match = re.search(
        rf'<div class="field ws-q[^"]*"[^>]*data-question="{question_id}"[^>]*>.*?</div>',
        html,
        re.S,
    )
    assert match, question_id
    return match.group(0)


@then(parsers.parse('the question "{question_id}" shows "{value}"'))
def _shows(discovery: dict[str, Any], question_id: str, value: str) -> None:
    assert f'value="{value}"' in _field(discovery["html"], question_id)


@then(parsers.parse('the question "{question_id}" is visible'))
def _visible(discovery: dict[str, Any], question_id: str) -> None:
    assert question_id in discovery["last"]["visible"]


@then(parsers.parse('the question "{question_id}" is hidden'))
def _hidden(discovery: dict[str, Any], question_id: str) -> None:
    assert question_id not in discovery["last"]["visible"]


@then(parsers.parse('the section "{section_id}" counts {count:d} answered questions'))
def _counts(discovery: dict[str, Any], section_id: str, count: int) -> None:
    assert re.search(rf'data-section-count="{section_id}"[^>]*>{count}/\d+<', discovery["html"])


@then(parsers.parse('the answer "{question_id}" is still stored as {value:d}'))
def _stored(loaded: Flask, discovery: dict[str, Any], question_id: str, value: int) -> None:
    from recommender.services import discoveries

    with loaded.app_context():
        assert discoveries.answers_of(discovery["id"])[question_id] == value
