"""Jinja filters and globals shared by the templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user

from recommender.questionnaire.countries import country_name

# (endpoint, label, roles that see it); links appear once their feature is registered.
NAV = [
    ("workspace.dashboard", "Discoveries", ("sa", "author", "admin")),
    ("leads.index", "Leads", ("sa", "author", "admin")),
    ("authoring.index", "Rulesets", ("sa", "author", "admin")),
    ("admin.funnel", "Funnel", ("admin",)),
    ("admin.user_list", "Users", ("admin",)),
    ("admin.job_queue", "Jobs", ("admin",)),
]


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def nav_links() -> list[tuple[str, str, bool]]:
    """(endpoint, label, whether it is the current page) for the user's role. A page counts
    as under a link when it is that link's page, or in its blueprint and no other link is the
    page (the Admin blueprint has three links: only one is current)."""
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    links = [(e, label) for e, label, roles in NAV if e in endpoints and current_user.role in roles]
    here = request.endpoint or ""
    exact = any(e == here for e, _ in links)
    return [
        (e, label, e == here or (not exact and e.split(".")[0] == here.split(".")[0]))
        for e, label in links
    ]


def register(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.globals["app_name"] = "Recommender"

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"nav_links": nav_links()}
