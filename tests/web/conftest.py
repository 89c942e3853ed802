"""Workspace test fixtures: a small SA discovery questionnaire (tests/web/forms), accounts and
discoveries made through the services, and an `autosave` helper for the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

FORMS = Path(__file__).resolve().parent / "forms"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["FORMS_DIR"] = str(FORMS)
    return app_config


@pytest.fixture
def questionnaire_loaded(app: Flask) -> None:
    from recommender.services import questionnaires

    with app.app_context():
        questionnaires.load_directory()


@pytest.fixture
def make_discovery(app: Flask, questionnaire_loaded: None) -> Callable[..., int]:
    """make_discovery(owner, company="Acme GmbH") -> discovery id (account created too)."""
    from recommender.extensions import db
    from recommender.models import User
    from recommender.services import accounts, discoveries

    def _make(owner: Any, company: str = "Acme GmbH", title: str = "") -> int:
        with app.app_context():
            user = db.session.get(User, owner.id)
            account = accounts.create_account(company, user)
            return discoveries.start_discovery(account.id, user, title).id

    return _make


@pytest.fixture
def discovery_id(make_discovery: Callable[..., int], sa_user: Any) -> int:
    return make_discovery(sa_user)


@pytest.fixture
def autosave() -> Callable[..., Any]:
    """autosave(client, discovery_id, question_id, value, version=0) -> response."""

    def _save(
        client: FlaskClient, did: int, qid: str, value: Any, version: int = 0, **kw: Any
    ) -> Any:
        return client.post(
            f"/discoveries/{did}/answers",
            json={"question_id": qid, "value": value, "version": version},
            **kw,
        )

    return _save


@pytest.fixture
def stored(app: Flask) -> Callable[[int], dict[str, Any]]:
    """stored(discovery_id) -> the answers in the database, typed."""
    from recommender.services import discoveries

    def _stored(did: int) -> dict[str, Any]:
        with app.app_context():
            return discoveries.answers_of(did)

    return _stored
