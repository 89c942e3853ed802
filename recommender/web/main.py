"""Landing page: sends each role to its home."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if "workspace.dashboard" in _endpoints():
        return redirect(url_for("workspace.dashboard"))
    return redirect(url_for("auth.login"))


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


@bp.route("/healthz")
def healthz() -> Any:
    return {"status": "ok"}
