"""Logins: throttled per account and per address, the same work for unknown emails, audited;
cookies and caching headers that keep sessions and answers private."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

PASSWORD = "correct-horse-battery"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per 15 minutes"
    app_config["LOGIN_FAILURES_PER_IP"] = "6 per 15 minutes"
    return app_config


def _login(client: FlaskClient, email: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_account_is_paused_after_repeated_failures_even_with_the_right_password(
    client: FlaskClient, make_user: Any
) -> None:
    user = make_user("sa", password=PASSWORD)
    for _ in range(3):
        assert _login(client, user.email, "wrong-password").status_code == 400
    refused = _login(client, user.email, PASSWORD)
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Too many failed logins for this account" in text
    assert "try again in 15 minutes" in text
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # Another account from another address is not affected.
    other = make_user("sa", password=PASSWORD)
    assert _login(client, other.email, PASSWORD, address="10.0.0.2").status_code == 302


def test_an_address_guessing_many_accounts_is_paused(client: FlaskClient, make_user: Any) -> None:
    user = make_user("sa", password=PASSWORD)
    for n in range(6):
        assert _login(client, f"nobody{n}@example.com", "x" * 9).status_code == 400
    assert _login(client, user.email, PASSWORD).status_code == 429
    assert "from your network" in _login(client, user.email, PASSWORD).get_data(as_text=True)
    assert _login(client, user.email, PASSWORD, address="10.9.9.9").status_code == 302


def test_a_success_clears_the_accounts_count(client: FlaskClient, make_user: Any) -> None:
    user = make_user("sa", password=PASSWORD)
    for _ in range(2):
        _login(client, user.email, "wrong-password")
    assert _login(client, user.email, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(2):
        assert _login(client, user.email, "wrong-password").status_code == 400
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_unknown_emails_cost_a_password_check_too(
    client: FlaskClient, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recommender.services import users

    calls: list[str] = []
    real = users.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        calls.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(users, "check_password_hash", counting)
    user = make_user("sa", password=PASSWORD)
    _login(client, user.email, "wrong-password")
    _login(client, "nobody@example.com", "wrong-password")
    assert len(calls) == 2
    # The same hashing method and cost for both.
    assert calls[0].split("$")[0] == calls[1].split("$")[0]


def test_logins_are_audited(app: Flask, client: FlaskClient, make_user: Any) -> None:
    from recommender.extensions import db
    from recommender.models import AuditEntry

    user = make_user("sa", password=PASSWORD)
    _login(client, user.email, "wrong-password")
    _login(client, user.email, PASSWORD)
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("login.%")).order_by(AuditEntry.id)
        ).all()
        assert [r.action for r in rows] == ["login.failed", "login.succeeded"]
        assert rows[0].actor_id is None and user.email in rows[0].summary
        assert rows[1].actor_id == user.id and "10.0.0.1" in rows[1].summary


def test_logged_in_pages_are_not_cached_but_static_files_are(
    client: FlaskClient, make_user: Any
) -> None:
    user = make_user("sa", password=PASSWORD)
    _login(client, user.email, PASSWORD)
    for url in ("/discoveries", "/accounts", "/"):
        resp = client.get(url)
        assert "no-store" in resp.headers.get("Cache-Control", ""), url
    static = client.get("/static/css/app.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_https_settings_make_cookies_secure_and_send_hsts(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, make_user: Any, other_app: Any
) -> None:
    user = make_user("sa", password=PASSWORD)
    monkeypatch.setenv("RECOMMENDER_HTTPS", "1")
    with other_app(dict(app_config)) as https_app:
        assert https_app.config["SESSION_COOKIE_SECURE"] is True
        c = https_app.test_client()
        resp = c.post(
            "/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost"
        )
        assert resp.status_code == 302
        cookie = resp.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_plain_http_sends_no_hsts(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
