"""Self-serve pre-qualification leads: a prospect's draft, its steps, result and conversion.

A lead is created when a prospect starts `/start`. It is identified by a resume token:
`secrets.token_urlsafe(32)` (256 random bits) that is shown to the prospect once per session
and stored only as its sha256, with a fixed expiry (`TOKEN_TTL` after it was issued). Nothing
else opens a lead without logging in.

Answers use the SA discovery's ids, so converting a lead into a discovery copies every answer
the SA questionnaire also asks, coerced by the SA questionnaire.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update

from recommender.errors import Conflict, InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import Account, Answer, Discovery, Lead, QuestionnaireVersion, User
from recommender.models.base import utcnow
from recommender.questionnaire import MISSING, InvalidAnswer
from recommender.questionnaire.forms import (
    display_value,
    form_value,
    raw_value,
    section_question_ids,
)
from recommender.services import questionnaires

FORM_ID = "prequalification"
RULESET = "prequalification"
SA_FORM_ID = "sa_discovery"
TIER_FACT = "fit_tier"
TIERS = ("enterprise", "growth", "self_serve")
TIER_LABELS = {
    "enterprise": "Enterprise: talk to a solutions architect now",
    "growth": "Growth: a guided setup",
    "self_serve": "Self-serve: start right away",
}
TOKEN_TTL = timedelta(days=30)
TOKEN_BYTES = 32  # 256 bits of randomness; at least 128 are required
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
TRACKING_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "ref")
TRACKING_MAX = 200
NAME_MAX = 200
EMAIL_MAX = 254
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LIST_FILTERS = ("open", "draft", "converted", "all")


class LinkExpired(NotFound):
    """A resume link that was valid but is older than TOKEN_TTL."""

    status = 410


class AccountExists(InvalidInput):
    """A new account was asked for under a name an account already has (`account_id`)."""

    def __init__(self, message: str, account_id: int) -> None:
        super().__init__(message, {"account_name": message})
        self.account_id = account_id


class AlreadyConverted(Conflict):
    """The lead already has a discovery (`discovery_id`): open it instead of a second one."""

    def __init__(self, message: str, discovery_id: int) -> None:
        super().__init__(message)
        self.discovery_id = discovery_id


# ---------------------------------------------------------------------------- read models


@dataclass
class StepState:
    """One step of a lead's questionnaire, as the prospect sees it."""

    lead: Lead
    questionnaire: Any
    section: Any
    step: int  # 1-based
    total: int
    question_ids: list[str]
    answers: dict[str, Any]

    @property
    def is_last(self) -> bool:
        return self.step == self.total

    @property
    def percent(self) -> int:
        return round(100 * (self.step - 1) / self.total)


@dataclass
class StepOutcome:
    """What saving a step did: errors to show, or the next step (None: submitted)."""

    errors: dict[str, str] = field(default_factory=dict)
    next_step: int | None = None
    submitted: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ProductPick:
    id: str
    name: str
    rationale: str
    docs: str = ""


@dataclass(frozen=True)
class LeadView:
    """A lead's result as the prospect sees it: no risks, no internal rule ids."""

    lead: Lead
    tier: str | None
    tier_label: str
    reasons: list[str]
    products: list[ProductPick]
    next_step: str  # "book_call" | "start_product" | "finish"


@dataclass(frozen=True)
class AnswerLine:
    question_id: str
    label: str
    value: str


@dataclass(frozen=True)
class LeadDetail:
    """Everything an SA sees about a lead."""

    view: LeadView
    answers: list[AnswerLine]
    risks: list[dict[str, Any]]
    total_steps: int
    #: The account named like the lead's company (case-insensitive), offered for conversion.
    matching_account: Account | None = None


@dataclass(frozen=True)
class Conversion:
    discovery: Discovery
    copied: list[str]
    skipped: dict[str, str]  # answer id -> why it was not copied


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: str
    count: int
    percent: int  # of the prospects who started


# ---------------------------------------------------------------------------- tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def lead_for_token(token: str | None, now: datetime | None = None) -> Lead:
    """The lead a resume token opens; NotFound for any unknown token, LinkExpired when old."""
    if not token or not isinstance(token, str) or not TOKEN_RE.match(token):
        raise NotFound("This link is not valid. Check that you copied all of it.")
    digest = hash_token(token)
    lead = db.session.scalar(select(Lead).where(Lead.token_hash == digest))
    # The lookup is by hash (a timing leak would reveal nothing about the token); compare
    # again in constant time so correctness never rests on the database's collation.
    if lead is None or not hmac.compare_digest(lead.token_hash, digest):
        raise NotFound("This link is not valid. Check that you copied all of it.")
    if lead.token_expires_at <= (now or utcnow()):
        raise LinkExpired("This link has expired. Links work for 30 days; please start again.")
    return lead


# ---------------------------------------------------------------------------- prospect side


def _questionnaire(lead: Lead | None = None) -> tuple[Any, Any]:
    if lead is not None:
        version = db.session.get(QuestionnaireVersion, lead.questionnaire_version_id)
    else:
        version = questionnaires.latest(FORM_ID)
    if version is None:
        raise NotFound(
            f"The '{FORM_ID}' questionnaire is not loaded; run `recommender setup` to load forms/."
        )
    return version, questionnaires.questionnaire_for(version)


def _clean_tracking(tracking: Mapping[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key in TRACKING_FIELDS:
        value = tracking.get(key)
        cleaned[key] = " ".join(value.split())[:TRACKING_MAX] if isinstance(value, str) else ""
    return cleaned


def start_lead(tracking: Mapping[str, Any]) -> tuple[Lead, str]:
    """A new draft lead on step 1; returns it with its resume token (never stored)."""
    version, _ = _questionnaire()
    token = new_token()
    now = utcnow()
    with db.transaction() as session:
        lead = Lead(
            token_hash=hash_token(token),
            token_expires_at=now + TOKEN_TTL,
            questionnaire_version_id=version.id,
            status="draft",
            step_reached=1,
            answers={},
            created_at=now,
            updated_at=now,
            **_clean_tracking(tracking),
        )
        session.add(lead)
    return lead, token


def step_state(token: str | None, step: int) -> StepState:
    """The step a prospect asks for; NotFound for a step they have not reached yet."""
    lead = lead_for_token(token)
    _, q = _questionnaire(lead)
    sections = list(q.sections)
    if step < 1 or step > len(sections) or step > lead.step_reached:
        raise NotFound("This step is not available yet; continue from where you left off.")
    section = sections[step - 1]
    return StepState(
        lead=lead,
        questionnaire=q,
        section=section,
        step=step,
        total=len(sections),
        question_ids=section_question_ids(q, section.id),
        answers=dict(lead.answers or {}),
    )


def save_step(
    token: str | None,
    step: int,
    formdata: Any,
    contact: Mapping[str, str] | None = None,
) -> StepOutcome:
    """Coerce and store one step's answers; the last step also takes the contact details,
    then submits the lead and evaluates it. Nothing is stored when any field is invalid.

    `formdata` is the posted form (a werkzeug MultiDict: see `questionnaire.forms.FormData`).
    """
    state = step_state(token, step)
    lead = state.lead
    if lead.status == "converted":
        raise Conflict(
            "Our team has already picked up your answers; reply to their email to change them."
        )
    q = state.questionnaire
    answers = dict(state.answers)
    errors: dict[str, str] = {}
    for qid in state.question_ids:
        question = q.questions[qid]
        try:
            value = q.coerce(qid, raw_value(question, formdata))
        except InvalidAnswer as exc:
            errors[qid] = exc.message
            continue
        if value is MISSING:
            answers.pop(qid, None)
        else:
            answers[qid] = value
    visible = set(q.visible_question_ids(answers))
    for qid in state.question_ids:
        question = q.questions[qid]
        if qid in visible and qid not in answers and qid not in errors and _required(question):
            errors[qid] = "Please answer this question."
    cleaned_contact: dict[str, str] = {}
    if state.is_last:
        cleaned_contact, contact_errors = _check_contact(contact or {})
        errors.update(contact_errors)
    if errors:
        return StepOutcome(errors=errors)

    now = utcnow()
    values: dict[str, Any] = {
        "answers": answers,
        "updated_at": now,
        "step_reached": max(lead.step_reached, min(step + 1, state.total)),
    }
    if "company_name" in answers:
        values["company"] = str(answers["company_name"])[:NAME_MAX]
    if state.is_last:
        values.update(cleaned_contact)
        tier, result = _evaluate(q, answers)
        values.update(
            tier=tier,
            result=result,
            status="submitted",
            submitted_at=lead.submitted_at or now,
        )
    with db.transaction() as session:
        done = _rowcount(
            session.execute(
                update(Lead)
                .where(Lead.id == lead.id, Lead.status != "converted")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        )
    if done != 1:
        raise Conflict("Our team has already picked up your answers.")
    db.session.refresh(lead)
    if state.is_last:
        return StepOutcome(submitted=True)
    return StepOutcome(next_step=step + 1)


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (the compare-and-set checks below rely on it)."""
    return int(cast("CursorResult[Any]", result).rowcount)


def _required(question: Any) -> bool:
    return bool(getattr(question, "required", False))


def _check_contact(contact: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    name = " ".join(str(contact.get("contact_name") or "").split())
    email = str(contact.get("contact_email") or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["contact_name"] = "Please enter your name."
    elif len(name) > NAME_MAX:
        errors["contact_name"] = f"Please use at most {NAME_MAX} characters."
    if not email:
        errors["contact_email"] = "Please enter your work email."
    elif len(email) > EMAIL_MAX or not EMAIL_RE.match(email):
        errors["contact_email"] = "Please enter a valid email address, like name@company.com."
    return {"contact_name": name, "contact_email": email.lower()}, errors


def _evaluate(q: Any, answers: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Run the pre-qualification ruleset; returns (tier, stored result)."""
    from recommender.services import evaluation

    result = evaluation.evaluate_answers(q, answers, RULESET).to_dict()
    tier = None
    for item in result.get("derived", []):
        if item.get("fact") == TIER_FACT and item.get("value") in TIERS:
            tier = str(item["value"])
    return tier, result


def contact_defaults(lead: Lead) -> dict[str, str]:
    return {"contact_name": lead.contact_name, "contact_email": lead.contact_email}


def view_for_token(token: str | None) -> LeadView:
    """The prospect's result page; NotFound until the lead was submitted."""
    lead = lead_for_token(token)
    if lead.status == "draft" or lead.result is None:
        raise NotFound("Your answers are not complete yet; continue from where you left off.")
    return _view(lead)


def _view(lead: Lead) -> LeadView:
    result = lead.result or {}
    reasons: list[str] = []
    for item in result.get("derived", []):
        if item.get("fact") != TIER_FACT:
            continue
        found = item.get("reasons") or [item.get("reason")]
        reasons.extend(str(r) for r in found if r)
    products = [
        ProductPick(
            str(p.get("id", "")), str(p.get("name", "")), _rationale(p), str(p.get("docs") or "")
        )
        for p in result.get("products", [])
    ]
    if lead.status == "draft":
        next_step = "finish"
    elif lead.tier == "enterprise" or not products:
        next_step = "book_call"
    else:
        next_step = "start_product"
    return LeadView(
        lead=lead,
        tier=lead.tier,
        tier_label=TIER_LABELS.get(lead.tier or "", "Not assessed yet"),
        reasons=list(dict.fromkeys(reasons)),
        products=products,
        next_step=next_step,
    )


def _rationale(product: Mapping[str, Any]) -> str:
    """One line: the first reason given for recommending the product."""
    rationale = product.get("rationale")
    if isinstance(rationale, list):
        rationale = next((str(r) for r in rationale if r), "")
    return " ".join(str(rationale or "").split())


def resume_target(token: str | None) -> tuple[Lead, int | None]:
    """Where a resume link leads: (lead, step to continue) or (lead, None) for the result."""
    lead = lead_for_token(token)
    if lead.status == "draft":
        return lead, lead.step_reached
    return lead, None


# ---------------------------------------------------------------------------- SA side


def list_leads(status: str = "open", limit: int = 500) -> list[Lead]:
    """Leads for the SA dashboard, newest first. `open` = submitted, not yet converted.

    "Newest" is when the lead was received: submitted, or started for a draft (the time the
    list shows), so a prospect who started days ago and submitted today is at the top.
    """
    received = func.coalesce(Lead.submitted_at, Lead.created_at)
    stmt = select(Lead).order_by(received.desc(), Lead.id.desc()).limit(limit)
    if status == "open":
        stmt = stmt.where(Lead.status == "submitted")
    elif status in ("draft", "converted"):
        stmt = stmt.where(Lead.status == status)
    elif status != "all":
        raise InvalidInput(
            f"Unknown filter '{status[:40]}'; use one of: {', '.join(LIST_FILTERS)}."
        )
    return list(db.session.scalars(stmt))


def get_lead(lead_id: int) -> Lead:
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"There is no lead {lead_id}.")
    return lead


def lead_detail(lead_id: int) -> LeadDetail:
    lead = get_lead(lead_id)
    _, q = _questionnaire(lead)
    answers = lead.answers or {}
    lines = [
        AnswerLine(
            qid, getattr(question, "label", "") or qid, display_value(question, answers[qid])
        )
        for qid, question in q.questions.items()
        if qid in answers
    ]
    risks = list((lead.result or {}).get("risks", []))
    return LeadDetail(
        view=_view(lead),
        answers=lines,
        risks=risks,
        total_steps=len(q.sections),
        matching_account=account_named(lead.company or ""),
    )


def account_named(name: str) -> Account | None:
    """The account whose name is `name`, ignoring case and extra spaces (names are unique so)."""
    from recommender.services.accounts import normalise_name

    name = normalise_name(name)
    if not name:
        return None
    return db.session.scalar(
        select(Account).where(func.lower(Account.name) == name.lower()).limit(1)
    )


def conversion_title(lead_id: int) -> str:
    return f"From self-serve lead #{lead_id}"


def discovery_from_lead(lead_id: int, account_id: int) -> Discovery | None:
    """The account's discovery started from this lead: linked to it, or left by an earlier
    conversion that failed before linking (it carries the conversion's title)."""
    title = conversion_title(lead_id)
    return db.session.scalar(
        select(Discovery)
        .where(
            Discovery.account_id == account_id,
            (Discovery.lead_id == lead_id)
            | (Discovery.lead_id.is_(None) & (Discovery.title == title)),
        )
        .order_by(Discovery.id)
        .limit(1)
    )


def convert_lead(
    lead_id: int,
    user: User,
    account_id: int | None = None,
    account_name: str | None = None,
) -> Conversion:
    """Turn a lead into a discovery for an existing account (`account_id`) or a new one
    (`account_name`), prefilling every answer the SA questionnaire shares with the lead.

    Refused before anything changes when the new name is taken (`AccountExists`, naming the
    account to convert into instead) or when the lead already has a discovery, or the account
    one from this lead (`AlreadyConverted`). The lead is claimed first (status -> converted)
    so two SAs cannot both convert it; if anything fails afterwards the claim is released and
    what this conversion created (account, discovery) is removed, so a failed conversion
    leaves everything as it was.
    """
    from recommender.services import accounts, discoveries

    lead = get_lead(lead_id)
    lead_id = lead.id
    if lead.status == "converted" and lead.discovery_id is not None:
        raise AlreadyConverted(
            f"This lead was already converted into discovery #{lead.discovery_id}.",
            lead.discovery_id,
        )
    if account_id is None and not (account_name or "").strip():
        message = "Choose an existing account or enter a name for a new one."
        raise InvalidInput(message, {"account": message})
    if account_id is not None:
        account = accounts.get_account(account_id)
        earlier = discovery_from_lead(lead_id, account.id)
        if earlier is not None:
            raise AlreadyConverted(
                f"{account.name} already has discovery #{earlier.id} from this lead;"
                " open it instead of starting a second one.",
                earlier.id,
            )
    else:
        taken = account_named(account_name or "")
        if taken is not None:
            raise AccountExists(
                f"An account named '{taken.name}' already exists. It is chosen below under"
                " Existing account: convert into it, or enter another name.",
                taken.id,
            )
    previous = lead.status
    with db.transaction() as session:
        claimed = _rowcount(
            session.execute(
                update(Lead)
                .where(Lead.id == lead_id, Lead.status.in_(("draft", "submitted")))
                .values(status="converted", updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        )
    if claimed != 1:
        raise Conflict("This lead was already converted into a discovery.")
    created_account: int | None = None
    created_discovery: int | None = None
    try:
        if account_id is None:
            account = accounts.create_account(account_name or "", user)
            created_account = account.id
        else:
            account = accounts.get_account(account_id)
        discovery = discoveries.start_discovery(account.id, user, conversion_title(lead_id))
        created_discovery = discovery.id
        copied, skipped = _prefill(discovery, lead, user)
    except BaseException:
        _undo_conversion(lead_id, previous, created_account, created_discovery)
        raise
    db.session.refresh(lead)
    db.session.refresh(discovery)
    return Conversion(discovery=discovery, copied=copied, skipped=skipped)


def _undo_conversion(
    lead_id: int, previous: str, account_id: int | None, discovery_id: int | None
) -> None:
    """Release the claim and remove what a failed conversion created. Only plain ids are
    used here: reading an attribute of an expired object would reload the claimed status
    into the session, and the page would show "converted" although nothing was."""
    db.session.rollback()
    with db.transaction() as session:
        session.execute(
            update(Lead)
            .where(Lead.id == lead_id)
            .values(status=previous, discovery_id=None)
            .execution_options(synchronize_session=False)
        )
        if discovery_id is not None:
            session.execute(delete(Answer).where(Answer.discovery_id == discovery_id))
            session.execute(delete(Discovery).where(Discovery.id == discovery_id))
        if account_id is not None:
            session.execute(delete(Account).where(Account.id == account_id))
    db.session.expire_all()


def _prefill(discovery: Discovery, lead: Lead, user: User) -> tuple[list[str], dict[str, str]]:
    """Copy the lead's answers into the discovery and link the two, in one transaction."""
    from recommender.services import discoveries

    sa_q = discoveries.questionnaire_of(discovery)
    _, lead_q = _questionnaire(lead)
    copied: list[str] = []
    skipped: dict[str, str] = {}
    now = utcnow()
    with db.transaction() as session:
        existing = {
            a.question_id: a
            for a in session.scalars(select(Answer).where(Answer.discovery_id == discovery.id))
        }
        for qid, value in (lead.answers or {}).items():
            if qid not in sa_q.questions:
                skipped[qid] = "not asked in the SA discovery"
                continue
            question = lead_q.questions.get(qid) or sa_q.questions[qid]
            try:
                typed = sa_q.coerce(qid, form_value(question, value))
            except InvalidAnswer as exc:
                skipped[qid] = exc.message
                continue
            if typed is MISSING:
                continue
            if qid in existing:
                if existing[qid].value == typed:
                    copied.append(qid)
                else:
                    skipped[qid] = "kept the account's value"
                continue
            session.add(
                Answer(
                    discovery_id=discovery.id,
                    question_id=qid,
                    value=typed,
                    version=1,
                    updated_at=now,
                    updated_by_id=user.id,
                )
            )
            copied.append(qid)
        session.execute(
            update(Discovery)
            .where(Discovery.id == discovery.id)
            .values(lead_id=lead.id, revision=Discovery.revision + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Lead)
            .where(Lead.id == lead.id)
            .values(discovery_id=discovery.id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return copied, skipped


def account_choices(limit: int = 500, include: Account | None = None) -> list[Account]:
    """Accounts to convert into, by name; `include` (the preselected one) is always there."""
    rows = list(db.session.scalars(select(Account).order_by(func.lower(Account.name)).limit(limit)))
    if include is not None and all(a.id != include.id for a in rows):
        rows.append(include)
    return rows


# ---------------------------------------------------------------------------- funnel


def funnel(since: datetime | None = None) -> list[FunnelStage]:
    """How many prospects reached each step, submitted, and were converted."""
    _, q = _questionnaire()
    base = select(Lead.step_reached, Lead.status, func.count(Lead.id)).group_by(
        Lead.step_reached, Lead.status
    )
    if since is not None:
        base = base.where(Lead.created_at >= since)
    rows = [(int(step or 1), status, int(n)) for step, status, n in db.session.execute(base)]
    started = sum(n for _, _, n in rows)

    def pct(count: int) -> int:
        return round(100 * count / started) if started else 0

    stages: list[FunnelStage] = []
    for index, section in enumerate(q.sections, start=1):
        count = sum(n for step, _, n in rows if step >= index)
        title = getattr(section, "title", "") or section.id
        stages.append(FunnelStage(f"step{index}", f"Step {index}: {title}", count, pct(count)))
    submitted = sum(n for _, status, n in rows if status in ("submitted", "converted"))
    converted = sum(n for _, status, n in rows if status == "converted")
    stages.append(FunnelStage("submitted", "Submitted", submitted, pct(submitted)))
    stages.append(FunnelStage("converted", "Converted by an SA", converted, pct(converted)))
    return stages


__all__ = [
    "FORM_ID",
    "RULESET",
    "TOKEN_TTL",
    "AccountExists",
    "AlreadyConverted",
    "Conversion",
    "FunnelStage",
    "LeadDetail",
    "LeadView",
    "LinkExpired",
    "StepOutcome",
    "StepState",
    "account_named",
    "convert_lead",
    "funnel",
    "hash_token",
    "lead_for_token",
    "lead_detail",
    "list_leads",
    "save_step",
    "start_lead",
    "step_state",
    "view_for_token",
]
