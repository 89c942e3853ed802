"""Share a readout with the customer: read-only links to one snapshot, without a login.

A link's token is `secrets.token_urlsafe(32)` (256 random bits). It is returned once, to the
SA who creates the link, and stored only as its sha256; nothing (database, audit log, log
lines) keeps it in plain text. A link works until its expiry (chosen by the SA) or until it
is revoked; after that it opens a "gone" page, never the content. Every opening is counted
on the link and written to the audit log.

The customer sees `customer_copy(readout)`: the readout without the rule trace, rule and
ruleset identifiers, or anything else internal. Call notes reach the readout only when the
SA marked them "include in the readout" (recommender.services.discoveries.readout_notes).
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from recommender.errors import InvalidInput, NotFound, RecommenderError
from recommender.extensions import db
from recommender.models import AuditEntry, ReportSnapshot, ShareLink, User
from recommender.models.base import utcnow
from recommender.services import reports

#: The expiries an SA can choose, in days (the form offers these).
EXPIRY_DAYS = (1, 7, 30, 90)
DEFAULT_EXPIRY_DAYS = 30
TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
ASK_FOR_A_NEW_ONE = "ask your Stripe contact for a new one"
#: Keys of the readout that are for the SA only: the rule trace and rule identifiers.
INTERNAL_KEYS = frozenset({"trace", "rule", "rules", "matched_answers", "effects"})


class LinkGone(RecommenderError):
    """A link that existed but no longer opens: expired or revoked (HTTP 410)."""

    status = 410

    def __init__(self, reason: str) -> None:
        self.reason = reason  # "expired" | "revoked"
        verb = "has expired" if reason == "expired" else "has been revoked"
        super().__init__(f"This link {verb}; {ASK_FOR_A_NEW_ONE}.")


class UnknownLink(NotFound):
    def __init__(self) -> None:
        super().__init__(
            "There is no shared readout at this address. Check that the link was copied "
            f"whole, or {ASK_FOR_A_NEW_ONE}."
        )


@dataclass(frozen=True)
class NewLink:
    """A link just created: the only time its token exists outside the customer's hands."""

    link: ShareLink
    token: str


@dataclass(frozen=True)
class LinkRow:
    """A link as the SA's list shows it."""

    link: ShareLink
    status: str  # "active" | "expired" | "revoked"

    @property
    def status_label(self) -> str:
        return {"active": "Active", "expired": "Expired", "revoked": "Revoked"}[self.status]


@dataclass(frozen=True)
class SharedReadout:
    """What the public page shows: the customer's copy of a snapshot's readout."""

    link: ShareLink
    readout: dict[str, Any]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def status_of(link: ShareLink, now: datetime | None = None) -> str:
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


# ---------------------------------------------------------------------------- the SA's side


def expiry_days(raw: Any) -> int:
    """The expiry the SA chose, one of EXPIRY_DAYS (InvalidInput otherwise)."""
    try:
        days = int(str(raw).strip())
    except (TypeError, ValueError):
        days = -1
    if days not in EXPIRY_DAYS:
        choices = ", ".join(str(d) for d in EXPIRY_DAYS)
        message = f"Choose how long the link works: {choices} days."
        raise InvalidInput(message, {"days": message})
    return days


def create_link(snapshot_id: int, days: Any, user: User) -> NewLink:
    """A new read-only link to the snapshot's readout, working for `days` days."""
    snapshot = reports.get_snapshot(snapshot_id)
    valid_days = expiry_days(days)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with db.transaction() as session:
        link = ShareLink(
            snapshot_id=snapshot.id,
            token_hash=hash_token(token),
            created_at=now,
            created_by_id=user.id,
            expires_at=now + timedelta(days=valid_days),
            open_count=0,
        )
        session.add(link)
        session.flush()
        session.add(
            AuditEntry(
                at=now,
                actor_id=user.id,
                action="share_link.created",
                target_type="share_link",
                target_id=str(link.id),
                summary=f"report {snapshot.id}, expires in {valid_days} days",
            )
        )
    return NewLink(link, token)


def revoke_link(link_id: int, user: User, snapshot_id: int | None = None) -> ShareLink:
    """Stop a link from opening (from now on it shows the "revoked" page); `snapshot_id`,
    when given, must be the link's snapshot."""
    with db.transaction() as session:
        link = session.get(ShareLink, link_id)
        if link is None or (snapshot_id is not None and link.snapshot_id != snapshot_id):
            raise NotFound(f"There is no share link {link_id}.")
        if link.revoked_at is None:
            now = utcnow()
            link.revoked_at = now
            link.revoked_by_id = user.id
            session.add(
                AuditEntry(
                    at=now,
                    actor_id=user.id,
                    action="share_link.revoked",
                    target_type="share_link",
                    target_id=str(link.id),
                    summary=f"report {link.snapshot_id}",
                )
            )
    return link


def list_links(snapshot_id: int) -> list[LinkRow]:
    """The snapshot's links, newest first, with their status now."""
    rows = db.session.scalars(
        select(ShareLink)
        .where(ShareLink.snapshot_id == snapshot_id)
        .options(selectinload(ShareLink.created_by), selectinload(ShareLink.revoked_by))
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    )
    now = utcnow()
    return [LinkRow(link, status_of(link, now)) for link in rows]


# ---------------------------------------------------------------------------- the customer's side


def find_link(token: str) -> ShareLink:
    """The link of `token` if it still opens; UnknownLink or LinkGone otherwise."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise UnknownLink()
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if link is None:
        raise UnknownLink()
    status = status_of(link)
    if status != "active":
        raise LinkGone(status)
    return link


def open_link(token: str) -> SharedReadout:
    """The customer's copy of the readout behind `token`; the opening is counted on the link
    and written to the audit log (by link id, never by token)."""
    link = find_link(token)
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            update(ShareLink)
            .where(ShareLink.id == link.id)
            .values(open_count=ShareLink.open_count + 1, last_opened_at=now)
            .execution_options(synchronize_session=False)
        )
        session.add(
            AuditEntry(
                at=now,
                actor_id=None,
                action="share_link.opened",
                target_type="share_link",
                target_id=str(link.id),
                summary=f"report {link.snapshot_id}",
            )
        )
    return SharedReadout(link, customer_copy(_readout(link.snapshot_id)))


def shared_readout(token: str) -> SharedReadout:
    """The customer's copy behind `token` without counting an opening (PDF downloads)."""
    link = find_link(token)
    return SharedReadout(link, customer_copy(_readout(link.snapshot_id)))


def customer_copy(readout: dict[str, Any]) -> dict[str, Any]:
    """The readout as the customer may see it: no rule trace, no rule or ruleset identifiers,
    no internal derived facts among the answers. Notes are kept: only notes the SA marked
    for the readout are in it."""
    out = copy.deepcopy(readout)
    meta = out.get("meta")
    if isinstance(meta, dict):
        meta["ruleset"] = {}
        meta.pop("generated_by", None)
    _drop_keys(out, INTERNAL_KEYS)
    return out


def _drop_keys(value: Any, keys: frozenset[str]) -> None:
    """Remove internal keys (the trace, rule ids) wherever they occur."""
    if isinstance(value, dict):
        for key in keys & set(value):
            value.pop(key)
        for item in value.values():
            _drop_keys(item, keys)
    elif isinstance(value, list):
        for item in value:
            _drop_keys(item, keys)


def _readout(snapshot_id: int) -> dict[str, Any]:
    snapshot = db.session.get(ReportSnapshot, snapshot_id)
    if snapshot is None:  # the snapshot went (its discovery was deleted): the link is gone too
        raise UnknownLink()
    return reports.readout_of(snapshot)
