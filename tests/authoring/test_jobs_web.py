"""The impact preview and lint as background jobs in the workbench: start (POST, CSRF),
the job page with its progress and then the stored result, the status JSON, cancel (the
job's author or an admin), roles, 404 for an unknown job; above JOBS_INLINE_LIMIT the
impact and lint pages no longer compute in the request."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recommender.services import jobs
from recommender.services.jobs import wait_inline

from .conftest import edit_source

THRESHOLD = "annual_volume_usd >= 10_000_000"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update({"REDIS_URL": None, "JOB_CHUNK_SIZE": 2})
    return app_config


@pytest.fixture
def saved(demo: Any, make_discovery: Callable[..., int]) -> list[int]:
    return [
        make_discovery({"annual_volume_usd": v}, f"Co {v}")
        for v in (1_000, 6_000_000, 7_000_000, 20_000_000, 9_000_000)
    ]


def _lower_the_bar(app: Flask, author: Any) -> None:
    from recommender.services import authoring

    with app.app_context():
        source = authoring.get_or_create_draft("demo", author).source
        authoring.save_draft(
            "demo", author, edit_source(source, THRESHOLD, "annual_volume_usd >= 5_000_000")
        )


def _json(resp: Any) -> dict[str, Any]:
    data = resp.get_json()
    assert isinstance(data, dict), resp.data[:200]
    return data


def _job_url(resp: Any) -> str:
    assert resp.status_code == 303, resp.status_code
    location = resp.headers["Location"]
    assert re.search(r"/rulesets/demo/jobs/[0-9a-f]{32}$", location), location
    return location


def test_impact_job_page_shows_the_stored_result(
    app: Flask, saved: list[int], author: Any, author_client: FlaskClient
) -> None:
    _lower_the_bar(app, author)
    url = _job_url(author_client.post("/rulesets/demo/impact"))
    wait_inline(app)
    status = author_client.get(url + "/status")
    assert status.status_code == 200
    info = _json(status)
    assert info["state"] == "finished" and (info["done"], info["total"]) == (5, 5)
    assert "result" not in info and info["text"] == "5 of 5 discoveries and leads · done"
    html = author_client.get(url).get_data(as_text=True)
    assert 'id="impact-table"' in html and 'id="impact-count">3<' in html
    assert 'data-status-url' not in html and "jobs.js" not in html  # nothing left to poll
    assert "Run again with the current draft" in html
    # The same rows as the synchronous page.
    direct = author_client.get("/rulesets/demo/impact").get_data(as_text=True)
    rows = re.findall(r'<tr data-kind="(\w+)" data-id="(\d+)"', direct)
    assert re.findall(r'<tr data-kind="(\w+)" data-id="(\d+)"', html) == rows


def test_lint_job_page_lists_the_findings(
    app: Flask, saved: list[int], author_client: FlaskClient
) -> None:
    url = _job_url(author_client.post("/rulesets/demo/lint"))
    wait_inline(app)
    html = author_client.get(url).get_data(as_text=True)
    direct = author_client.get("/rulesets/demo/lint").get_data(as_text=True)
    listed = re.findall(r"<li>.*?</li>", html[html.index("Rules never fired") :])
    assert listed and listed == re.findall(r"<li>.*?</li>", direct[direct.index("Rules never fired") :])


def test_a_running_job_page_polls_and_can_be_cancelled(
    app: Flask,
    saved: list[int],
    author: Any,
    author_client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    with app.app_context():
        from recommender.extensions import db
        from recommender.models import Job

        # A queued job no runner was told about (as if every worker were busy).
        db.session.add(
            Job(id="a" * 32, kind="impact", ruleset="demo", user_id=author.id, backend="inline",
                state="queued", params={"name": "demo", "source": ""}, total=0, done=0,
                chunks=0, chunks_done=0, error="", heartbeat_at=None)
        )
        db.session.commit()
    url = "/rulesets/demo/jobs/" + "a" * 32
    html = author_client.get(url).get_data(as_text=True)
    assert 'data-status-url="/rulesets/demo/jobs/' + "a" * 32 + '/status"' in html
    assert 'http-equiv="refresh"' in html and 'id="job-refresh"' in html  # without JavaScript
    assert "jobs.js" in html and 'id="job-cancel"' in html
    assert _json(author_client.get(url + "/status"))["text"] == "Waiting for a worker …"
    # Another author sees it (not secret) but cannot cancel it; an admin can.
    other = app.test_client()
    login(make_user("author"), the_client=other)
    page = other.get(url)
    assert page.status_code == 200 and 'id="job-cancel"' not in page.get_data(as_text=True)
    assert other.post(url + "/cancel").status_code == 403
    admin = app.test_client()
    login(make_user("admin"), the_client=admin)
    done = admin.post(url + "/cancel", headers={"Accept": "application/json"})
    assert done.status_code == 200 and _json(done)["state"] == "cancelled"
    html = author_client.get(url).get_data(as_text=True)
    assert 'id="job-cancelled"' in html and "data-status-url" not in html


def test_the_author_cancels_own_job(app: Flask, saved: list[int], author_client: FlaskClient) -> None:
    url = _job_url(author_client.post("/rulesets/demo/impact"))
    resp = author_client.post(url + "/cancel")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(url)
    wait_inline(app)
    assert _json(author_client.get(url + "/status"))["state"] in ("cancelled", "finished")


def test_unknown_job_is_a_404(app: Flask, saved: list[int], author_client: FlaskClient) -> None:
    url = _job_url(author_client.post("/rulesets/demo/impact"))
    wait_inline(app)
    job_id = url.rsplit("/", 1)[1]
    for bad in ("0" * 32, "nope", "x" * 200):
        assert author_client.get(f"/rulesets/demo/jobs/{bad}").status_code == 404
        assert author_client.get(f"/rulesets/demo/jobs/{bad}/status").status_code == 404
        assert author_client.post(f"/rulesets/demo/jobs/{bad}/cancel").status_code == 404
    # A job is found only under its own ruleset.
    assert author_client.get(f"/rulesets/other/jobs/{job_id}").status_code == 404


def test_roles(
    app: Flask, saved: list[int], author: Any, client: FlaskClient, make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    with app.test_request_context():
        job_id = jobs.enqueue("impact", {"name": "demo", "source": ""}, author)
    wait_inline(app)
    url = f"/rulesets/demo/jobs/{job_id}"
    assert client.get(url).status_code == 302  # to the login
    login(make_user("sa"))
    for resp in (
        client.get(url),
        client.get(url + "/status"),
        client.post(url + "/cancel"),
        client.post("/rulesets/demo/impact"),
        client.post("/rulesets/demo/lint"),
    ):
        assert resp.status_code == 403


@pytest.fixture
def csrf_on(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_starting_and_cancelling_need_the_csrf_token(
    csrf_on: dict[str, Any], app: Flask, saved: list[int], client: FlaskClient, author: Any
) -> None:
    def token(body: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
        assert match
        return match.group(1)

    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"email": author.email, "password": "correct-horse-battery", "csrf_token": token(login)},
    )
    assert client.post("/rulesets/demo/impact").status_code == 400
    with app.app_context():
        assert jobs.recent("demo", "impact") == []
    page = client.get("/rulesets/demo/impact").get_data(as_text=True)
    url = _job_url(client.post("/rulesets/demo/impact", data={"csrf_token": token(page)}))
    assert client.post(url + "/cancel").status_code == 400
    wait_inline(app)


def test_beyond_the_inline_limit_the_pages_offer_a_job(
    app: Flask, saved: list[int], author_client: FlaskClient
) -> None:
    app.config["JOBS_INLINE_LIMIT"] = 3
    page = author_client.get("/rulesets/demo/impact")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="impact-table"' not in html
    assert "There are 5 saved discoveries and leads" in html and 'id="job-start"' in html
    refused = author_client.get("/rulesets/demo/impact?format=json")
    assert refused.status_code == 409 and "POST /rulesets/demo/impact" in _json(refused)["error"]
    lint = author_client.get("/rulesets/demo/lint").get_data(as_text=True)
    assert "Rules never fired" not in lint and "Run lint" in lint
    url = _job_url(author_client.post("/rulesets/demo/lint"))
    wait_inline(app)
    lint = author_client.get("/rulesets/demo/lint").get_data(as_text=True)
    assert url in lint  # recent runs link to their pages


def test_admins_see_the_queue_health(
    app: Flask, saved: list[int], author: Any, author_client: FlaskClient,
    make_user: Callable[..., Any], login: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(kind: str, params: dict[str, Any], chunk: Any) -> Any:
        raise RuntimeError("disk <full>")

    monkeypatch.setattr(jobs, "run_chunk", broken)
    _job_url(author_client.post("/rulesets/demo/lint"))
    wait_inline(app)
    assert author_client.get("/admin/jobs").status_code == 403
    admin = app.test_client()
    login(make_user("admin"), the_client=admin)
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert '<dd data-state="failed">1</dd>' in html and '<dd data-state="queued">0</dd>' in html
    assert "disk &lt;full&gt;" in html  # escaped
    assert 'href="/admin/jobs"' in html  # in the navigation
