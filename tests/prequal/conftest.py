"""Pre-qualification fixtures: the real forms/ and rules/ loaded, a prospect's journey, leads
made through the service, and a way to age a lead's resume link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

STEP1: dict[str, Any] = {
    "business_model": "saas",
    "industry": "software",
    "customer_type": ["businesses"],
    "hq_country": "US",
    "customer_countries": ["US", "DE"],
}
STEP2: dict[str, Any] = {
    "offering_types": ["saas"],
    "channels": ["web"],
    "pricing_models": ["seat"],
    "currency_strategy": "local_prices",
    "annual_volume_usd": "20000000",
    "pays_out_third_parties": "false",
    "current_processor": "none",
    "dev_capacity": "small",
}
STEP3: dict[str, Any] = {
    "company_name": "Acme Cloud",
    "contact_name": "Ada Lovelace",
    "contact_email": "ada@acme.example",
}


@pytest.fixture
def prequal_answers() -> list[dict[str, Any]]:
    """Valid form data for steps 1, 2 and 3 (copies; tests may change them)."""
    return [dict(STEP1), dict(STEP2), dict(STEP3)]


@pytest.fixture
def loaded(app: Flask) -> Flask:
    """forms/*.yaml and rules/*.yaml imported, as `recommender setup` does."""
    from recommender.services import questionnaires, rulesets

    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()
    return app


@pytest.fixture
def journey(loaded: Flask) -> Callable[..., Any]:
    """journey(client, step1=..., step2=..., step3=..., query="") -> the result page response.

    Each dict overrides the default answers; pass `stop_after=n` to leave a draft at step n+1.
    """

    def _go(
        client: FlaskClient,
        step1: dict[str, Any] | None = None,
        step2: dict[str, Any] | None = None,
        step3: dict[str, Any] | None = None,
        query: str = "",
        stop_after: int | None = None,
        environ: dict[str, str] | None = None,
    ) -> Any:
        kw: dict[str, Any] = {"environ_base": environ} if environ else {}
        resp = client.get(f"/start{query}", **kw)
        assert resp.status_code == 200
        tracking = {k: v for k, v in _query_dict(query).items()}
        resp = client.post("/start", data=tracking, **kw)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:400]
        for n, data in enumerate(
            ({**STEP1, **(step1 or {})}, {**STEP2, **(step2 or {})}, {**STEP3, **(step3 or {})}),
            start=1,
        ):
            if stop_after is not None and n > stop_after:
                return resp
            resp = client.post(f"/start/step/{n}", data=data, **kw)
            assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        return client.get(resp.headers["Location"], **kw)

    return _go


def _query_dict(query: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query.lstrip("?")))


@pytest.fixture
def lead_token(client: FlaskClient) -> Callable[[], str]:
    """The resume token the client's session holds."""

    def _token() -> str:
        with client.session_transaction() as sess:
            return str(sess["prequal_token"])

    return _token


@pytest.fixture
def age_lead(loaded: Flask) -> Callable[[int, timedelta], None]:
    """age_lead(lead_id, delta): move the lead's link expiry `delta` into the past."""
    from sqlalchemy import update

    from recommender.extensions import db
    from recommender.models import Lead
    from recommender.models.base import utcnow

    def _age(lead_id: int, delta: timedelta) -> None:
        with loaded.app_context(), db.transaction() as session:
            session.execute(
                update(Lead).where(Lead.id == lead_id).values(token_expires_at=utcnow() - delta)
            )

    return _age


@pytest.fixture
def all_leads(loaded: Flask) -> Callable[[], list[Any]]:
    from sqlalchemy import select

    from recommender.extensions import db
    from recommender.models import Lead

    def _all() -> list[Any]:
        with loaded.app_context():
            leads = list(db.session.scalars(select(Lead).order_by(Lead.id)))
            for lead in leads:
                db.session.expunge(lead)
            return leads

    return _all
