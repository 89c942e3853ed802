"""Server-side login sessions.

Logging in stores a random token in the (signed) session cookie and its hash here. Every
request's user is loaded only while that row is live: not ended, and seen within the idle
timeout. Logout ends it; a password change or an admin's "sign out everywhere" ends all of
a user's sessions, so a copied cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from recommender.extensions import db
from recommender.models import User, UserSession
from recommender.models.base import utcnow

#: How often `last_seen_at` is written (at most): reading a page must not mean a write.
TOUCH_EVERY = timedelta(minutes=1)


#: A live session with its user, by token hash and user id (built once: every request runs it).
_LIVE = (
    select(UserSession.id, UserSession.last_seen_at, User)
    .join(User, User.id == UserSession.user_id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.user_id == bindparam("user_id"),
        UserSession.ended_at.is_(None),
    )
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(user: User, address: str = "") -> str:
    """A new session for `user`; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.transaction() as session:
        session.add(
            UserSession(
                user_id=user.id,
                token_hash=_hash(token),
                created_at=now,
                last_seen_at=now,
                address=address[:64],
            )
        )
    return token


def user_for(token: str | None, user_id: int, idle: timedelta) -> User | None:
    """The user of a live session with this token, else None (and an idle one is ended).

    One statement per request (the session row with its user); `last_seen_at` is written at
    most once per TOUCH_EVERY."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    found = db.session.execute(_LIVE, {"token_hash": _hash(token), "user_id": user_id}).first()
    if found is None:
        return None
    session_id, last_seen, user = found
    now = utcnow()
    if now - last_seen > idle:
        with db.transaction() as session:
            session.execute(
                update(UserSession)
                .where(UserSession.id == session_id)
                .values(ended_at=now, ended_reason="idle")
            )
        return None
    if now - last_seen > TOUCH_EVERY:
        with db.transaction() as session:
            session.execute(
                update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
            )
    return user


def end(token: str | None, reason: str = "logout") -> None:
    if not token or not isinstance(token, str):
        return
    with db.transaction() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=reason)
        )


def end_all(user_id: int, reason: str, keep: str | None = None) -> int:
    """End every live session of a user (except the one with token `keep`); how many."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.token_hash != _hash(keep))
    with db.transaction() as session:
        result = session.execute(stmt.values(ended_at=utcnow(), ended_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def live_count(user_id: int, idle: timedelta) -> int:
    rows = db.session.scalars(
        select(UserSession.last_seen_at).where(
            UserSession.user_id == user_id, UserSession.ended_at.is_(None)
        )
    )
    cutoff = utcnow() - idle
    return sum(1 for seen in rows if seen >= cutoff)
