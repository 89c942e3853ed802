"""Share links with the protections on, as in production: CSRF tokens on the SA's forms and
the per-IP rate limit on the customer's pages (both are off in the other tests' app)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recommender.services import reports, sharing

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(
        WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True, SHARE_RATE_LIMIT="3 per minute"
    )
    return app_config


@pytest.fixture
def snapshot_id(app: Flask, sa_user: Any, make_discovery: Any) -> int:
    discovery_id = make_discovery({"channels": ["web"]})
    with app.app_context():
        return reports.create_snapshot(discovery_id, sa_user).id


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_share_forms_need_the_csrf_token(
    client: FlaskClient, sa_user: Any, snapshot_id: int
) -> None:
    token = _form_token(client.get("/login").get_data(as_text=True))
    login = {"email": sa_user.email, "password": "correct-horse-battery", "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302

    refused = client.post(f"/reports/{snapshot_id}/share", data={"days": "7"})
    assert refused.status_code == 400 and b"CSRF" in refused.data
    form_token = _form_token(client.get(f"/reports/{snapshot_id}").get_data(as_text=True))
    made = client.post(
        f"/reports/{snapshot_id}/share", data={"days": "7", "csrf_token": form_token}
    )
    assert made.status_code == 303
    page = client.get(f"/reports/{snapshot_id}").get_data(as_text=True)
    link_id = re.search(r"Link #(\d+) is ready", page)
    assert link_id
    revoke = f"/reports/{snapshot_id}/share/{link_id.group(1)}/revoke"
    assert client.post(revoke).status_code == 400
    assert client.post(revoke, data={"csrf_token": form_token}).status_code == 303


def test_the_shared_pages_are_rate_limited(
    app: Flask, client: FlaskClient, sa_user: Any, snapshot_id: int
) -> None:
    with app.app_context():
        token = sharing.create_link(snapshot_id, 7, sa_user).token
    statuses = [client.get(f"/r/{token}").status_code for _ in range(3)]
    # One budget for every shared page, known token or not.
    statuses.append(client.get("/r/" + "B" * 43).status_code)
    assert statuses == [200, 200, 200, 429]
    # The SA's pages are not counted against it.
    assert client.get("/login").status_code == 200
