"""Users and authentication."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from recommender.errors import Conflict, InvalidInput
from recommender.extensions import db
from recommender.models import ROLES, User

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


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def get_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))
