"""Recommendation panel and reports: the live panel beside the discovery form, stored
report snapshots, and their printable HTML, Markdown and JSON renderings."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_login import current_user

from recommender.services import reports
from recommender.web.security import roles_required

bp = Blueprint("reports", __name__)

ROLES = ("sa", "author", "admin")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "severity_labels": reports.SEVERITY_LABELS,
        "question_url": question_url,
        "discovery_url": discovery_url,
    }


def discovery_url(discovery_id: int) -> str:
    return url_for("workspace.discovery", discovery_id=discovery_id)


def question_url(discovery_id: int, item: reports.AskNext) -> str:
    """Where the workspace asks an "ask next" question (its section, scrolled to it)."""
    if item.section_id is None:
        return discovery_url(discovery_id)
    return url_for(
        "workspace.section",
        discovery_id=discovery_id,
        section_id=item.section_id,
        _anchor=f"q-{item.question_id}",
    )


@bp.get("/discoveries/<int:discovery_id>/recommendation")
@roles_required(*ROLES)
def panel(discovery_id: int) -> Any:
    """The live recommendation panel: an HTML fragment for the workspace's aside."""
    return render_template("reports/_panel.html", panel=reports.panel(discovery_id))


@bp.post("/discoveries/<int:discovery_id>/reports")
@roles_required(*ROLES)
def create(discovery_id: int) -> Any:
    snapshot = reports.create_snapshot(discovery_id, current_user)
    return redirect(url_for("reports.show", snapshot_id=snapshot.id), code=303)


@bp.get("/discoveries/<int:discovery_id>/reports")
@roles_required(*ROLES)
def index(discovery_id: int) -> Any:
    index = reports.report_index(discovery_id)
    return render_template(
        "reports/list.html", discovery=index.discovery, snapshots=index.snapshots
    )


@bp.get("/reports/<int:snapshot_id>")
@roles_required(*ROLES)
def show(snapshot_id: int) -> Any:
    return render_template("reports/report.html", rep=reports.report(snapshot_id))


@bp.get("/reports/<int:snapshot_id>.md")
@roles_required(*ROLES)
def markdown(snapshot_id: int) -> Any:
    rep = reports.report(snapshot_id)
    return _download(
        reports.render_markdown(rep), "text/markdown; charset=utf-8", _filename(rep, "md")
    )


@bp.get("/reports/<int:snapshot_id>.json")
@roles_required(*ROLES)
def json_download(snapshot_id: int) -> Any:
    rep = reports.report(snapshot_id)
    body = json.dumps(reports.snapshot_document(rep.snapshot), indent=2, ensure_ascii=False)
    return _download(body + "\n", "application/json; charset=utf-8", _filename(rep, "json"))


def _filename(rep: reports.Report, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", rep.account_name.lower()).strip("-")[:60] or "account"
    return f"report-{rep.snapshot.id}-{slug}.{ext}"


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
