"""Working together (issue 10): the workspace poll (changes since a revision, including clears,
presence) and each question's history, through the Flask test client and the service."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

Save = Callable[..., Any]


@pytest.fixture
def ana(make_user: Callable[..., Any], app: Flask) -> Any:
    """A second SA with a display name."""
    from recommender.services.users import create_user

    with app.app_context():
        return create_user("ana@example.com", "correct-horse-battery", "sa", "Ana Lima")


@pytest.fixture
def ana_client(app: Flask, ana: Any, login: Callable[..., Any]) -> FlaskClient:
    other = app.test_client()
    login(ana, the_client=other)
    return other


def _poll(client: FlaskClient, did: int, since: Any, section: str | None = None) -> Any:
    query: dict[str, Any] = {"since": since}
    if section is not None:
        query["section"] = section
    resp = client.get(f"/discoveries/{did}/live", query_string=query)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.get_json()


def _revision(client: FlaskClient, did: int) -> int:
    return int(_poll(client, did, 0)["revision"])


# ---------------------------------------------------------------------------- changes


def test_an_unchanged_revision_returns_only_the_revision_and_presence(
    sa_client: FlaskClient, discovery_id: int, autosave: Save
) -> None:
    rev = autosave(sa_client, discovery_id, "go_live_months", "6").get_json()["revision"]
    data = _poll(sa_client, discovery_id, rev, "company")
    assert data == {"revision": rev, "changed": False, "presence": []}


def test_changes_since_a_revision_name_who_made_them_with_values_and_versions(
    sa_client: FlaskClient, ana_client: FlaskClient, discovery_id: int, autosave: Save, sa_user: Any
) -> None:
    first = autosave(sa_client, discovery_id, "channels", ["web"]).get_json()
    second = autosave(ana_client, discovery_id, "business_model", "saas").get_json()
    third = autosave(ana_client, discovery_id, "channels", ["web", "in_person"], version=1)
    assert third.status_code == 200
    latest = third.get_json()["revision"]
    assert first["revision"] < second["revision"] < latest

    data = _poll(sa_client, discovery_id, first["revision"], "payments")
    assert data["changed"] is True
    assert data["revision"] == latest
    by_id = {a["question_id"]: a for a in data["answers"]}
    assert set(by_id) == {"business_model", "channels"}
    assert by_id["channels"]["value"] == ["web", "in_person"]
    assert by_id["channels"]["version"] == 2
    assert by_id["channels"]["who"] == "Ana Lima"
    assert by_id["channels"]["mine"] is False
    assert by_id["channels"]["revision"] == latest
    assert by_id["business_model"] == {
        **by_id["business_model"],
        "value": "saas",
        "version": 1,
        "revision": second["revision"],
    }
    # Ordered by their latest change; the server's visible list and progress come along,
    # in the shape an autosave returns.
    assert [a["question_id"] for a in data["answers"]] == ["business_model", "channels"]
    assert "store_count" in data["visible"]
    assert data["progress"] == third.get_json()["progress"]

    # Since revision 0 the first change is there too, and Ana's view says it was not hers.
    mine = {a["question_id"]: a["mine"] for a in _poll(ana_client, discovery_id, 0)["answers"]}
    assert mine == {"business_model": True, "channels": True}  # channels: Ana changed it last
    only_first = _poll(sa_client, discovery_id, first["revision"] - 1)["answers"]
    assert {a["question_id"] for a in only_first} == {"business_model", "channels"}


def test_cleared_answers_propagate_as_value_none_version_zero(
    sa_client: FlaskClient, ana_client: FlaskClient, discovery_id: int, autosave: Save
) -> None:
    seen = autosave(sa_client, discovery_id, "go_live_months", "6").get_json()["revision"]
    cleared = autosave(ana_client, discovery_id, "go_live_months", "", version=1)
    assert cleared.status_code == 200
    data = _poll(sa_client, discovery_id, seen, "payments")
    assert data["answers"] == [
        {
            "question_id": "go_live_months",
            "value": None,
            "version": 0,
            "who": "Ana Lima",
            "at": data["answers"][0]["at"],
            "revision": cleared.get_json()["revision"],
            "mine": False,
        }
    ]
    assert data["answers"][0]["at"].endswith("Z")
    assert data["progress"]["sections"]["payments"]["answered"] == 0

    # Cleared, then answered again before the next poll: the current state wins.
    autosave(ana_client, discovery_id, "go_live_months", "9", version=0)
    again = _poll(sa_client, discovery_id, seen)["answers"]
    assert [(a["value"], a["version"]) for a in again] == [(9, 1)]


def test_the_no_javascript_section_save_is_a_change_too(
    sa_client: FlaskClient, ana_client: FlaskClient, discovery_id: int
) -> None:
    before = _revision(sa_client, discovery_id)
    resp = ana_client.post(
        f"/discoveries/{discovery_id}/sections/payments",
        data={
            "channels": ["web"],
            "_v_channels": "0",
            "go_live_months": "3",
            "_v_go_live_months": "0",
            "nav": "stay",
        },
    )
    assert resp.status_code == 302
    data = _poll(sa_client, discovery_id, before)
    assert data["revision"] == before + 1  # one save, one revision, both answers in it
    assert {(a["question_id"], a["revision"]) for a in data["answers"]} == {
        ("channels", before + 1),
        ("go_live_months", before + 1),
    }


def test_a_section_note_changed_by_someone_else_comes_with_the_poll(
    sa_client: FlaskClient, ana_client: FlaskClient, discovery_id: int
) -> None:
    before = _revision(sa_client, discovery_id)
    resp = ana_client.post(
        f"/discoveries/{discovery_id}/notes/payments", json={"text": "Black Friday", "version": 0}
    )
    assert resp.status_code == 200
    data = _poll(sa_client, discovery_id, before, "payments")
    assert data["answers"] == []
    assert data["note"]["text"] == "Black Friday"
    assert data["note"]["version"] == 1
    assert data["note"]["who"] == "Ana Lima"
    assert _poll(sa_client, discovery_id, before, "company")["note"]["version"] == 0


def test_every_answer_change_is_audited_with_old_and_new_values_in_the_same_transaction(
    app: Flask, sa_client: FlaskClient, discovery_id: int, autosave: Save
) -> None:
    from recommender.extensions import db
    from recommender.models import AuditEntry

    autosave(sa_client, discovery_id, "channels", ["web"])
    autosave(sa_client, discovery_id, "channels", ["web", "mobile_app"], version=1)
    autosave(sa_client, discovery_id, "channels", ["web", "mobile_app"], version=2)  # no change
    autosave(sa_client, discovery_id, "channels", [], version=2)
    assert autosave(sa_client, discovery_id, "channels", ["web"], version=5).status_code == 409
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.summary == "channels", AuditEntry.target_id == str(discovery_id))
            .order_by(AuditEntry.id)
        ).all()
        got = [(r.action, json.loads(r.diff), r.revision, r.target_type) for r in rows]
    assert got == [
        ("answer.changed", {"old": None, "new": ["web"]}, 1, "discovery"),
        ("answer.changed", {"old": ["web"], "new": ["web", "mobile_app"]}, 2, "discovery"),
        ("answer.cleared", {"old": ["web", "mobile_app"], "new": None}, 3, "discovery"),
    ]


# ---------------------------------------------------------------------------- presence


def test_presence_names_others_and_their_section_not_yourself(
    app: Flask,
    sa_client: FlaskClient,
    ana_client: FlaskClient,
    discovery_id: int,
    login: Callable[..., Any],
    sa_user: Any,
) -> None:
    assert _poll(ana_client, discovery_id, 0, "platform")["presence"] == []
    data = _poll(sa_client, discovery_id, 0, "company")
    assert data["presence"] == [
        {"name": "Ana Lima", "section_id": "platform", "section_title": "Platform"}
    ]
    # The SA's second tab (another session of the same user) is not "someone else".
    second_tab = app.test_client()
    login(sa_user, the_client=second_tab)
    assert _poll(second_tab, discovery_id, 0, "payments")["presence"] == data["presence"]
    # Ana sees the SA by the email's local part (no display name), where the latest tab is.
    seen = _poll(ana_client, discovery_id, 0, "platform")["presence"]
    assert seen == [
        {"name": sa_user.email.split("@")[0], "section_id": "payments", "section_title": "Payments"}
    ]


def test_presence_expires_and_is_written_at_most_every_few_seconds(
    app: Flask, sa_client: FlaskClient, ana_client: FlaskClient, discovery_id: int, ana: Any
) -> None:
    from recommender.extensions import db
    from recommender.models import Presence
    from recommender.services import collaboration

    def ana_seen_at() -> Any:
        with app.app_context():
            return db.session.scalar(sa.select(Presence.seen_at).where(Presence.user_id == ana.id))

    def age_ana(seconds: int) -> None:
        earlier = ana_seen_at() - timedelta(seconds=seconds)
        with app.app_context(), db.transaction() as session:
            session.execute(
                sa.update(Presence).where(Presence.user_id == ana.id).values(seen_at=earlier)
            )

    _poll(ana_client, discovery_id, 0, "company")
    first = ana_seen_at()
    _poll(ana_client, discovery_id, 0, "company")
    assert ana_seen_at() == first  # polled again at once: no write
    _poll(ana_client, discovery_id, 0, "payments")
    moved = ana_seen_at()
    assert moved is not None and moved >= first  # another section: written at once

    assert [p["name"] for p in _poll(sa_client, discovery_id, 0)["presence"]] == ["Ana Lima"]
    age_ana(collaboration.PRESENCE_WRITE_SECONDS + 1)
    stale = ana_seen_at()
    _poll(ana_client, discovery_id, 0, "payments")
    assert ana_seen_at() > stale  # refreshed after a few seconds
    age_ana(collaboration.PRESENCE_TTL_SECONDS + 1)
    assert _poll(sa_client, discovery_id, 0)["presence"] == []  # gone after the TTL


def test_presence_without_a_section_says_only_that_the_discovery_is_open(
    sa_client: FlaskClient, ana_client: FlaskClient, discovery_id: int
) -> None:
    _poll(ana_client, discovery_id, 0)
    assert _poll(sa_client, discovery_id, 0)["presence"] == [
        {"name": "Ana Lima", "section_id": None, "section_title": None}
    ]


# ---------------------------------------------------------------------------- history


def test_history_lists_changes_newest_first_with_option_labels(
    sa_client: FlaskClient, ana_client: FlaskClient, discovery_id: int, autosave: Save
) -> None:
    autosave(sa_client, discovery_id, "channels", ["web"])
    autosave(ana_client, discovery_id, "channels", ["web", "mobile_app"], version=1)
    autosave(ana_client, discovery_id, "channels", [], version=2)
    resp = sa_client.get(f"/discoveries/{discovery_id}/questions/channels/history")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    entries = [
        " ".join(e.split()) for e in re.findall(r"<li data-history-entry>(.*?)</li>", html, re.S)
    ]
    assert len(entries) == 3
    assert entries[0].startswith("Ana Lima cleared it (was Web, Mobile app), <time")
    assert entries[1].startswith("Ana Lima changed it from Web to Web, Mobile app, <time")
    assert entries[2].startswith("sa")
    assert "answered Web, <time" in entries[2]
    assert "mobile_app" not in html  # labels, not stored ids
    assert "UTC</time>" in html
    assert "<html" not in html  # a fragment


def test_history_escapes_names_and_values(
    app: Flask, client: FlaskClient, login: Callable[..., Any], make_discovery: Callable[..., int]
) -> None:
    from recommender.services.users import create_user

    with app.app_context():
        evil = create_user("evil@example.com", "correct-horse-battery", "sa", "<b>Eve</b>")
    login(evil)
    did = make_discovery(evil)
    client.post(
        f"/discoveries/{did}/answers",
        json={"question_id": "integration_notes", "value": "<script>x()</script>", "version": 0},
    )
    html = client.get(f"/discoveries/{did}/questions/integration_notes/history").get_data(
        as_text=True
    )
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt; answered &lt;script&gt;x()&lt;/script&gt;" in html


def test_an_answer_saved_before_history_was_kept_is_shown_as_such(
    app: Flask, sa_client: FlaskClient, discovery_id: int
) -> None:
    # start_discovery fills in company_name without an audit entry (like answers saved
    # before every change was audited).
    html = sa_client.get(f"/discoveries/{discovery_id}/questions/company_name/history")
    text = " ".join(html.get_data(as_text=True).split())
    assert "saved Acme GmbH" in text
    assert "no earlier changes recorded" in text
    empty = sa_client.get(f"/discoveries/{discovery_id}/questions/go_live_months/history")
    assert "No changes recorded yet." in empty.get_data(as_text=True)


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "url", ["/discoveries/{d}/live?since=0", "/discoveries/{d}/questions/channels/history"]
)
def test_anonymous_requests_are_403_not_a_login_page(
    client: FlaskClient, discovery_id: int, url: str
) -> None:
    resp = client.get(url.format(d=discovery_id), headers={"Accept": "application/json"})
    assert resp.status_code == 403
    assert "log in" in resp.get_json()["error"]


def test_users_without_a_workspace_role_are_refused(
    app: Flask, client: FlaskClient, login: Callable[..., Any], discovery_id: int
) -> None:
    """A role outside the workspace's (say a customer account added later) gets a 403."""
    from recommender.extensions import db
    from recommender.models import User
    from recommender.services.users import create_user

    with app.app_context():
        user = create_user("customer@example.com", "correct-horse-battery", "sa")
        with db.transaction() as session:
            session.execute(sa.update(User).where(User.id == user.id).values(role="customer"))
    login(user)
    for url in (
        f"/discoveries/{discovery_id}/live?since=0",
        f"/discoveries/{discovery_id}/questions/channels/history",
    ):
        assert client.get(url, headers={"Accept": "application/json"}).status_code == 403


def test_unknown_discovery_or_question_is_404(sa_client: FlaskClient, discovery_id: int) -> None:
    assert sa_client.get("/discoveries/999999/live?since=0").status_code == 404
    assert sa_client.get("/discoveries/999999/questions/channels/history").status_code == 404
    missing = sa_client.get(f"/discoveries/{discovery_id}/questions/nope/history")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"since": ""},
        {"since": "abc"},
        {"since": "-1"},
        {"since": "1.5"},
        {"since": "99999999999999999999999999"},
        {"since": "0", "section": "nope"},
        {"since": "0", "section": "x" * 500},
    ],
)
def test_bad_since_or_section_is_400_not_500(
    sa_client: FlaskClient, discovery_id: int, query: dict[str, str]
) -> None:
    resp = sa_client.get(
        f"/discoveries/{discovery_id}/live",
        query_string=query,
        headers={"Accept": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"]


def test_the_service_refuses_a_bad_since_and_an_unknown_discovery(
    app: Flask, sa_user: Any, discovery_id: int
) -> None:
    from recommender.errors import InvalidInput, NotFound
    from recommender.services import collaboration

    with app.app_context():
        with pytest.raises(InvalidInput):
            collaboration.changes_since(discovery_id, -3, sa_user)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            collaboration.live_state(424242, 0, None, sa_user)
        assert collaboration.changes_since(discovery_id, 0, sa_user) == []


# ---------------------------------------------------------------------------- concurrency


def test_simultaneous_saves_each_get_their_own_revision_in_the_audit(
    app: Flask, sa_user: Any, ana: Any, discovery_id: int
) -> None:
    """Saves racing on one discovery (threads, own sessions; the configured backend): every
    change's audit entry carries the revision its save made, so "changed since r" is exact."""
    import threading

    from recommender.extensions import db
    from recommender.models import AuditEntry, Discovery
    from recommender.services import collaboration, discoveries

    questions = {
        "go_live_months": lambda r: str(r + 1),
        "annual_volume_usd": lambda r: str(1000 * (r + 1)),
        "dispute_rate_pct": lambda r: str(r + 1) + "%",
        "contact_email": lambda r: f"cfo{r}@example.com",
    }
    users = [sa_user, ana, sa_user, ana]
    rounds = 3
    errors: list[BaseException] = []

    def worker(qid: str, user: Any) -> None:
        for r in range(rounds):
            barrier.wait()
            try:
                with app.app_context():
                    discoveries.save_answer(discovery_id, qid, questions[qid](r), r, user)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

    barrier = threading.Barrier(len(questions))
    threads = [
        threading.Thread(target=worker, args=(qid, user))
        for qid, user in zip(questions, users, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with app.app_context():
        final = db.session.scalar(sa.select(Discovery.revision).where(Discovery.id == discovery_id))
        revisions = db.session.scalars(
            sa.select(AuditEntry.revision).where(AuditEntry.target_id == str(discovery_id))
        ).all()
        assert final == len(questions) * rounds
        assert sorted(revisions) == list(range(1, final + 1))  # one each, none shared
        for since in range(final + 1):
            changed = collaboration.changes_since(discovery_id, since, sa_user)
            assert all(a.revision > since for a in changed)
            later = db.session.execute(
                sa.select(AuditEntry.summary).where(
                    AuditEntry.target_id == str(discovery_id), AuditEntry.revision > since
                )
            ).scalars()
            assert {a.question_id for a in changed} == set(later)


def test_an_unchanged_poll_costs_two_small_statements(
    app: Flask, sa_user: Any, discovery_id: int
) -> None:
    """Every open tab polls every few seconds: with nothing new and the caller's presence
    fresh, the poll reads the revision and the presence rows, and nothing else."""
    from sqlalchemy import event

    from recommender.extensions import db
    from recommender.services import collaboration

    with app.app_context():
        revision = collaboration.live_state(discovery_id, 0, "company", sa_user).revision
        assert db.engine is not None
        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            state = collaboration.live_state(discovery_id, revision, "company", sa_user)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert state.changed is False
    assert len(statements) == 2, statements
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in statements)
