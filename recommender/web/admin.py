"""Admin pages: the self-serve funnel (how many prospects reach each step), users (with
"sign out everywhere") and the health of the background job queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from recommender.models.base import utcnow
from recommender.services import jobs, leads, sessions, users
from recommender.web.security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

PERIODS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "all": "All time"}


@bp.get("/funnel")
@roles_required("admin")
def funnel() -> Any:
    period = request.args.get("days", "30")
    if period not in PERIODS:
        period = "30"
    since = None if period == "all" else utcnow() - timedelta(days=int(period))
    return render_template(
        "admin/funnel.html", stages=leads.funnel(since), period=period, periods=PERIODS
    )


@bp.get("/users")
@roles_required("admin")
def user_list() -> Any:
    idle = timedelta(minutes=float(current_app.config["SESSION_IDLE_MINUTES"]))
    rows = [(user, sessions.live_count(user.id, idle)) for user in users.list_users()]
    return render_template("admin/users.html", rows=rows)


@bp.post("/users/<int:user_id>/sign-out")
@roles_required("admin")
def sign_out_user(user_id: int) -> Any:
    ended = users.sign_out_everywhere(user_id, current_user)
    flash(f"Signed out everywhere: {ended} session{'s' if ended != 1 else ''} ended.", "success")
    return redirect(url_for("admin.user_list"))


@bp.get("/jobs")
@roles_required("admin")
def job_queue() -> Any:
    """Background jobs (impact previews, lints): how many are queued, running, failed."""
    return render_template("admin/jobs.html", health=jobs.queue_health(), describe=jobs.describe)
