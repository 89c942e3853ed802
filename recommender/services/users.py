"""Users and authentication."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from recommender.errors import Conflict, InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import ROLES, AuditEntry, User
from recommender.models.base import utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, role: str, display_name: str = "") -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidInput(f"'{email}' is not a valid email address.")
    if role not in ROLES:
        raise InvalidInput(f"Unknown role '{role}'; use one of: {', '.join(ROLES)}.")
    if len(password) < 8:
        raise InvalidInput("The password must have at least 8 characters.")
    with db.transaction() as session:
        if session.scalar(select(User).where(func.lower(User.email) == email)):
            raise Conflict(f"A user with email {email} already exists.")
        user = User(
            email=email,
            password_hash=generate_password_hash(password),
            role=role,
            display_name=display_name,
        )
        session.add(user)
    return user


#: Checked when the email is unknown, so that an unknown email costs the same time as a
#: wrong password (no telling which emails have accounts). Made once, on first use.
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(16)))
    return _DUMMY_HASH[0]


def authenticate(email: str, password: str) -> User | None:
    """The user when the password is right, else None; the same work either way."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def record_login(email: str, user: User | None, address: str, outcome: str) -> None:
    """Audit a login attempt: `outcome` is "succeeded", "failed" or "refused" (throttled)."""
    with db.transaction() as session:
        session.add(
            AuditEntry(
                at=utcnow(),
                actor_id=user.id if user is not None else None,
                action=f"login.{outcome}",
                target_type="user",
                target_id=str(user.id) if user is not None else "",
                summary=f"{normalise_email(email)[:254]} from {address[:64]}",
            )
        )


def get_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def change_password(user_id: int, current: str, new: str, confirm: str, keep: str | None) -> int:
    """Set a new password (the current one must be right); every other session of the user
    ends. Returns how many ended. InvalidInput with per-field messages otherwise."""
    from recommender.services import sessions

    user = db.session.get(User, user_id)
    if user is None:
        raise InvalidInput("There is no such user.")
    errors: dict[str, str] = {}
    if not check_password_hash(user.password_hash, current):
        errors["current"] = "This is not your current password."
    if len(new) < 8:
        errors["new"] = "The new password must have at least 8 characters."
    elif len(new) > 200:
        errors["new"] = "The new password may have at most 200 characters."
    elif new != confirm:
        errors["confirm"] = "The two new passwords are not the same."
    if errors:
        raise InvalidInput("The password was not changed; see the messages.", errors)
    with db.transaction() as session:
        user.password_hash = generate_password_hash(new)
        session.add(
            AuditEntry(
                at=utcnow(),
                actor_id=user.id,
                action="user.password_changed",
                target_type="user",
                target_id=str(user.id),
                summary=user.email,
            )
        )
    return sessions.end_all(user.id, "password", keep=keep)


def reset_password(user_id: int, new: str) -> int:
    """An admin's reset (no current password asked): every session of the user ends."""
    from recommender.services import sessions

    if not 8 <= len(new) <= 200:
        raise InvalidInput("The password must have 8 to 200 characters.")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    with db.transaction() as session:
        user.password_hash = generate_password_hash(new)
        session.add(
            AuditEntry(
                at=utcnow(),
                actor_id=None,
                action="user.password_reset",
                target_type="user",
                target_id=str(user.id),
                summary=user.email,
            )
        )
    return sessions.end_all(user.id, "password")


def sign_out_everywhere(user_id: int, actor: User | None) -> int:
    """End every session of a user (an admin's action, or the user's own); how many."""
    from recommender.services import sessions

    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    ended = sessions.end_all(user.id, "signed_out")
    with db.transaction() as session:
        session.add(
            AuditEntry(
                at=utcnow(),
                actor_id=actor.id if actor is not None else None,
                action="user.signed_out_everywhere",
                target_type="user",
                target_id=str(user.id),
                summary=f"{user.email}: {ended} session(s) ended",
            )
        )
    return ended


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))
