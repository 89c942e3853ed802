"""Shared fixtures: `app`, `client`, `runner`, an isolated database per test, creators.

The schema comes from the Alembic migrations (applied once per test session); after every
test all tables are emptied, so each test starts from an empty database. DATABASE_URL selects
the backend (SQLite by default, PostgreSQL in CI's second run).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

os.environ.setdefault("SECRET_KEY", "test-secret-key")

from recommender import create_app  # noqa: E402
from recommender.extensions import db, make_engine  # noqa: E402
from recommender.models import Base  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def _database_url(tmp_root: Path) -> str:
    base = os.environ.get("DATABASE_URL", "")
    # Parallel runs (xdist workers, or several checkouts on one machine) each get their own
    # database: RECOMMENDER_TEST_DB_SUFFIX or the xdist worker id names it.
    worker = os.environ.get("RECOMMENDER_TEST_DB_SUFFIX") or os.environ.get(
        "PYTEST_XDIST_WORKER", "main"
    )
    if base.startswith("postgresql"):
        if worker == "main":
            return base
        url = sa.make_url(base)
        name = f"{url.database}_{worker}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return url.set(database=name).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_root / f'test-{worker}.db'}"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A migrated, empty database for this test session (per xdist worker)."""
    from recommender.db import upgrade

    with tempfile.TemporaryDirectory(prefix="recommender-tests-") as tmp:
        url = _database_url(Path(tmp))
        if url.startswith("postgresql"):
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        upgrade(url)
        yield url


def _empty_all_tables(url: str) -> None:
    engine = make_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(sa.text("PRAGMA foreign_keys=OFF"))
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))
            conn.execute(sa.text("DELETE FROM sqlite_sequence")) if conn.scalar(
                sa.text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")
            ) else None
    engine.dispose()


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Overrides for `app`; tests may change this dict before `app` is built."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "FORMS_DIR": str(ROOT / "forms"),
        "RULES_DIR": str(ROOT / "rules"),
    }


@pytest.fixture
def app(app_config: dict[str, Any], database_url: str) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    if db.engine is not None:
        db.engine.dispose()
    _empty_all_tables(database_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Create a user: make_user(role="sa", email=None)."""
    from recommender.services.users import create_user

    counter = {"n": 0}

    def _make(role: str = "sa", email: str | None = None, password: str = PASSWORD) -> Any:
        counter["n"] += 1
        with app.app_context():
            return create_user(email or f"{role}{counter['n']}@example.com", password, role)

    return _make


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., Any]:
    """Log `client` in as a user object (or email) made by make_user."""

    def _login(user: Any, password: str = PASSWORD, the_client: FlaskClient | None = None) -> Any:
        c = the_client or client
        email = user if isinstance(user, str) else user.email
        resp = c.post("/login", data={"email": email, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    return _login


@pytest.fixture
def sa_user(make_user: Callable[..., Any]) -> Any:
    return make_user("sa")


@pytest.fixture
def sa_client(client: FlaskClient, sa_user: Any, login: Callable[..., Any]) -> FlaskClient:
    login(sa_user)
    return client
