"""Share links (service level): hashed tokens, expiry, revocation, openings recorded, and the
customer's copy of the readout without the trace or anything internal."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from recommender.errors import InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import AuditEntry, ShareLink
from recommender.models.base import utcnow
from recommender.services import discoveries, reports, sharing
from recommender.web.shared import RedactShareTokens

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def snapshot_id(app: Flask, sa_user: Any, make_discovery: Callable[..., int]) -> int:
    discovery_id = make_discovery(
        {"channels": ["web", "in_person"], "current_processor": "adyen", "erp": "netsuite"},
        name="Maison Pop",
    )
    with app.app_context():
        discoveries.save_note(
            discovery_id, "company", "Adyen contract ends in Q3", 0, sa_user, include=True
        )
        discoveries.save_note(
            discovery_id, "channels", "They haggle: hold the discount", 0, sa_user
        )
        return reports.create_snapshot(discovery_id, sa_user).id


def test_a_link_stores_only_the_hash_of_its_token(
    app: Flask, sa_user: Any, snapshot_id: int
) -> None:
    with app.app_context():
        new = sharing.create_link(snapshot_id, "7", sa_user)
        token = new.token
        assert len(token) == 43 and sharing.TOKEN_RE.match(token)
        link = db.session.get(ShareLink, new.link.id)
        assert link is not None
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str([getattr(link, c.name) for c in ShareLink.__table__.columns])
        remaining = link.expires_at - utcnow()
        assert timedelta(days=6, hours=23) < remaining <= timedelta(days=7)
        assert link.open_count == 0 and link.revoked_at is None
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "share_link")
        ).all()
        assert [e.action for e in entries] == ["share_link.created"]
        assert token not in entries[0].summary + entries[0].diff
        # Another link has another token.
        assert sharing.create_link(snapshot_id, 1, sa_user).token != token


@pytest.mark.parametrize("days", ["0", "2", "365", "", "x", None, "-7"])
def test_the_expiry_is_one_of_the_offered_choices(
    app: Flask, sa_user: Any, snapshot_id: int, days: Any
) -> None:
    with app.app_context(), pytest.raises(InvalidInput, match="1, 7, 30, 90 days"):
        sharing.create_link(snapshot_id, days, sa_user)


def test_opening_is_counted_and_audited(app: Flask, sa_user: Any, snapshot_id: int) -> None:
    with app.app_context():
        new = sharing.create_link(snapshot_id, 30, sa_user)
    with app.app_context():
        shared = sharing.open_link(new.token)
        assert shared.link.snapshot_id == snapshot_id
        sharing.open_link(new.token)
        sharing.shared_readout(new.token)  # a PDF download reads without counting
    with app.app_context():
        link = db.session.get(ShareLink, new.link.id)
        assert link is not None and link.open_count == 2 and link.last_opened_at is not None
        opened = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "share_link.opened")
        ).all()
        assert len(opened) == 2
        assert {e.target_id for e in opened} == {str(new.link.id)}
        assert all(new.token not in e.summary and e.actor_id is None for e in opened)
        rows = sharing.list_links(snapshot_id)
        assert [(r.link.id, r.status, r.link.open_count) for r in rows] == [
            (new.link.id, "active", 2)
        ]


def test_an_expired_link_is_gone(app: Flask, sa_user: Any, snapshot_id: int) -> None:
    with app.app_context():
        new = sharing.create_link(snapshot_id, 1, sa_user)
        with db.transaction() as session:
            session.execute(
                update(ShareLink)
                .where(ShareLink.id == new.link.id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
    with app.app_context():
        with pytest.raises(sharing.LinkGone) as gone:
            sharing.open_link(new.token)
        assert gone.value.status == 410 and gone.value.reason == "expired"
        assert gone.value.message == (
            "This link has expired; ask your Stripe contact for a new one."
        )
        assert sharing.list_links(snapshot_id)[0].status == "expired"
        link = db.session.get(ShareLink, new.link.id)
        assert link is not None and link.open_count == 0  # a refused opening is not counted


def test_a_revoked_link_is_gone(app: Flask, sa_user: Any, make_user: Any, snapshot_id: int) -> None:
    admin = make_user("admin")
    with app.app_context():
        new = sharing.create_link(snapshot_id, 90, sa_user)
        keep = sharing.create_link(snapshot_id, 90, sa_user)
        # (ids kept: the refused revocations below roll back, which expires loaded objects)
        new_id, keep_id = new.link.id, keep.link.id
        with pytest.raises(NotFound):
            sharing.revoke_link(new_id, admin, snapshot_id=snapshot_id + 1)
        sharing.revoke_link(new_id, admin, snapshot_id=snapshot_id)
        sharing.revoke_link(new_id, admin)  # again: nothing changes
        with pytest.raises(NotFound):
            sharing.revoke_link(9999, admin)
    with app.app_context():
        with pytest.raises(sharing.LinkGone) as gone:
            sharing.open_link(new.token)
        assert gone.value.reason == "revoked"
        assert gone.value.message == (
            "This link has been revoked; ask your Stripe contact for a new one."
        )
        assert sharing.open_link(keep.token).link.id == keep_id  # others still work
        statuses = {r.link.id: r.status for r in sharing.list_links(snapshot_id)}
        assert statuses == {new_id: "revoked", keep_id: "active"}
        revoked = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "share_link.revoked")
        ).all()
        assert len(revoked) == 1 and revoked[0].actor_id == admin.id


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "a/b" + "c" * 40, "é" * 43, "A" * 44])
def test_unknown_tokens_find_nothing(app: Flask, token: str) -> None:
    with app.app_context(), pytest.raises(sharing.UnknownLink) as missing:
        sharing.open_link(token)
    assert missing.value.status == 404
    assert "ask your Stripe contact" in missing.value.message


def test_the_customer_copy_has_no_trace_and_nothing_internal(
    app: Flask, sa_user: Any, snapshot_id: int
) -> None:
    with app.app_context():
        new = sharing.create_link(snapshot_id, 7, sa_user)
        full = reports.readout_of(reports.get_snapshot(snapshot_id))
        shared = sharing.open_link(new.token).readout
    assert full["appendix"]["trace"] and full["meta"]["ruleset"]["name"] == "stripe"
    rule_ids = {t["rule"] for t in full["appendix"]["trace"]}
    assert "trace" not in shared["appendix"]
    assert shared["meta"]["ruleset"] == {}
    text = str(shared)
    assert not [r for r in rule_ids if f"'{r}'" in text]
    assert "'rules'" not in text and "'rule'" not in text
    # The marked note is there, the SA's own note never is (it is not in the readout at all).
    assert [n["text"] for n in shared["notes"]] == ["Adyen contract ends in Q3"]
    assert "haggle" not in text and "haggle" not in str(full)
    # The customer's copy is a copy: the stored readout keeps its trace.
    with app.app_context():
        assert reports.readout_of(reports.get_snapshot(snapshot_id))["appendix"]["trace"]
    for key in ("summary", "design", "architecture", "roadmap", "markets", "kpis", "risks"):
        assert shared[key] == full[key]


def test_log_lines_never_show_a_token() -> None:
    token = "Ab3_-" + "x" * 38
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s -',
        ("127.0.0.1", f"GET /r/{token}/readout.pdf HTTP/1.1", "200"),
        None,
    )
    assert RedactShareTokens().filter(record)
    assert token not in record.getMessage()
    assert '"GET /r/[redacted]/readout.pdf HTTP/1.1" 200' in record.getMessage()
    other = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "GET /reports/%d", (5,), None)
    assert RedactShareTokens().filter(other) and other.getMessage() == "GET /reports/5"
