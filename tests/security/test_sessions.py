"""Sessions end on the server: a copied cookie stops working after logout, a password
change, an admin's "sign out everywhere", or idleness."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

PASSWORD = "correct-horse-battery"


def _login(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    c = app.test_client()
    resp = c.post("/login", data={"email": email, "password": password})
    assert resp.status_code == 302, resp.status_code
    return c


def _copy(app: Flask, source: FlaskClient) -> FlaskClient:
    """A second client holding exactly the same session cookie (a stolen copy)."""
    thief = app.test_client()
    cookie = source.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def _in(c: FlaskClient) -> bool:
    return c.get("/discoveries").status_code == 200


def test_a_copied_cookie_stops_working_after_logout(app: Flask, make_user: Any) -> None:
    user = make_user("sa", password=PASSWORD)
    c = _login(app, user.email)
    thief = _copy(app, c)
    assert _in(thief)
    c.post("/logout")
    assert not _in(c)
    resp = thief.get("/discoveries")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_logout_ends_only_that_session(app: Flask, make_user: Any) -> None:
    user = make_user("sa", password=PASSWORD)
    laptop, phone = _login(app, user.email), _login(app, user.email)
    laptop.post("/logout")
    assert _in(phone) and not _in(laptop)


def test_a_password_change_signs_out_every_other_session(app: Flask, make_user: Any) -> None:
    user = make_user("sa", password=PASSWORD)
    here, elsewhere = _login(app, user.email), _login(app, user.email)
    resp = here.post(
        "/account",
        data={"current": PASSWORD, "new": "new-password-1", "confirm": "new-password-1"},
    )
    assert resp.status_code == 302
    assert "Signed out of 1 other session" in here.get("/account").get_data(as_text=True)
    assert _in(here) and not _in(elsewhere)
    assert _login(app, user.email, "new-password-1")


@pytest.mark.parametrize(
    "data,field,message",
    [
        (
            {"current": "wrong-one", "new": "new-password-1", "confirm": "new-password-1"},
            "current",
            "not your current password",
        ),
        ({"current": PASSWORD, "new": "short", "confirm": "short"}, "new", "at least 8"),
        (
            {"current": PASSWORD, "new": "new-password-1", "confirm": "new-password-2"},
            "confirm",
            "not the same",
        ),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    app: Flask, make_user: Any, data: dict[str, str], field: str, message: str
) -> None:
    user = make_user("sa", password=PASSWORD)
    here, elsewhere = _login(app, user.email), _login(app, user.email)
    resp = here.post("/account", data=data)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert _in(elsewhere)
    assert _login(app, user.email, PASSWORD)


def test_an_admin_signs_a_user_out_everywhere(app: Flask, make_user: Any) -> None:
    from recommender.extensions import db
    from recommender.models import AuditEntry

    admin = make_user("admin", password=PASSWORD)
    user = make_user("sa", password=PASSWORD)
    a, b = _login(app, user.email), _login(app, user.email)
    boss = _login(app, admin.email)
    page = boss.get("/admin/users").get_data(as_text=True)
    assert user.email in page and "Sign out everywhere" in page
    assert boss.post(f"/admin/users/{user.id}/sign-out").status_code == 302
    assert "2 sessions ended" in boss.get("/admin/users").get_data(as_text=True)
    assert not _in(a) and not _in(b) and _in(boss)
    # Only admins may.
    assert a.post(f"/admin/users/{admin.id}/sign-out").status_code == 302  # to login
    sa = _login(app, user.email)
    assert sa.post(f"/admin/users/{admin.id}/sign-out").status_code == 403
    assert sa.get("/admin/users").status_code == 403
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == str(user.id))
        ).all()
        assert "user.signed_out_everywhere" in actions


def test_an_idle_session_ends(app: Flask, make_user: Any) -> None:
    from recommender.extensions import db
    from recommender.models import UserSession
    from recommender.models.base import utcnow

    user = make_user("sa", password=PASSWORD)
    c = _login(app, user.email)
    assert _in(c)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - idle))
        db.session.commit()
    assert not _in(c)
    with app.app_context():
        row = db.session.scalars(select(UserSession)).one()
        assert row.ended_reason == "idle"


def test_the_session_cookie_from_before_login_is_not_kept(app: Flask, make_user: Any) -> None:
    user = make_user("sa", password=PASSWORD)
    c = app.test_client()
    with c.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
    c.post("/login", data={"email": user.email, "password": PASSWORD})
    with c.session_transaction() as sess:
        assert "planted" not in sess


def test_cli_reset_and_sign_out(app: Flask, make_user: Any) -> None:
    from click.testing import CliRunner

    from recommender.cli import main

    runner = CliRunner()

    user = make_user("sa", password=PASSWORD)
    c = _login(app, user.email)
    result = runner.invoke(main, ["users", "sign-out", user.email], obj={"app": app})
    assert result.exit_code == 0 and "1 session(s) ended" in result.output
    assert not _in(c)
    c = _login(app, user.email)
    result = runner.invoke(
        main,
        ["users", "set-password", user.email],
        obj={"app": app},
        env={"RECOMMENDER_PASSWORD": "reset-password-1"},
    )
    assert result.exit_code == 0, result.output
    assert not _in(c)
    assert _login(app, user.email, "reset-password-1")
    result = runner.invoke(main, ["users", "sign-out", "nobody@example.com"], obj={"app": app})
    assert result.exit_code == 1 and "no user" in result.output
