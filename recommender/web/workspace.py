"""The SA workspace: dashboard, accounts, and discoveries answered section by section.

Views parse the request, call one service and render. Answers autosave through
`POST /discoveries/<id>/answers` (JSON); without JavaScript a section's form posts to its own
URL and is saved as a whole.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from recommender.errors import InvalidInput
from recommender.questionnaire.forms import (
    build_section_form,
    field_by_question,
    option_pairs,
    raw_value,
)
from recommender.services import accounts, discoveries
from recommender.web import MAX_ID
from recommender.web.reports import render_panel
from recommender.web.security import roles_required

bp = Blueprint("workspace", __name__)

ROLES = ("sa", "author", "admin")
VERSION_PREFIX = "_v_"


@bp.get("/discoveries")
@roles_required(*ROLES)
def dashboard() -> Any:
    query = request.args.get("q", "")[:200]
    return render_template(
        "workspace/dashboard.html",
        rows=discoveries.list_discoveries(query),
        query=query,
        accounts=accounts.search_accounts(),
    )


@bp.post("/discoveries")
@roles_required(*ROLES)
def start_discovery() -> Any:
    account_id = _int(request.form.get("account_id"), "account_id", "Choose an account.")
    discovery = discoveries.start_discovery(account_id, current_user, request.form.get("title", ""))
    return redirect(url_for("workspace.discovery", discovery_id=discovery.id))


@bp.get("/accounts")
@roles_required(*ROLES)
def account_list() -> Any:
    query = request.args.get("q", "")[:200]
    return render_template(
        "workspace/accounts.html", rows=accounts.search_accounts(query), query=query, error=None
    )


@bp.post("/accounts")
@roles_required(*ROLES)
def create_account() -> Any:
    name = request.form.get("name", "")
    try:
        account = accounts.create_account(name, current_user)
    except InvalidInput as exc:
        return render_template(
            "workspace/accounts.html",
            rows=accounts.search_accounts(),
            query="",
            error=exc.message,
            name=name,
        ), 400
    if request.form.get("start") == "1":
        discovery = discoveries.start_discovery(account.id, current_user)
        return redirect(url_for("workspace.discovery", discovery_id=discovery.id))
    return redirect(url_for("workspace.account_detail", account_id=account.id))


@bp.get("/accounts/<int:account_id>")
@roles_required(*ROLES)
def account_detail(account_id: int) -> Any:
    return render_template(
        "workspace/account.html",
        account=accounts.get_account(account_id),
        rows=discoveries.discoveries_for_account(account_id),
    )


@bp.get("/discoveries/<int:discovery_id>")
@roles_required(*ROLES)
def discovery(discovery_id: int) -> Any:
    state = discoveries.section_state(discovery_id)
    return redirect(
        url_for("workspace.section", discovery_id=discovery_id, section_id=state.section.id)
    )


@bp.get("/discoveries/<int:discovery_id>/sections/<section_id>")
@roles_required(*ROLES)
def section(discovery_id: int, section_id: str) -> Any:
    state = discoveries.section_state(discovery_id, section_id)
    form = build_section_form(state.questionnaire, section_id, state.answers)()
    return _render_section(
        state, form, {}, state.versions, state.note_text, state.note_version, state.note_include
    )


@bp.post("/discoveries/<int:discovery_id>/sections/<section_id>")
@roles_required(*ROLES)
def save_section(discovery_id: int, section_id: str) -> Any:
    state = discoveries.section_state(discovery_id, section_id)
    q = state.questionnaire
    # A question counts as posted when its field or its version is in the form (unchecked
    # boxes send nothing, but the rendered form always carries `_v_<id>`).
    raw = {
        qid: raw_value(q.questions[qid], request.form)
        for qid in state.question_ids
        if qid in request.form or VERSION_PREFIX + qid in request.form
    }
    versions = {
        key[len(VERSION_PREFIX) :]: value
        for key, value in request.form.items()
        if key.startswith(VERSION_PREFIX)
    }
    note = None
    note_include = None
    if "notes" in request.form:
        note = (request.form.get("notes", ""), request.form.get("notes_version", "0"))
        # An unticked box sends nothing; the rendered form always sends the notes.
        note_include = request.form.get("notes_include") == "1"
    result = discoveries.save_section(
        discovery_id, section_id, raw, versions, current_user, note=note, note_include=note_include
    )
    if result.ok:
        target = _navigation_target(state, request.form.get("nav", "next"))
        return redirect(url_for("workspace.section", discovery_id=discovery_id, section_id=target))
    fresh = discoveries.section_state(discovery_id, section_id)
    form = build_section_form(q, section_id, fresh.answers)(formdata=request.form)
    # Fields that failed keep what was typed and the version it was based on, so a conflict
    # stays a conflict; the others show what is stored now.
    shown_versions = {**fresh.versions, **{k: v for k, v in versions.items() if k in result.errors}}
    note_text = note[0] if note else fresh.note_text
    note_version = note[1] if note and "notes" in result.errors else fresh.note_version
    include = note_include if note_include is not None else fresh.note_include
    return _render_section(
        fresh, form, result.errors, shown_versions, note_text, note_version, include, status=400
    )


@bp.post("/discoveries/<int:discovery_id>/status")
@roles_required(*ROLES)
def set_status(discovery_id: int) -> Any:
    discovery = discoveries.set_status(discovery_id, request.form.get("status", ""), current_user)
    label = discoveries.STATUS_LABELS[discovery.status]
    flash(f"Discovery marked {label.lower()}.", "success")
    back = request.form.get("section")
    if back:
        return redirect(url_for("workspace.section", discovery_id=discovery_id, section_id=back))
    return redirect(url_for("workspace.dashboard"))


@bp.post("/discoveries/<int:discovery_id>/answers")
@roles_required(*ROLES)
def autosave(discovery_id: int) -> Any:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("question_id"), str):
        message = "Send JSON: {question_id, value, version}."
        return jsonify({"error": message, "errors": {}}), 400
    result = discoveries.save_answer(
        discovery_id,
        payload["question_id"],
        payload.get("value"),
        payload.get("version"),
        current_user,
    )
    data = result.to_dict()
    shown = payload.get("panel")
    if isinstance(shown, dict):
        # The refreshed recommendation panel rides along: one round trip per answer.
        data["panel_html"] = render_panel(
            discovery_id,
            {
                "prev_products": shown.get("prev_products"),
                "prev_risks": shown.get("prev_risks"),
                "changed": payload["question_id"],
            },
            result,
        )
    return jsonify(data)


@bp.post("/discoveries/<int:discovery_id>/notes/<section_id>")
@roles_required(*ROLES)
def save_note(discovery_id: int, section_id: str) -> Any:
    payload = request.get_json(silent=True)
    if isinstance(payload, dict):
        text, version = payload.get("text"), payload.get("version")
        include = payload.get("include")
    else:
        text, version = request.form.get("notes", ""), request.form.get("notes_version")
        include = request.form.get("notes_include") == "1"
    result = discoveries.save_note(
        discovery_id, section_id, text, version, current_user, include=include
    )
    if isinstance(payload, dict):
        return jsonify(
            {
                "section_id": section_id,
                "version": result.version,
                "revision": result.revision,
                "include": result.include,
            }
        )
    return redirect(url_for("workspace.section", discovery_id=discovery_id, section_id=section_id))


def _render_section(
    state: discoveries.SectionState,
    form: Any,
    errors: dict[str, str],
    versions: dict[str, Any],
    note_text: str,
    note_version: Any,
    note_include: bool = False,
    status: int = 200,
) -> Any:
    fields = field_by_question(form, state.question_ids)
    for qid, message in errors.items():
        if qid in fields:
            fields[qid].errors = [message]
    q = state.questionnaire
    items = [
        {
            "question": q.questions[qid],
            "field": fields[qid],
            "version": versions.get(qid, 0),
            "visible": qid in state.visible,
            "options": option_pairs(q.questions[qid]),
        }
        for qid in state.question_ids
    ]
    return render_template(
        "workspace/section.html",
        state=state,
        items=items,
        errors=errors,
        note_text=note_text,
        note_version=note_version,
        note_include=note_include,
        note_error=errors.get("notes"),
    ), status


def _navigation_target(state: discoveries.SectionState, nav: str) -> str:
    """Where a no-JS submit goes: `next`, `back`, `stay`, or a section id from the menu."""
    ids = [s.id for s in state.questionnaire.sections]
    if nav == "back" and state.previous_section is not None:
        return str(state.previous_section.id)
    if nav == "next" and state.next_section is not None:
        return str(state.next_section.id)
    if nav.startswith("section:") and nav[len("section:") :] in ids:
        return nav[len("section:") :]
    return str(state.section.id)


def _int(value: Any, key: str, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(message, {key: message}) from None
    if not 0 < number <= MAX_ID:  # no such id (and beyond what the column holds)
        raise InvalidInput(message, {key: message})
    return number
