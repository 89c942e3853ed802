"""Fixtures for the authoring tests: a small `demo` ruleset with its own questionnaire,
authors, saved discoveries and leads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

DATA = Path(__file__).parent / "data"
DEMO_RULES = DATA / "rules" / "demo.yaml"
# A ruleset with data files (payment_methods.yaml, markets.yaml beside it).
SHOP_RULES = DATA / "markets" / "shop.yaml"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(
        {
            "FORMS_DIR": str(DATA / "forms"),
            "RULES_DIR": str(DATA / "rules"),
            "RULESET_FEATURES_DIR": str(DATA / "features"),
            "RULESET_REFRESH_SECONDS": 0.0,
        }
    )
    return app_config


@pytest.fixture
def demo(app: Flask) -> Any:
    """The demo ruleset imported and published as version 1 (scenarios seeded)."""
    from recommender.services import authoring

    with app.app_context():
        row, _ = authoring.import_file(DEMO_RULES, None, publish_now=True)
        return row


@pytest.fixture
def shop(app: Flask) -> Any:
    """The shop ruleset (with its data files) imported and published as version 1."""
    from recommender.services import authoring

    with app.app_context():
        row, _ = authoring.import_file(SHOP_RULES, None, publish_now=True)
        return row


def _store_questionnaire(app: Flask, form: str) -> Any:
    from recommender.engine.model import checksum
    from recommender.extensions import db
    from recommender.models import QuestionnaireVersion
    from recommender.questionnaire import load_questionnaire

    path = DATA / "forms" / f"{form}.yaml"
    q = load_questionnaire(path)
    with app.app_context(), db.transaction() as session:
        row = QuestionnaireVersion(
            form_id=q.id,
            version=q.version,
            title=q.title,
            definition=q.to_dict(),
            source=path.read_text(),
            checksum=checksum(path.read_text()),
        )
        session.add(row)
    return row


@pytest.fixture
def questionnaire_row(app: Flask) -> Any:
    return _store_questionnaire(app, "authoring_demo")


@pytest.fixture
def markets_questionnaire_row(app: Flask) -> Any:
    return _store_questionnaire(app, "authoring_markets")


@pytest.fixture
def author(make_user: Callable[..., Any]) -> Any:
    return make_user("author")


@pytest.fixture
def author_client(client: FlaskClient, author: Any, login: Callable[..., Any]) -> FlaskClient:
    login(author)
    return client


@pytest.fixture
def make_discovery(app: Flask, questionnaire_row: Any, make_user: Callable[..., Any]) -> Callable[..., int]:
    """make_discovery(answers, account="Acme") -> discovery id (answers stored as rows)."""
    return _discovery_maker(app, questionnaire_row, make_user("sa"))


@pytest.fixture
def make_shop_discovery(
    app: Flask, markets_questionnaire_row: Any, make_user: Callable[..., Any]
) -> Callable[..., int]:
    """A discovery answering the authoring_markets questionnaire (for the shop ruleset)."""
    return _discovery_maker(app, markets_questionnaire_row, make_user("sa"))


def _discovery_maker(app: Flask, questionnaire_row: Any, owner: Any) -> Callable[..., int]:
    from recommender.extensions import db
    from recommender.models import Account, Answer, Discovery

    def _make(answers: dict[str, Any], account: str = "Acme") -> int:
        with app.app_context(), db.transaction() as session:
            acc = Account(name=account, created_by_id=owner.id)
            session.add(acc)
            session.flush()
            d = Discovery(account_id=acc.id, questionnaire_version_id=questionnaire_row.id, owner_id=owner.id)
            session.add(d)
            session.flush()
            for qid, value in answers.items():
                session.add(Answer(discovery_id=d.id, question_id=qid, value=value))
            return d.id

    return _make


@pytest.fixture
def make_lead(app: Flask, questionnaire_row: Any) -> Callable[..., int]:
    from recommender.extensions import db
    from recommender.models import Lead
    from recommender.models.base import utcnow

    counter = {"n": 0}

    def _make(answers: dict[str, Any], company: str = "Lead Co") -> int:
        counter["n"] += 1
        with app.app_context(), db.transaction() as session:
            lead = Lead(
                token_hash=f"{counter['n']:064d}",
                token_expires_at=utcnow() + timedelta(days=1),
                questionnaire_version_id=questionnaire_row.id,
                status="submitted",
                answers=answers,
                company=company,
            )
            session.add(lead)
            session.flush()
            return lead.id

    return _make


def edit_source(source: str, old: str, new: str) -> str:
    assert old in source, old
    return source.replace(old, new, 1)
