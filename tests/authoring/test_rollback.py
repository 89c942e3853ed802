"""Rollback with a confirmation: which version is active and which one comes back, the
impact of going back, a required note (kept in the history and the audit log), CSRF, and a
second submit that publishes nothing."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recommender.errors import InvalidInput, NotFound
from recommender.services import authoring

from .conftest import edit_source

THRESHOLD = "annual_volume_usd >= 10_000_000"


@pytest.fixture
def two_versions(app: Flask, demo: Any, author: Any) -> None:
    """Version 2 (the enterprise bar at 5M) is active; version 1 had it at 10M."""
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        authoring.save_draft("demo", author, source=edit_source(draft.source, THRESHOLD, "annual_volume_usd >= 5_000_000"))
        authoring.publish("demo", author, note="lower the enterprise bar")


def _versions(app: Flask) -> list[int]:
    with app.app_context():
        return [row.version for row in authoring.history("demo")]


def test_rollback_plan_names_both_versions_and_the_impact_of_going_back(
    app: Flask, two_versions: None, make_discovery: Callable[..., int]
) -> None:
    mid = make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    make_discovery({"annual_volume_usd": 1_000}, "Tiny Co")
    with app.app_context():
        plan = authoring.rollback_plan("demo", 1)
        assert (plan.active.version, plan.target.version, plan.already_active) == (2, 1, False)
        assert plan.impact is not None and plan.error is None
        (item,) = plan.impact.items
        assert item.id == mid and item.products_removed == ["radar_fraud_teams"]
        assert [(c.id, c.before, c.after) for c in item.facts] == [("segment", "Enterprise", "not set")]
        assert plan.impact.edits.changed == ["enterprise-volume"]
        assert authoring.rollback_plan("demo", 2).already_active  # the active version itself
        with pytest.raises(NotFound):
            authoring.rollback_plan("demo", 9)


def test_rollback_needs_a_bounded_note_when_required_and_is_idempotent(
    app: Flask, two_versions: None, author: Any
) -> None:
    with app.app_context():
        with pytest.raises(InvalidInput) as exc:
            authoring.rollback("demo", 1, author, "   ", note_required=True)
        assert "Write a note" in exc.value.message
        with pytest.raises(InvalidInput) as exc:
            authoring.rollback("demo", 1, author, "x" * (authoring.NOTE_MAX + 1))
        assert f"under {authoring.NOTE_MAX}" in exc.value.message
        assert authoring.active_version("demo").version == 2
        row = authoring.rollback("demo", 1, author, " too early ", note_required=True)
        assert (row.version, row.note) == (3, "too early")
        with pytest.raises(authoring.AlreadyActive) as again:
            authoring.rollback("demo", 1, author, "clicked twice", note_required=True)
        assert again.value.message == "Version 1 is already active (as version 3); nothing was published."
        with pytest.raises(authoring.AlreadyActive):
            authoring.rollback("demo", 3, author, "the active one")
        assert [r.version for r in authoring.history("demo")] == [3, 2, 1]
        assert [e.action for e in authoring.audit_log("demo")] == ["rollback", "publish", "publish"]


def test_the_lock_refuses_a_second_copy_of_the_same_version(app: Flask, two_versions: None, author: Any) -> None:
    """Two submits that both passed the first check: the second finds the content active
    under the ruleset lock and publishes nothing."""
    with app.app_context():
        v1 = authoring.get_version("demo", 1)
        args = (v1.ruleset_id, v1.source, v1.scenarios, author)
        kwargs: dict[str, Any] = {"action": "rollback", "note": "n", "summary": "x", "rollback_to": 1}
        authoring._publish_source(*args, **kwargs)
        with pytest.raises(authoring.AlreadyActive):
            authoring._publish_source(*args, **kwargs)
        assert [r.version for r in authoring.history("demo")] == [3, 2, 1]


def test_confirmation_page_then_rollback_with_a_note(
    app: Flask, two_versions: None, author_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    mid = make_discovery({"annual_volume_usd": 7_000_000}, "Mid Co")
    overview = author_client.get("/rulesets/demo").get_data(as_text=True)
    assert 'href="/rulesets/demo/rollback/1"' in overview  # a link to the confirmation, no one-click form
    page = html.unescape(author_client.get("/rulesets/demo/rollback/1").get_data(as_text=True))
    assert re.search(r"Active now</th>\s*<td><a [^>]*>v2</a>", page)
    assert re.search(r"Going back to</th>\s*<td><a [^>]*>v1</a>", page)
    assert "lower the enterprise bar" in page  # the active version's note
    assert f'href="/discoveries/{mid}"' in page and "− Radar for Fraud Teams" in page
    assert "Segment: Enterprise → <strong>not set</strong>" in page
    assert re.search(r'<textarea id="note" name="note"[^>]*required', page)
    assert _versions(app) == [2, 1]  # looking publishes nothing

    refused = author_client.post("/rulesets/demo/rollback", data={"to": "1", "note": ""})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Write a note" in body and 'aria-invalid="true"' in body and "Going back to" in body
    assert _versions(app) == [2, 1]
    too_long = author_client.post("/rulesets/demo/rollback", data={"to": "1", "note": "x" * 501})
    assert too_long.status_code == 400 and "keep it under 500" in too_long.get_data(as_text=True)

    done = author_client.post("/rulesets/demo/rollback", data={"to": "1", "note": "fraud team <not> ready"})
    assert done.status_code == 302
    assert _versions(app) == [3, 2, 1]
    overview = author_client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Version 1 is active again as version 3." in overview
    assert "<td>fraud team &lt;not&gt; ready</td>" in overview  # the history's note column, escaped
    assert "— fraud team &lt;not&gt; ready</summary>" in overview  # the audit entry
    with app.app_context():
        (entry, *_) = authoring.audit_log("demo")
        assert entry.action == "rollback" and entry.summary.endswith("— fraud team <not> ready")

    again = author_client.post("/rulesets/demo/rollback", data={"to": "1", "note": "double click"})
    assert again.status_code == 302
    assert "Version 1 is already active (as version 3); nothing was published." in author_client.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    assert _versions(app) == [3, 2, 1]
    page = author_client.get("/rulesets/demo/rollback/1").get_data(as_text=True)
    assert "already active" in page and 'id="rollback-form"' not in page


def test_sa_cannot_see_or_post_a_rollback(app: Flask, two_versions: None, sa_client: FlaskClient) -> None:
    assert sa_client.get("/rulesets/demo/rollback/1").status_code == 403
    assert sa_client.post("/rulesets/demo/rollback", data={"to": "1", "note": "n"}).status_code == 403
    assert _versions(app) == [2, 1]


def test_unknown_version_is_a_404(two_versions: None, author_client: FlaskClient) -> None:
    assert author_client.get("/rulesets/demo/rollback/9").status_code == 404
    assert author_client.post("/rulesets/demo/rollback", data={"to": "9", "note": "n"}).status_code == 404
    assert author_client.post("/rulesets/demo/rollback", data={"note": "n"}).status_code == 400


@pytest.fixture
def csrf_on(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _token(body: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_rollback_post_needs_the_csrf_token(
    csrf_on: dict[str, Any], app: Flask, two_versions: None, client: FlaskClient, author: Any
) -> None:
    login = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login", data={"email": author.email, "password": "correct-horse-battery", "csrf_token": _token(login)}
    )
    assert resp.status_code == 302
    assert client.post("/rulesets/demo/rollback", data={"to": "1", "note": "n"}).status_code == 400
    assert _versions(app) == [2, 1]
    page = client.get("/rulesets/demo/rollback/1").get_data(as_text=True)
    resp = client.post("/rulesets/demo/rollback", data={"to": "1", "note": "n", "csrf_token": _token(page)})
    assert resp.status_code == 302
    assert _versions(app) == [3, 2, 1]


def test_command_line_rollback_twice_publishes_once(app: Flask, two_versions: None) -> None:
    from .test_cli import run

    first = run(app, "rules", "rollback", "demo", "--to", "1", "--note", "back")
    assert first.exit_code == 0 and "published again as version 3" in first.output
    second = run(app, "rules", "rollback", "demo", "--to", "1")
    assert second.exit_code == 0, second.output
    assert "Version 1 is already active (as version 3); nothing was published." in second.output
    assert _versions(app) == [3, 2, 1]
    long_note = run(app, "rules", "rollback", "demo", "--to", "2", "--note", "x" * 501)
    assert long_note.exit_code == 1 and "keep it under 500" in long_note.output
