"""The app factory, login, roles, error pages, CSRF, and models/migrations agreement."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from werkzeug.routing import IntegerConverter

from recommender import create_app
from recommender.extensions import make_engine
from recommender.models import Base


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], f"models differ from the migrations: {diff}"


def test_healthz(client: Any) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_login_logout(client: Any, make_user: Any) -> None:
    user = make_user("sa")
    resp = client.post("/login", data={"email": user.email, "password": "wrong-password"})
    assert resp.status_code == 400
    assert b"wrong password" in resp.data
    resp = client.post("/login", data={"email": user.email.upper(), "password": "correct-horse-battery"})
    assert resp.status_code == 302
    assert client.post("/logout").status_code == 302


def test_login_rejects_offsite_next(client: Any, make_user: Any) -> None:
    user = make_user("sa")
    resp = client.post(
        "/login?next=https://evil.example/x",
        data={"email": user.email, "password": "correct-horse-battery"},
    )
    assert resp.status_code == 302
    assert "evil.example" not in resp.headers["Location"]


def test_csrf_is_enforced(app_config: dict[str, Any], make_user: Any) -> None:
    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    resp = client.post("/login", data={"email": "x@example.com", "password": "whatever123"})
    assert resp.status_code == 400
    assert b"CSRF" in resp.data


def test_unknown_page_is_a_clean_404(client: Any) -> None:
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert b"<h1>404</h1>" in resp.data


def test_users_create_cli(runner: Any, app: Any) -> None:
    from recommender.cli import main

    args = ["users", "create", "New@Example.com", "--role", "author", "--password", "long-enough-pw"]
    result = runner.invoke(main, args, obj={"app": app})
    assert result.exit_code == 0, result.output
    assert "created new@example.com (author)" in result.output
    args = ["users", "create", "new@example.com", "--role", "sa", "--password", "long-enough-pw"]
    again = runner.invoke(main, args, obj={"app": app})
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_password_hash_is_not_plaintext(app: Any, make_user: Any) -> None:
    from recommender.extensions import db
    from recommender.models import User

    make_user("admin", email="boss@example.com")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "boss@example.com"))
        assert user is not None
        assert "correct-horse-battery" not in user.password_hash


def test_nul_characters_are_a_clear_400_not_a_500(client: Any, make_user: Any) -> None:
    """PostgreSQL cannot store NUL in text; every form outside the workspace (which answers
    per field) refuses it up front instead of failing in the database."""
    make_user("sa", email="nul@example.com")
    resp = client.post("/login", data={"email": "nul\x00@example.com", "password": "whatever123"})
    assert resp.status_code == 400
    assert b"NUL character" in resp.data
    resp = client.get("/start?utm_source=ads\x00")
    assert resp.status_code == 400
    resp = client.post("/start", json={"company": "Ac\x00me"})
    assert resp.status_code == 400
    assert "NUL character" in resp.get_json()["error"]
    # The same login without the NUL still works.
    ok = client.post("/login", data={"email": "nul@example.com", "password": "correct-horse-battery"})
    assert ok.status_code == 302


def test_a_nul_in_an_address_is_not_found(client: Any, make_user: Any, login: Any) -> None:
    login(make_user("author"))
    assert client.get("/rulesets/stri%00pe").status_code == 404
    assert client.get("/start/resume/abc%00def").status_code == 404


PUBLIC_ENDPOINTS = {"static", "main.index", "main.healthz", "auth.login"}
# The self-serve pre-qualification and the customer's shared readout are public by design.
PUBLIC_BLUEPRINTS = {"prequal", "shared"}


def test_every_other_page_requires_a_login(app: Any, client: Any) -> None:
    """Walk the whole URL map: outside the public pages, an anonymous request for any
    method is sent to the login page (or refused), never served."""
    checked = 0
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0] if "." in rule.endpoint else ""
        if rule.endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS:
            continue
        values = {
            arg: 1 if isinstance(conv, IntegerConverter) else "x"
            for arg, conv in rule._converters.items()
        }
        url = rule.build(values)[1] if values else rule.rule
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method)
            assert resp.status_code in (302, 401, 403), (rule.endpoint, method, resp.status_code)
            if resp.status_code == 302:
                assert "/login" in resp.headers["Location"], (rule.endpoint, method)
            checked += 1
    assert checked > 40  # the walk really covered the app
