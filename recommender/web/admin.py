"""Admin pages: the self-serve funnel (how many prospects reach each step)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request

from recommender.models.base import utcnow
from recommender.services import leads
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
