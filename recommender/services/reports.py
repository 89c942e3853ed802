"""Recommendation reports: the live panel, and stored snapshots with their readouts.

A snapshot stores everything needed to show a report again and to reproduce it exactly:
the visible answers that were evaluated, the ruleset name, version and version id, the
questionnaire version, the full result including the trace, and the readout built from them
(recommender.readout). Re-evaluating the stored answers with the stored ruleset version
(`reproduce`) gives the stored result again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from recommender.errors import NotFound
from recommender.extensions import db
from recommender.models import (
    Discovery,
    QuestionnaireVersion,
    ReportSnapshot,
    User,
)
from recommender.models.base import utcnow
from recommender.readout import build_readout
from recommender.readout.build import brief as readout_brief
from recommender.services import copilot, discoveries, evaluation, questionnaires, rulesets

SEVERITIES = ("high", "medium", "low")
SEVERITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
#: How many "ask next" questions the panel shows.
ASK_NEXT_LIMIT = copilot.ASK_NEXT_LIMIT
AskNext = copilot.AskNext


# ---------------------------------------------------------------------------- view models


@dataclass
class Panel:
    """What the live recommendation panel beside the form shows."""

    discovery: Discovery
    result: dict[str, Any]
    risk_groups: list[tuple[str, list[dict[str, Any]]]]
    ask_next: list[AskNext]
    snapshot_count: int
    errors: list[str] = field(default_factory=list)
    #: The co-pilot's analysis (left empty when it is turned off).
    last_change: copilot.LastChange | None = None
    #: The readout summary's solution paragraph and go-live line ("" when none).
    solution: str = ""
    go_live: str = ""
    readiness: list[copilot.AreaReadiness] = field(default_factory=list)
    #: Catalogue products not recommended: the "Why not …?" choices.
    why_not_choices: list[copilot.Named] = field(default_factory=list)

    @property
    def key_questions_open(self) -> int:
        return sum(a.total - a.answered for a in self.readiness)


@dataclass(frozen=True)
class ReportIndex:
    """A discovery with its snapshots, newest first."""

    discovery: Discovery
    snapshots: list[ReportSnapshot]


# ---------------------------------------------------------------------------- panel


@dataclass(frozen=True)
class _Evaluated:
    """A discovery's current answers evaluated with the active ruleset."""

    discovery: Discovery
    questionnaire: Any
    answers: dict[str, Any]
    result: dict[str, Any]
    problems: list[str]
    #: The published version that produced `result` (None when no ruleset is active).
    version_id: int | None
    catalogue: copilot.Catalogue


def _evaluate(discovery_id: int) -> _Evaluated:
    discovery = discoveries.get_discovery(discovery_id)
    q = _questionnaire_by_id(discovery.questionnaire_version_id)
    answers = q.visible_answers(discoveries.answers_of(discovery_id))
    problems: list[str] = []
    try:
        result = evaluation.evaluate_answers(q, answers).to_dict()
    except NotFound as exc:
        # No active ruleset (yet): the panel says so rather than failing silently in htmx.
        result = _empty_result(evaluation.DEFAULT_RULESET)
        problems.append(exc.message)
    ruleset = result.get("ruleset") or {}
    version_id = None
    catalogue = copilot.Catalogue()
    if ruleset.get("version") is not None:
        version_id = _ruleset_version_id(str(ruleset["name"]), int(ruleset["version"]))
        compiled = _compiled(version_id)
        if compiled is not None:
            catalogue = copilot.Catalogue.of(compiled)
    return _Evaluated(discovery, q, answers, result, problems, version_id, catalogue)


def panel(
    discovery_id: int,
    previous: Mapping[str, Any] | None = None,
    *,
    copilot_on: bool = True,
) -> Panel:
    """Evaluate the discovery's current answers with the active ruleset, for the panel.

    `previous`: the request's `prev_products`, `prev_risks` (what the panel showed before)
    and `changed` (the question just answered), for "changed by your last answer".
    `copilot_on=False` leaves out the co-pilot's extra analysis (what changed, the design
    summary, readiness, the "why not" choices): the panel as it was, for comparison."""
    ev = _evaluate(discovery_id)
    count = db.session.scalar(
        select(func.count(ReportSnapshot.id)).where(ReportSnapshot.discovery_id == discovery_id)
    )
    out = Panel(
        discovery=ev.discovery,
        result=ev.result,
        risk_groups=risk_groups(ev.result),
        ask_next=copilot.ask_next(ev.questionnaire, ev.result, ev.catalogue),
        snapshot_count=int(count or 0),
        errors=ev.problems + error_messages(ev.result),
    )
    if not copilot_on:
        return out
    out.last_change = copilot.last_change(previous, ev.result, ev.catalogue, ev.questionnaire)
    out.why_not_choices = ev.catalogue.not_recommended(ev.result)
    if ev.version_id is not None:
        brief = _brief(ev)
        out.solution = str(brief["solution"])
        out.go_live = str((brief.get("go_live") or {}).get("message") or "")
        out.readiness = copilot.readiness(brief["readiness"], ev.questionnaire)
    return out


def _brief(ev: _Evaluated) -> dict[str, Any]:
    """The readout's summary parts for the panel (recommender.readout.build.brief)."""
    return readout_brief(
        answers=ev.answers,
        result=ev.result,
        design=_design(ev.version_id),
        questionnaire=ev.questionnaire,
        report_date=utcnow().date(),
    )


def readiness_of(discovery_id: int) -> list[copilot.AreaReadiness]:
    """The key questions per design area for the discovery's current answers (empty when no
    ruleset is active: nothing to be ready for)."""
    ev = _evaluate(discovery_id)
    if ev.version_id is None:
        return []
    return copilot.readiness(_brief(ev)["readiness"], ev.questionnaire)


def why_not_now(discovery_id: int, product: Any) -> copilot.WhyNot:
    """Explain "why not <product>?" against the discovery's current answers and the active ruleset."""
    ev = _evaluate(discovery_id)
    ruleset = ev.result.get("ruleset") or {}
    if ruleset.get("version") is None:
        raise NotFound(ev.problems[0] if ev.problems else "There is no active ruleset.")
    return copilot.why_not(
        ev.questionnaire,
        ev.answers,
        product,
        ev.catalogue,
        str(ruleset["name"]),
        int(ruleset["version"]),
        discovery_id,
    )


def why_not_in_snapshot(snapshot_id: int, product: Any) -> copilot.WhyNot:
    """Explain "why not <product>?" against a readout's stored answers and its ruleset version."""
    snapshot = get_snapshot(snapshot_id)
    compiled = _compiled(snapshot.ruleset_version_id)
    catalogue = copilot.Catalogue.of(compiled) if compiled is not None else copilot.Catalogue()
    return copilot.why_not(
        _questionnaire(snapshot),
        dict(snapshot.answers),
        product,
        catalogue,
        snapshot.ruleset_name,
        snapshot.ruleset_version,
        snapshot.discovery_id,
        snapshot_id=snapshot.id,
    )


def snapshot_why_not_choices(snapshot: ReportSnapshot) -> list[copilot.Named]:
    """Catalogue products the readout does not recommend (its "Why not …?" choices)."""
    compiled = _compiled(snapshot.ruleset_version_id)
    if compiled is None:
        return []
    return copilot.Catalogue.of(compiled).not_recommended(snapshot.result)


def risk_groups(result: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Risks grouped by severity, high first; empty groups left out."""
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in SEVERITIES}
    for risk in result.get("risks", []):
        groups.setdefault(str(risk.get("severity", "low")), []).append(risk)
    return [(severity, risks) for severity, risks in groups.items() if risks]


def error_messages(result: Mapping[str, Any]) -> list[str]:
    """The evaluation's problems (derivation chains that do not settle, template errors)."""
    out = []
    for error in result.get("errors", []):
        if isinstance(error, Mapping):
            rule = f"rule {error['rule']}: " if error.get("rule") else ""
            out.append(f"{rule}{error.get('message', '')}")
        else:
            out.append(str(error))
    return out


def ask_next(q: Any, result: Mapping[str, Any]) -> list[AskNext]:
    """Every open question of the result with the section it is asked in (no names: the
    panel's own list, with product names, comes from copilot.ask_next)."""
    return copilot.ask_next(q, result, limit=None)


# ---------------------------------------------------------------------------- snapshots


def create_snapshot(discovery_id: int, user: User | None) -> ReportSnapshot:
    """Evaluate the discovery with the active ruleset and store the outcome as a snapshot,
    with its readout (dated today, UTC; the call notes marked for the readout; the solution
    design published with the ruleset version).

    The stored answers are exactly the (visible) answers that were evaluated.
    """
    discovery = discoveries.get_discovery(discovery_id)
    q = _questionnaire_by_id(discovery.questionnaire_version_id)
    answers = _json(q.visible_answers(discoveries.answers_of(discovery_id)))
    result = _json(evaluation.evaluate_answers(q, answers).to_dict())
    name = str(result["ruleset"]["name"])
    version = int(result["ruleset"]["version"])
    version_id = _ruleset_version_id(name, version)
    readout = build_snapshot_readout(
        answers=answers,
        result=result,
        questionnaire=q,
        design=_design(version_id),
        notes=discoveries.readout_notes(discovery_id),
        report_date=utcnow().date(),
        company=_company(answers, discovery),
    )
    with db.transaction() as session:
        snapshot = ReportSnapshot(
            discovery_id=discovery.id,
            created_by_id=user.id if user is not None else None,
            ruleset_name=name,
            ruleset_version=version,
            ruleset_version_id=version_id,
            questionnaire_version_id=discovery.questionnaire_version_id,
            answers=answers,
            result=result,
            readout=readout,
        )
        session.add(snapshot)
    return snapshot


def list_snapshots(discovery_id: int) -> list[ReportSnapshot]:
    """The discovery's snapshots, newest first."""
    discoveries.get_discovery(discovery_id)
    stmt = (
        select(ReportSnapshot)
        .where(ReportSnapshot.discovery_id == discovery_id)
        .options(selectinload(ReportSnapshot.created_by))
        .order_by(ReportSnapshot.created_at.desc(), ReportSnapshot.id.desc())
    )
    return list(db.session.scalars(stmt))


def report_index(discovery_id: int) -> ReportIndex:
    return ReportIndex(discoveries.get_discovery(discovery_id), list_snapshots(discovery_id))


def get_snapshot(snapshot_id: int) -> ReportSnapshot:
    snapshot = db.session.get(ReportSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(f"There is no report {snapshot_id}.")
    return snapshot


def reproduce(snapshot_id: int) -> dict[str, Any]:
    """Re-evaluate a snapshot's stored answers with its stored ruleset version.

    For an intact snapshot the returned result equals the stored `result`.
    """
    snapshot = get_snapshot(snapshot_id)
    q = _questionnaire(snapshot)
    result = evaluation.evaluate_answers(
        q, dict(snapshot.answers), snapshot.ruleset_name, version=snapshot.ruleset_version
    )
    return _json(result.to_dict())


# ---------------------------------------------------------------------------- readouts


@dataclass(frozen=True)
class ReadoutPage:
    """A snapshot's readout with what the report page shows around it."""

    snapshot: ReportSnapshot
    discovery: Discovery
    readout: dict[str, Any]
    #: The discovery's snapshot made just before this one (the default to compare with).
    previous_id: int | None

    @property
    def company(self) -> str:
        return str((self.readout.get("meta") or {}).get("company") or self.discovery.account.name)


def readout_of(snapshot: ReportSnapshot) -> dict[str, Any]:
    """The snapshot's readout: the one stored with it, or (for a snapshot made before readouts
    existed) one built now from its stored answers and result, dated the day it was made,
    with no call notes (none were chosen for it)."""
    if snapshot.readout is not None:
        return dict(snapshot.readout)
    discovery = discoveries.get_discovery(snapshot.discovery_id)
    return build_snapshot_readout(
        answers=dict(snapshot.answers),
        result=dict(snapshot.result),
        questionnaire=_questionnaire(snapshot),
        design=_design(snapshot.ruleset_version_id),
        notes=[],
        report_date=(snapshot.created_at or utcnow()).date(),
        company=_company(snapshot.answers, discovery),
    )


def build_snapshot_readout(
    *,
    answers: Mapping[str, Any],
    result: Mapping[str, Any],
    questionnaire: Any,
    design: Mapping[str, Any] | None,
    notes: list[dict[str, str]],
    report_date: date,
    company: str,
) -> dict[str, Any]:
    """The readout as stored (plain JSON values)."""
    readout = build_readout(
        answers=answers,
        result=result,
        design=design,
        questionnaire=questionnaire,
        notes=notes,
        report_date=report_date,
        company=company or None,
    )
    return dict(_json(readout))


def readout_page(snapshot_id: int) -> ReadoutPage:
    snapshot = get_snapshot(snapshot_id)
    previous = db.session.scalar(
        select(ReportSnapshot.id)
        .where(
            ReportSnapshot.discovery_id == snapshot.discovery_id,
            (ReportSnapshot.created_at < snapshot.created_at)
            | (
                (ReportSnapshot.created_at == snapshot.created_at)
                & (ReportSnapshot.id < snapshot.id)
            ),
        )
        .order_by(ReportSnapshot.created_at.desc(), ReportSnapshot.id.desc())
        .limit(1)
    )
    return ReadoutPage(
        snapshot=snapshot,
        discovery=discoveries.get_discovery(snapshot.discovery_id),
        readout=readout_of(snapshot),
        previous_id=previous,
    )


def readout_document(page: ReadoutPage) -> dict[str, Any]:
    """The JSON download: the readout (summary, design, architecture, roadmap, migration,
    markets, kpis, risks, notes, appendix with the trace) plus the snapshot it belongs to,
    whose answers and ruleset version reproduce its result (`reproduce`)."""
    snapshot = page.snapshot
    return {
        "snapshot": {
            "id": snapshot.id,
            "discovery_id": snapshot.discovery_id,
            "created_at": _iso(snapshot.created_at),
            "created_by": snapshot.created_by.email if snapshot.created_by else None,
            "ruleset": {
                "name": snapshot.ruleset_name,
                "version": snapshot.ruleset_version,
                "version_id": snapshot.ruleset_version_id,
            },
            "questionnaire_version_id": snapshot.questionnaire_version_id,
            "answers": snapshot.answers,
        },
        **page.readout,
    }


def _company(answers: Mapping[str, Any], discovery: Discovery) -> str:
    company = answers.get("company_name")
    return company if isinstance(company, str) and company.strip() else discovery.account.name


def _compiled(ruleset_version_id: int | None) -> Any:
    """A published ruleset version compiled (cached per process), None when unknown."""
    return rulesets.compiled_by_id(ruleset_version_id)


def _design(ruleset_version_id: int | None) -> dict[str, Any] | None:
    """The solution design data published with a ruleset version (None: the shipped file,
    for versions published before rulesets carried it)."""
    compiled = _compiled(ruleset_version_id)
    if compiled is None:
        return None
    data = compiled.ruleset.data
    design = data.get("solution_design") if isinstance(data, Mapping) else None
    return dict(design) if isinstance(design, Mapping) else None


# ---------------------------------------------------------------------------- internals


def _questionnaire(snapshot: ReportSnapshot) -> Any:
    return _questionnaire_by_id(snapshot.questionnaire_version_id)


def _questionnaire_by_id(version_id: int) -> Any:
    """The questionnaire of a stored version. Only its identity is read up front: the models
    are cached per process by id, and the (large) definition loads only on a cache miss."""
    version = db.session.get(
        QuestionnaireVersion,
        version_id,
        options=[
            load_only(
                QuestionnaireVersion.id, QuestionnaireVersion.form_id, QuestionnaireVersion.version
            )
        ],
    )
    if version is None:
        raise NotFound(f"There is no questionnaire version {version_id}.")
    return questionnaires.questionnaire_for(version)


def _ruleset_version_id(name: str, version: int) -> int | None:
    return rulesets.version_id_of(name, version)


def _empty_result(ruleset_name: str) -> dict[str, Any]:
    keys = ("products", "bundles", "risks", "exclusions", "derived", "open_questions", "trace")
    return {"ruleset": {"name": ruleset_name, "version": None}, **{k: [] for k in keys}}


def _json(data: Any) -> Any:
    """Data as it comes back from a JSON column (tuples -> lists, keys -> str)."""
    return json.loads(json.dumps(data))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
