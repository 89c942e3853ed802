"""Fuzzing the JSON and form endpoints (Hypothesis): whatever arrives, the answer is never a
5xx, and a refused request (4xx) changes nothing that is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

PASSWORD = "correct-horse-battery"

# JSON-ish values: scalars of every kind, odd strings, nesting a few levels deep.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "\x00", "DE", "web", "1e309", "-0", "[]", "{}", "a" * 300]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
question_ids = st.one_of(
    st.sampled_from(
        [
            "company_name",
            "annual_volume_usd",
            "channels",
            "customer_countries",
            "hq_country",
            "go_live_months",
            "nope",
            "",
            "__proto__",
        ]
    ),
    st.text(max_size=20),
    values,
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(app: Flask, make_user: Any) -> Iterator[dict[str, Any]]:
    from recommender.extensions import db
    from recommender.models import User
    from recommender.services import accounts, discoveries, questionnaires

    user = make_user("sa", password=PASSWORD)
    with app.app_context():
        questionnaires.load_directory()
        me = db.session.get(User, user.id)
        account = accounts.create_account("Fuzz Ltd", me)
        did = discoveries.start_discovery(account.id, me).id
    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    yield {"client": client, "discovery": did, "email": user.email}


def _stored(app: Flask) -> str:
    """Everything the endpoints could change, as one comparable text."""
    from recommender.extensions import db

    out = []
    with app.app_context():
        for table, order in [
            ("answers", "discovery_id, question_id"),
            ("section_notes", "discovery_id, section_id"),
            ("discoveries", "id"),
            ("users", "id"),
            ("leads", "id"),
            ("accounts", "id"),
        ]:
            rows = db.session.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).all()
            out.append(json.dumps([[str(v) for v in r] for r in rows]))
    return "\n".join(out)


def _check(app: Flask, before: str, resp: Any) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.get_data(as_text=True)[:300])
    if resp.status_code >= 400:
        assert _stored(app) == before, "a refused request changed what is stored"


@FUZZ
@given(
    qid=question_ids,
    value=values,
    version=values,
    extra=st.dictionaries(st.text(max_size=5), values, max_size=2),
)
def test_autosave_json(
    app: Flask, world: dict[str, Any], qid: Any, value: Any, version: Any, extra: Any
) -> None:
    before = _stored(app)
    body = {**extra, "question_id": qid, "value": value, "version": version}
    resp = world["client"].post(
        f"/discoveries/{world['discovery']}/answers",
        data=json.dumps(body, allow_nan=True),
        content_type="application/json",
    )
    _check(app, before, resp)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_autosave_raw_bytes(app: Flask, world: dict[str, Any], raw: bytes) -> None:
    before = _stored(app)
    resp = world["client"].post(
        f"/discoveries/{world['discovery']}/answers", data=raw, content_type="application/json"
    )
    _check(app, before, resp)


@FUZZ
@given(
    section=st.one_of(st.sampled_from(["company", "payments", "x"]), st.text(max_size=10)),
    body=values,
)
def test_notes_json(app: Flask, world: dict[str, Any], section: str, body: Any) -> None:
    before = _stored(app)
    resp = world["client"].post(
        f"/discoveries/{world['discovery']}/notes/{section.replace('/', '_') or 'x'}",
        data=json.dumps(body, allow_nan=True),
        content_type="application/json",
    )
    _check(app, before, resp)


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(["email", "password", "next", "x", "csrf_token"]),
        st.text(max_size=300),
        max_size=5,
    )
)
def test_login_form(app: Flask, form: dict[str, str]) -> None:
    before = _stored(app)
    resp = app.test_client().post("/login", data=form)
    _check(app, before, resp)


@FUZZ
@given(
    step=st.integers(min_value=-5, max_value=2**70),
    form=st.dictionaries(
        st.text(min_size=1, max_size=20), st.lists(st.text(max_size=50), max_size=3), max_size=6
    ),
)
def test_prequal_steps(app: Flask, step: int, form: dict[str, list[str]]) -> None:
    client = app.test_client()
    before = _stored(app)
    resp = client.post(f"/start/step/{step}", data=form)
    _check(app, before, resp)


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(["current", "new", "confirm"]), st.text(max_size=300), max_size=3
    )
)
def test_password_form(app: Flask, world: dict[str, Any], form: dict[str, str]) -> None:
    form = {k: v for k, v in form.items() if not (k == "current" and v == PASSWORD)}
    before = _stored(app)
    resp = world["client"].post("/account", data=form)
    _check(app, before, resp)
    assert resp.status_code == 400  # the current password is never right here
