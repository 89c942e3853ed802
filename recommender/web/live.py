"""Working together on a discovery: the workspace's poll (changes since a revision, who else
is there) and each question's history. JSON and an HTML fragment for static/js/together.js.

A poll that is not logged in (the session ended) gets a 403 it can act on, not the login
page a redirect would hand to fetch().
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from recommender.errors import Forbidden
from recommender.models.base import utcnow
from recommender.services import collaboration

bp = Blueprint("live", __name__)

ROLES = ("sa", "author", "admin")
F = TypeVar("F", bound=Callable[..., Any])


def members_only(view: F) -> F:
    """The workspace's roles; anonymous requests get a 403 (no login redirect)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Forbidden("Your session has ended; log in again to see other people's changes.")
        if not current_user.has_role(*ROLES):
            raise Forbidden(f"This page needs one of the roles: {', '.join(ROLES)}.")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.get("/discoveries/<int:discovery_id>/live")
@members_only
def poll(discovery_id: int) -> Any:
    state = collaboration.live_state(
        discovery_id, request.args.get("since"), request.args.get("section"), current_user
    )
    response = jsonify(state.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/discoveries/<int:discovery_id>/questions/<question_id>/history")
@members_only
def history(discovery_id: int, question_id: str) -> Any:
    result = collaboration.question_history(discovery_id, question_id)
    response = render_template("live/_history.html", history=result, when=_when)
    return response, 200, {"Cache-Control": "no-store"}


def _when(moment: datetime) -> str:
    """14:02 UTC today, else 3 Mar 2026, 14:02 UTC (the conflict messages speak UTC too)."""
    if moment.date() == utcnow().date():
        return moment.strftime("%H:%M UTC")
    return f"{moment.day} {moment.strftime('%b %Y, %H:%M UTC')}"
