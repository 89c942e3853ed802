"""Recommendation panel and readouts: the live panel beside the discovery form, stored
report snapshots shown as their readout (HTML page, PDF, one-page summary, Markdown, JSON),
share links for the customer, and what changed between two readouts."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from recommender.readout.errors import RenderError
from recommender.readout.render import render_html, render_markdown
from recommender.readout.render.fmt import month_label
from recommender.services import compare, copilot, discoveries, readout_pdf, reports, sharing
from recommender.services import panel as live_panel
from recommender.web.security import roles_required

bp = Blueprint("reports", __name__)

ROLES = ("sa", "author", "admin")
#: Who may create and revoke customer links (authors read readouts, they do not share them).
SHARE_ROLES = ("sa", "admin")
NEW_LINK_KEY = "new_share_link"
#: The X-Requested-With value static/js/panel.js sends for a fragment.
FRAGMENT_HEADER = "fragment"
#: The framed readout document runs no scripts and loads nothing: a tight policy.
DOCUMENT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'"
)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "severity_labels": reports.SEVERITY_LABELS,
        "question_url": question_url,
        "discovery_url": discovery_url,
        "shown": shown,
    }


def shown(value: Any) -> str:
    """A value of the comparison as people read it ('2027-05' -> 'May 2027')."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value) or "—"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return month_label(text, "%b %Y")
    return text.replace("_", " ")


def discovery_url(discovery_id: int) -> str:
    return url_for("workspace.discovery", discovery_id=discovery_id)


def question_url(discovery_id: int, item: Any, section_id: str | None = None) -> str:
    """Where the workspace asks a question (its section, scrolled to it): `item` is an
    "ask next" item or a key question (with `section_id`), or a question id with
    `section_id` given."""
    if isinstance(item, str):
        question_id = item
    else:
        question_id = getattr(item, "question_id", None) or item.id
        section_id = item.section_id
    if section_id is None:
        return discovery_url(discovery_id)
    return url_for(
        "workspace.section",
        discovery_id=discovery_id,
        section_id=section_id,
        _anchor=f"q-{question_id}",
    )


@bp.get("/discoveries/<int:discovery_id>/recommendation")
@roles_required(*ROLES)
def panel(discovery_id: int) -> Any:
    """The live recommendation panel: an HTML fragment for the workspace's aside. The
    parameters `prev_products`, `prev_risks` and `changed` (sent by static/js/panel.js) say
    what the panel showed before the last answer; `PANEL_COPILOT = False` turns the
    co-pilot's extra analysis off."""
    return render_panel(discovery_id, request.args)


def render_panel(
    discovery_id: int,
    previous: Mapping[str, Any] | None,
    saved: discoveries.SaveResult | None = None,
) -> str:
    """The panel fragment (also sent with each autosave's answer, see workspace.autosave:
    `saved` is that save, whose discovery and answers the panel takes instead of reading
    them again)."""
    return render_template(
        "reports/_panel.html",
        **_helpers(),  # this blueprint's template helpers: also called from the workspace's
        panel=live_panel.panel(
            discovery_id,
            previous,
            copilot_on=bool(current_app.config.get("PANEL_COPILOT", True)),
            saved=saved,
        ),
    )


@bp.post("/discoveries/<int:discovery_id>/reports")
@roles_required(*ROLES)
def create(discovery_id: int) -> Any:
    """Create a readout; while key questions are unanswered, first the confirmation page
    that lists them (its "Create anyway" posts again with confirm=1)."""
    if request.form.get("confirm") != "1" and any(
        not area.done for area in live_panel.readiness_of(discovery_id)
    ):
        return redirect(url_for("reports.confirm_create", discovery_id=discovery_id), code=303)
    snapshot = reports.create_snapshot(discovery_id, current_user)
    return redirect(url_for("reports.show", snapshot_id=snapshot.id), code=303)


@bp.get("/discoveries/<int:discovery_id>/reports/new")
@roles_required(*ROLES)
def confirm_create(discovery_id: int) -> Any:
    """The key questions still unanswered, by area, before a readout is created."""
    index = reports.report_index(discovery_id)
    areas = copilot.unanswered(live_panel.readiness_of(discovery_id))
    return render_template("reports/confirm_create.html", discovery=index.discovery, areas=areas)


@bp.get("/discoveries/<int:discovery_id>/reports")
@roles_required(*ROLES)
def index(discovery_id: int) -> Any:
    index = reports.report_index(discovery_id)
    return render_template(
        "reports/list.html", discovery=index.discovery, snapshots=index.snapshots
    )


# ---------------------------------------------------------------------------- the readout


@bp.get("/reports/<int:snapshot_id>")
@roles_required(*ROLES)
def show(snapshot_id: int) -> Any:
    """The readout page: the app's toolbar and share panel above the readout document."""
    page = reports.readout_page(snapshot_id)
    new_link = session.pop(NEW_LINK_KEY, None)
    if not isinstance(new_link, dict) or new_link.get("snapshot_id") != snapshot_id:
        new_link = None
    return render_template(
        "reports/report.html",
        page=page,
        links=sharing.list_links(snapshot_id),
        new_link=new_link,
        expiry_days=sharing.EXPIRY_DAYS,
        default_days=sharing.DEFAULT_EXPIRY_DAYS,
        can_share=current_user.has_role(*SHARE_ROLES),
        why_not_choices=reports.snapshot_why_not_choices(page.snapshot),
    )


@bp.get("/reports/<int:snapshot_id>/readout.html")
@roles_required(*ROLES)
def document(snapshot_id: int) -> Any:
    """The readout as one printable HTML document (with the rule trace), framed by the
    report page and opened on its own for printing."""
    page = reports.readout_page(snapshot_id)
    response = Response(render_html(page.readout), content_type="text/html; charset=utf-8")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/reports/<int:snapshot_id>/readout.pdf", defaults={"kind": "readout"}, endpoint="pdf")
@bp.get(
    "/reports/<int:snapshot_id>/one-pager.pdf", defaults={"kind": "one-pager"}, endpoint="one_pager"
)
@roles_required(*ROLES)
def pdf(snapshot_id: int, kind: str) -> Any:
    """The readout or its one-page summary as PDF, rendered with a time limit; a failure is
    explained on the report page, which keeps working."""
    page = reports.readout_page(snapshot_id)
    try:
        body = readout_pdf.render(page.readout, kind=kind, timeout=readout_pdf.configured_timeout())
    except RenderError as exc:
        flash(f"The PDF could not be made: {exc.message}", "error")
        return redirect(url_for("reports.show", snapshot_id=snapshot_id), code=303)
    name = "one-pager" if kind == "one-pager" else "readout"
    return _download(body, "application/pdf", _filename(page, name, "pdf"))


@bp.get("/reports/<int:snapshot_id>.md")  # the address before readouts; still works
@bp.get("/reports/<int:snapshot_id>/readout.md")  # registered first: url_for builds this one
@roles_required(*ROLES)
def markdown(snapshot_id: int) -> Any:
    page = reports.readout_page(snapshot_id)
    return _download(
        render_markdown(page.readout),
        "text/markdown; charset=utf-8",
        _filename(page, "readout", "md"),
    )


@bp.get("/reports/<int:snapshot_id>.json")  # the address before readouts; still works
@bp.get("/reports/<int:snapshot_id>/readout.json")  # registered first: url_for builds this one
@roles_required(*ROLES)
def json_download(snapshot_id: int) -> Any:
    page = reports.readout_page(snapshot_id)
    body = json.dumps(reports.readout_document(page), indent=2, ensure_ascii=False)
    return _download(
        body + "\n", "application/json; charset=utf-8", _filename(page, "readout", "json")
    )


# ---------------------------------------------------------------------------- why not


@bp.get("/discoveries/<int:discovery_id>/why-not")
@roles_required(*ROLES)
def why_not(discovery_id: int) -> Any:
    """Explain "why not <product>?" against the current answers: a panel fragment when
    fetched by static/js/panel.js, a page of its own otherwise."""
    return _why_not(reports.why_not_now(discovery_id, request.args.get("product")))


@bp.get("/discoveries/<int:discovery_id>/why-not.json")
@roles_required(*ROLES)
def why_not_json(discovery_id: int) -> Any:
    explained = reports.why_not_now(discovery_id, request.args.get("product"))
    return current_app.json.response(explained.explanation)


@bp.get("/reports/<int:snapshot_id>/why-not")
@roles_required(*ROLES)
def snapshot_why_not(snapshot_id: int) -> Any:
    """Explain "why not <product>?" against a readout's stored answers and ruleset version."""
    return _why_not(reports.why_not_in_snapshot(snapshot_id, request.args.get("product")))


@bp.get("/reports/<int:snapshot_id>/why-not.json")
@roles_required(*ROLES)
def snapshot_why_not_json(snapshot_id: int) -> Any:
    explained = reports.why_not_in_snapshot(snapshot_id, request.args.get("product"))
    return current_app.json.response(explained.explanation)


def _why_not(explained: copilot.WhyNot) -> Any:
    if request.headers.get("X-Requested-With") == FRAGMENT_HEADER:
        return render_template("reports/_why_not.html", w=explained)
    return render_template("reports/why_not.html", w=explained)


# ---------------------------------------------------------------------------- sharing


@bp.post("/reports/<int:snapshot_id>/share")
@roles_required(*SHARE_ROLES)
def share(snapshot_id: int) -> Any:
    """Create a customer link; its address is shown once, on the report page that follows."""
    new = sharing.create_link(snapshot_id, request.form.get("days"), current_user)
    session[NEW_LINK_KEY] = {
        "snapshot_id": snapshot_id,
        "id": new.link.id,
        "url": url_for("shared.readout", token=new.token, _external=True),
        "expires_at": new.link.expires_at.isoformat(),
    }
    return redirect(url_for("reports.show", snapshot_id=snapshot_id, _anchor="share"), code=303)


@bp.post("/reports/<int:snapshot_id>/share/<int:link_id>/revoke")
@roles_required(*SHARE_ROLES)
def revoke(snapshot_id: int, link_id: int) -> Any:
    sharing.revoke_link(link_id, current_user, snapshot_id=snapshot_id)
    flash(f"Link #{link_id} is revoked: it now shows a 'revoked' page.", "success")
    return redirect(url_for("reports.show", snapshot_id=snapshot_id, _anchor="share"), code=303)


# ---------------------------------------------------------------------------- compare


@bp.get("/discoveries/<int:discovery_id>/reports/compare")
@roles_required(*ROLES)
def compare_page(discovery_id: int) -> Any:
    comparison = compare.compare_snapshots(
        discovery_id, request.args.get("a"), request.args.get("b")
    )
    return render_template(
        "reports/compare.html",
        comparison=comparison,
        c=comparison.to_dict(),
        snapshots=reports.list_snapshots(discovery_id),
    )


@bp.get("/discoveries/<int:discovery_id>/reports/compare.json")
@roles_required(*ROLES)
def compare_json(discovery_id: int) -> Any:
    comparison = compare.compare_snapshots(
        discovery_id, request.args.get("a"), request.args.get("b")
    )
    return current_app.json.response(comparison.to_dict())


# ---------------------------------------------------------------------------- helpers


def _filename(page: reports.ReadoutPage, name: str, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", page.discovery.account.name.lower()).strip("-")[:60]
    return f"{name}-{page.snapshot.id}-{slug or 'account'}.{ext}"


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
