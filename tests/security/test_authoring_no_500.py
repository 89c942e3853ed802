"""The workbench's hostile inputs from the penetration test: 4xx with a message, never 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

PASSWORD = "correct-horse-battery"


@pytest.fixture
def author(app: Flask, client: FlaskClient, make_user: Any) -> FlaskClient:
    from recommender.services import questionnaires, rulesets

    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()
    user = make_user("author", password=PASSWORD)
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return client


@pytest.mark.parametrize(
    "url,status",
    [
        ("/rulesets/stripe/export?version=99999999999999999999", 404),
        ("/rulesets/stripe/export?version=-1", 404),
        ("/rulesets/stripe/export?version=abc", 400),
        ("/rulesets/stripe/export?version=99999", 404),
        ("/rulesets/stripe/export?version=2147483648", 404),
        ("/rulesets/stripe/versions/99999999999999999999", 404),
        ("/rulesets/stripe/rollback/99999999999999999999", 404),
    ],
)
def test_huge_or_bad_version_numbers(author: FlaskClient, url: str, status: int) -> None:
    assert author.get(url).status_code == status


@pytest.mark.parametrize("to", ["99999999999999999999", "x", ""])
def test_rollback_to_a_bad_number(author: FlaskClient, to: str) -> None:
    resp = author.post("/rulesets/stripe/rollback", data={"to": to, "note": "n"})
    assert 400 <= resp.status_code < 500


@pytest.mark.parametrize(
    "source",
    [
        "!!python/name:os.system\n",
        "rules: !!python/object/apply:os.system ['true']\n",
        "!foo bar\n",
        "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "a: " + "{x: " * 3000 + "1" + "}" * 3000 + "\n",
        "&a [*a]\n",
    ],
)
def test_check_with_yaml_tags_and_deep_nesting(author: FlaskClient, source: str) -> None:
    resp = author.post("/rulesets/stripe/check", data={"source": source})
    assert resp.status_code == 200, resp.status_code
    data = resp.get_json()
    assert data["ok"] is False and data["problems"]
    assert all(p["message"] for p in data["problems"])
