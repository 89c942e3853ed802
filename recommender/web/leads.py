"""SA side of self-serve leads: the list (newest first, with tier), one lead, conversion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from recommender.errors import InvalidInput
from recommender.services import leads
from recommender.web import MAX_ID
from recommender.web.security import roles_required

bp = Blueprint("leads", __name__)

ROLES = ("sa", "author", "admin")


@bp.get("/leads")
@roles_required(*ROLES)
def index() -> Any:
    status = request.args.get("status", "open")
    if status not in leads.LIST_FILTERS:
        status = "open"
    return render_template(
        "leads/index.html",
        rows=leads.list_leads(status),
        status=status,
        filters=leads.LIST_FILTERS,
        tier_labels=leads.TIER_LABELS,
    )


@bp.get("/leads/<int:lead_id>")
@roles_required(*ROLES)
def detail(lead_id: int) -> Any:
    return _render_detail(lead_id, error=None, status=200)


@bp.post("/leads/<int:lead_id>/convert")
@roles_required(*ROLES)
def convert(lead_id: int) -> Any:
    target = request.form.get("target", "new")
    account_id: int | None = None
    name: str | None = None
    try:
        if target == "existing":
            raw = request.form.get("account_id", "")
            if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
                raise InvalidInput(
                    "Choose an existing account.", {"account_id": "Choose an account."}
                )
            account_id = int(raw)
        else:
            name = request.form.get("account_name", "")
        conversion = leads.convert_lead(
            lead_id, current_user, account_id=account_id, account_name=name
        )
    except leads.AccountExists as exc:
        # Offer the account that has the name: the form comes back with it chosen.
        chosen = {**request.form, "target": "existing", "account_id": str(exc.account_id)}
        return _render_detail(lead_id, error=exc.message, status=400, form=chosen)
    except leads.AlreadyConverted as exc:
        return _render_detail(
            lead_id, error=exc.message, status=409, existing_discovery=exc.discovery_id
        )
    except InvalidInput as exc:
        return _render_detail(lead_id, error=exc.message, status=400)
    skipped = ", ".join(f"{qid} ({why})" for qid, why in conversion.skipped.items())
    flash(
        f"Lead converted: {len(conversion.copied)} answers prefilled."
        + (f" Not copied: {skipped}." if skipped else ""),
        "success",
    )
    if "workspace.discovery" in current_app.view_functions:
        return redirect(url_for("workspace.discovery", discovery_id=conversion.discovery.id))
    return redirect(url_for("leads.detail", lead_id=lead_id))


def _render_detail(
    lead_id: int,
    error: str | None,
    status: int,
    form: Mapping[str, str] | None = None,
    existing_discovery: int | None = None,
) -> Any:
    """The lead page; the conversion form shows what was posted (`form`), or on a first
    visit the account named like the lead's company, when there is one."""
    detail = leads.lead_detail(lead_id)
    if form is None and request.method == "POST":
        form = request.form
    if form is None:
        match = detail.matching_account
        form = (
            {"target": "existing", "account_id": str(match.id)}
            if match is not None
            else {"target": "new"}
        )
    return render_template(
        "leads/detail.html",
        detail=detail,
        lead=detail.view.lead,
        accounts=leads.account_choices(include=detail.matching_account),
        error=error,
        form=form,
        existing_discovery=existing_discovery,
        has_workspace="workspace.discovery" in current_app.view_functions,
    ), status
