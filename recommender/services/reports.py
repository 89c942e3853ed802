"""Recommendation reports: the live panel, stored snapshots, and their renderings.

A snapshot stores everything needed to show a report again and to reproduce it exactly:
the visible answers that were evaluated, the ruleset name, version and version id, the
questionnaire version, and the full result including the trace. Re-evaluating the stored
answers with the stored ruleset version (`reproduce`) gives the stored result again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from recommender.errors import NotFound
from recommender.extensions import db
from recommender.models import (
    Discovery,
    QuestionnaireVersion,
    ReportSnapshot,
    Ruleset,
    RulesetVersion,
    User,
)
from recommender.questionnaire.countries import country_name
from recommender.questionnaire.forms import display_value, section_question_ids
from recommender.services import discoveries, evaluation, questionnaires

SEVERITIES = ("high", "medium", "low")
SEVERITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
#: How many "ask next" questions the panel shows.
ASK_NEXT_LIMIT = 5


# ---------------------------------------------------------------------------- view models


@dataclass(frozen=True)
class AskNext:
    """An unanswered question whose answer could change the recommendation."""

    question_id: str
    label: str
    section_id: str | None
    section_title: str
    #: e.g. "could change 2 products and 1 risk"
    hint: str


@dataclass(frozen=True)
class AnswerLine:
    """One answer as people read it: the question's label and the displayed value."""

    question_id: str
    label: str
    value: str


@dataclass(frozen=True)
class AnswerSection:
    title: str
    answers: list[AnswerLine]


@dataclass
class Panel:
    """What the live recommendation panel beside the form shows."""

    discovery: Discovery
    result: dict[str, Any]
    risk_groups: list[tuple[str, list[dict[str, Any]]]]
    ask_next: list[AskNext]
    snapshot_count: int
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportIndex:
    """A discovery with its snapshots, newest first."""

    discovery: Discovery
    snapshots: list[ReportSnapshot]


@dataclass
class Report:
    """A stored snapshot prepared for display (HTML page and Markdown)."""

    snapshot: ReportSnapshot
    discovery: Discovery
    account_name: str
    company_name: str
    created_by: str
    result: dict[str, Any]
    answer_sections: list[AnswerSection]
    product_answers: dict[str, list[AnswerLine]]
    risk_groups: list[tuple[str, list[dict[str, Any]]]]
    open_questions: list[AskNext]
    errors: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Stripe recommendation for {self.company_name or self.account_name}"


# ---------------------------------------------------------------------------- panel


def panel(discovery_id: int) -> Panel:
    """Evaluate the discovery's current answers with the active ruleset, for the panel."""
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
    count = db.session.scalar(
        select(func.count(ReportSnapshot.id)).where(ReportSnapshot.discovery_id == discovery_id)
    )
    return Panel(
        discovery=discovery,
        result=result,
        risk_groups=risk_groups(result),
        ask_next=ask_next(q, result)[:ASK_NEXT_LIMIT],
        snapshot_count=int(count or 0),
        errors=problems + error_messages(result),
    )


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
    """The result's open questions with the section each one is asked in."""
    section_of: dict[str, tuple[str, str]] = {}
    for section in q.sections:
        for qid in section_question_ids(q, section.id):
            section_of[qid] = (section.id, getattr(section, "title", "") or section.id)
    items = []
    for open_q in result.get("open_questions", []):
        qid = str(open_q.get("id", ""))
        question = q.questions.get(qid)
        section_id, section_title = section_of.get(qid, (None, ""))
        label = open_q.get("label") or (getattr(question, "label", "") if question else "") or qid
        items.append(
            AskNext(
                question_id=qid,
                label=str(label),
                section_id=section_id,
                section_title=section_title,
                hint=_change_hint(open_q.get("could_change")),
            )
        )
    return items


# ---------------------------------------------------------------------------- snapshots


def create_snapshot(discovery_id: int, user: User | None) -> ReportSnapshot:
    """Evaluate the discovery with the active ruleset and store the outcome as a snapshot.

    The stored answers are exactly the (visible) answers that were evaluated.
    """
    discovery = discoveries.get_discovery(discovery_id)
    q = _questionnaire_by_id(discovery.questionnaire_version_id)
    answers = _json(q.visible_answers(discoveries.answers_of(discovery_id)))
    result = _json(evaluation.evaluate_answers(q, answers).to_dict())
    name = str(result["ruleset"]["name"])
    version = int(result["ruleset"]["version"])
    with db.transaction() as session:
        snapshot = ReportSnapshot(
            discovery_id=discovery.id,
            created_by_id=user.id if user is not None else None,
            ruleset_name=name,
            ruleset_version=version,
            ruleset_version_id=_ruleset_version_id(name, version),
            questionnaire_version_id=discovery.questionnaire_version_id,
            answers=answers,
            result=result,
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


def report(snapshot_id: int) -> Report:
    """A snapshot with everything its HTML page and Markdown need."""
    snapshot = get_snapshot(snapshot_id)
    discovery = discoveries.get_discovery(snapshot.discovery_id)
    q = _questionnaire(snapshot)
    answers = dict(snapshot.answers)
    result = dict(snapshot.result)
    product_answers = {
        str(p.get("id")): [
            _answer_line(q, qid, value) for qid, value in (p.get("answers") or {}).items()
        ]
        for p in result.get("products", [])
    }
    company = answers.get("company_name")
    return Report(
        snapshot=snapshot,
        discovery=discovery,
        account_name=discovery.account.name,
        company_name=company if isinstance(company, str) else "",
        created_by=snapshot.created_by.name if snapshot.created_by is not None else "",
        result=result,
        answer_sections=answer_sections(q, answers),
        product_answers=product_answers,
        risk_groups=risk_groups(result),
        open_questions=ask_next(q, result),
        errors=error_messages(result),
    )


def answer_sections(q: Any, answers: Mapping[str, Any]) -> list[AnswerSection]:
    """Answered questions by section, in questionnaire order, with labels and display values."""
    sections = []
    seen: set[str] = set()
    for section in q.sections:
        lines = []
        for qid in section_question_ids(q, section.id):
            seen.add(qid)
            if qid in answers:
                lines.append(_answer_line(q, qid, answers[qid]))
        if lines:
            sections.append(AnswerSection(getattr(section, "title", "") or section.id, lines))
    rest = [_answer_line(q, qid, v) for qid, v in answers.items() if qid not in seen]
    if rest:
        sections.append(AnswerSection("Other answers", rest))
    return sections


def snapshot_document(snapshot: ReportSnapshot) -> dict[str, Any]:
    """The JSON download: the snapshot's metadata, answers and result (with trace)."""
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
        },
        "answers": snapshot.answers,
        "result": snapshot.result,
    }


# ---------------------------------------------------------------------------- Markdown


def render_markdown(rep: Report) -> str:
    """The report as Markdown; customer and rule-author text is escaped."""
    r = rep.result
    e = md_escape
    out: list[str] = [f"# {e(rep.title)}", ""]
    out += [
        f"- Account: {e(rep.account_name)}",
        f"- Date: {_stamp(rep.snapshot.created_at)}",
        f"- Ruleset: {e(rep.snapshot.ruleset_name)} v{rep.snapshot.ruleset_version}",
        f"- Report: #{rep.snapshot.id}" + (f" by {e(rep.created_by)}" if rep.created_by else ""),
        "",
    ]
    if rep.errors:
        out += ["## Evaluation problems", ""] + [f"- {e(m)}" for m in rep.errors] + [""]
    names = {str(p.get("id")): str(p.get("name") or p.get("id")) for p in r.get("products", [])}
    out += ["## Bundles", ""]
    bundles = r.get("bundles", [])
    for b in bundles:
        members = ", ".join(e(names.get(str(p), str(p))) for p in b.get("products", []))
        out.append(f"- **{e(str(b.get('title', b.get('id'))))}**: {members}")
    out += (["_No bundle applies._"] if not bundles else []) + [""]
    out += ["## Recommended products", ""]
    for p in r.get("products", []):
        out.append(f"### {e(names[str(p.get('id'))])}")
        out.append("")
        if p.get("description"):
            out.append(e(str(p["description"])))
            out.append("")
        out += [f"- {e(str(reason))}" for reason in p.get("rationale", [])]
        lines = rep.product_answers.get(str(p.get("id")), [])
        if lines:
            basis = "; ".join(f"{e(a.label)}: {e(a.value)}" for a in lines)
            out.append(f"- Based on: {basis}")
        if p.get("docs"):
            out.append(f"- Docs: <{_md_url(str(p['docs']))}>")
        out.append("")
    if not r.get("products"):
        out += ["_No product is recommended yet._", ""]
    out += market_plan_markdown(r.get("markets") or [])
    out += ["## Risks", ""]
    for severity, risks in rep.risk_groups:
        for risk in risks:
            out.append(
                f"- **{SEVERITY_LABELS.get(severity, e(severity))}: {e(str(risk.get('title', '')))}**"
            )
            if risk.get("reason"):
                out.append(f"  - Why: {e(str(risk['reason']))}")
            if risk.get("mitigation"):
                out.append(f"  - Mitigation: {e(str(risk['mitigation']))}")
    out += (["_No risks flagged._"] if not rep.risk_groups else []) + [""]
    if r.get("exclusions"):
        out += ["## Excluded products", ""]
        for x in r["exclusions"]:
            out.append(
                f"- **{e(str(x.get('name') or x.get('product')))}**: {e(str(x.get('reason', '')))}"
            )
        out.append("")
    if rep.open_questions:
        out += ["## Open questions", ""]
        for oq in rep.open_questions:
            out.append(
                f"- {e(oq.label)}" + (f" ({e(oq.section_title)})" if oq.section_title else "")
            )
        out.append("")
    out += ["## Answers", ""]
    for section in rep.answer_sections:
        out += [f"### {e(section.title)}", ""]
        out += [f"- {e(a.label)}: {e(a.value)}" for a in section.answers]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def market_plan_markdown(markets: list[dict[str, Any]]) -> list[str]:
    """The per-market plan as Markdown lines (none when the result has no markets)."""
    if not markets:
        return []
    e = md_escape
    out = ["## Per-market plan", ""]
    for m in markets:
        currency = f" ({e(str(m['currency']))})" if m.get("currency") else ""
        out += [f"### {e(str(m.get('country_name') or m.get('country')))}{currency}", ""]
        methods = []
        for x in m.get("methods", []):
            who = f" ({', '.join(x['for'])})" if x.get("for") else ""
            methods.append(f"{e(str(x.get('name')))}{who}")
        out.append(f"- Turn on: {', '.join(methods) or 'cards'}")
        account = m.get("account_country")
        if account:
            cross = " (cross-border)" if m.get("cross_border") else ""
            out.append(f"- Account taking the payments: {e(country_name(str(account)))}{cross}")
        out.append(
            f"- Card authentication: {e(str(m.get('auth_regime_label') or m.get('auth_regime')))}"
        )
        for x in m.get("methods", []):
            for key in ("currency_note", "caveat"):
                if x.get(key):
                    out.append(f"- {e(str(x[key]))}")
        for x in m.get("excluded", []):
            out.append(f"- Not offered: **{e(str(x.get('name')))}**: {e(str(x.get('reason', '')))}")
        out.append("")
    return out


_MD_SPECIAL = set("\\`*_[]<>#|~")


def md_escape(text: str) -> str:
    """Backslash-escape the Markdown punctuation that could turn data into markup (links,
    emphasis, HTML, headings, tables); every data item starts mid-line, so list markers
    and numbers at a line start cannot occur."""
    text = " ".join(str(text).split())
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def _md_url(url: str) -> str:
    return url if url.startswith(("https://", "http://")) and not set(url) & set("<> ") else ""


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
    return db.session.scalar(
        select(RulesetVersion.id)
        .join(Ruleset, RulesetVersion.ruleset_id == Ruleset.id)
        .where(Ruleset.name == name, RulesetVersion.version == version)
    )


def _answer_line(q: Any, question_id: str, value: Any) -> AnswerLine:
    question = q.questions.get(question_id)
    if question is None:
        # A derived fact (e.g. `segment`), not a question.
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = str(value).replace("_", " ")
        return AnswerLine(question_id, question_id.replace("_", " ").capitalize(), shown)
    label = getattr(question, "label", "") or question_id
    return AnswerLine(question_id, str(label), display_value(question, value))


def _empty_result(ruleset_name: str) -> dict[str, Any]:
    keys = ("products", "bundles", "risks", "exclusions", "derived", "open_questions", "trace")
    return {"ruleset": {"name": ruleset_name, "version": None}, **{k: [] for k in keys}}


def _change_hint(change: Any) -> str:
    if not isinstance(change, Mapping):
        return ""
    products = len(set(change.get("add_products", [])) | set(change.get("remove_products", [])))
    risks = len(set(change.get("add_risks", [])) | set(change.get("remove_risks", [])))
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((products, "product"), (risks, "risk"))
        if n
    ]
    return f"could change {' and '.join(parts)}" if parts else ""


def _json(data: Any) -> Any:
    """Data as it comes back from a JSON column (tuples -> lists, keys -> str)."""
    return json.loads(json.dumps(data))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else ""
