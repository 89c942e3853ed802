"""Hostile requests the penetration test turned into 500s get a 4xx (or a 503 to retry)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

DEEP = "[" * 100_000 + "]" * 100_000
PASSWORD = "correct-horse-battery"


@pytest.mark.parametrize(
    "method,url", [("post", "/login"), ("get", "/healthz"), ("post", "/start")]
)
def test_deeply_nested_json_is_a_400_anonymously(
    client: FlaskClient, method: str, url: str
) -> None:
    resp = getattr(client, method)(url, data=DEEP, content_type="application/json")
    assert resp.status_code == 400
    assert "nested" in resp.get_json()["error"]


def test_deeply_nested_json_is_a_400_on_autosave(
    client: FlaskClient, make_user: Any, login: Any
) -> None:
    login(make_user("sa", password=PASSWORD), password=PASSWORD)
    for body in (DEEP, '{"question_id": "x", "value": ' + "[" * 40 + "]" * 40 + "}"):
        resp = client.post("/discoveries/1/answers", data=body, content_type="application/json")
        assert resp.status_code == 400, body[:50]


def test_deep_json_with_csrf_on_is_refused_too(app_config: dict[str, Any], other_app: Any) -> None:
    with other_app({**app_config, "WTF_CSRF_ENABLED": True}) as strict:
        resp = strict.test_client().post("/login", data=DEEP, content_type="application/json")
        assert resp.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/reports/99999999999999999999",
        "/discoveries/99999999999999999999",
        "/leads/99999999999999999999",
        "/accounts/18446744073709551616",
        "/discoveries/9223372036854775808/recommendation",
        "/reports/2147483648",  # one past PostgreSQL's INTEGER
        "/leads/9223372036854775807",
    ],
)
def test_ids_beyond_what_the_database_holds_are_not_found(
    client: FlaskClient, make_user: Any, login: Any, url: str
) -> None:
    login(make_user("admin", password=PASSWORD), password=PASSWORD)
    assert client.get(url).status_code == 404


def test_the_largest_id_the_database_holds_is_a_plain_not_found(
    client: FlaskClient, make_user: Any, login: Any
) -> None:
    login(make_user("admin", password=PASSWORD), password=PASSWORD)
    assert client.get("/reports/2147483647").status_code == 404


def test_start_works_when_redis_is_unreachable(app_config: dict[str, Any], other_app: Any) -> None:
    config = {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9",
    }
    with other_app(config) as app:
        client = app.test_client()
        for _ in range(5):
            resp = client.post("/start", data={})
            assert resp.status_code < 500, resp.status_code
        # Logins too: the throttle counts in memory while its storage is down.
        resp = client.post("/login", data={"email": "a@example.com", "password": "wrong-pass"})
        assert resp.status_code == 400


def test_a_dropped_database_connection_is_a_503_to_retry(
    app: Flask, client: FlaskClient, make_user: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from recommender.services import discoveries

    login(make_user("sa", password=PASSWORD), password=PASSWORD)

    def dropped(*_a: Any, **_k: Any) -> Any:
        raise OperationalError(
            "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
        )

    monkeypatch.setattr(discoveries, "list_discoveries", dropped)
    resp = client.get("/discoveries")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "2"
    assert "Try again" in resp.get_data(as_text=True)


def test_form_ids_beyond_what_the_database_holds_are_refused(
    client: FlaskClient, make_user: Any, login: Any
) -> None:
    login(make_user("sa", password=PASSWORD), password=PASSWORD)
    resp = client.post("/discoveries", data={"account_id": "99999999999999999999"})
    assert resp.status_code == 400
    resp = client.post(
        "/leads/1/convert", data={"target": "existing", "account_id": "99999999999999999999"}
    )
    assert 400 <= resp.status_code < 500
