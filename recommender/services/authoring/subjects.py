"""Saved discoveries and leads with the visible answers the engine sees (for the
impact preview, lint and the sandbox)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from recommender.errors import (
    InvalidInput,
    NotFound,
)
from recommender.models import (
    Account,
    Answer,
    Discovery,
    Lead,
    QuestionnaireVersion,
)
from recommender.questionnaire import MISSING
from recommender.services.authoring.sources import _session
from recommender.services.questionnaires import questionnaire_for


def _questionnaire_by_version_id(version_id: int, cache: dict[int, Any]) -> Any:
    """The pinned questionnaire version of a discovery or lead (cached for one run)."""
    if version_id not in cache:
        row = _session().get(QuestionnaireVersion, version_id)
        if row is None:
            cache[version_id] = None
        else:
            cache[version_id] = questionnaire_for(row)
    return cache[version_id]


# --------------------------------------------------------------------------- saved answers


def _answers_key(answers: dict[str, Any]) -> str:
    return json.dumps(answers, sort_keys=True, default=str)


@dataclass
class Subject:
    """A saved discovery or lead, with the visible answers the engine sees."""

    kind: str  # discovery | lead
    id: int
    label: str
    questionnaire: Any
    answers: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def answers_key(self) -> str:
        """The answers as canonical JSON (identical answer sets are evaluated once)."""
        key = self.__dict__.get("_answers_key")
        if key is None:
            key = self.__dict__["_answers_key"] = _answers_key(self.answers)
        return key


def _all_answers(
    session: Session, ids: tuple[int, int] | None = None
) -> dict[int, dict[str, Any]]:
    """discovery id -> {question id: value} for every discovery, in one query.

    The database builds one JSON object per discovery (SQLite `json_group_object`,
    PostgreSQL `jsonb_object_agg`), so Python decodes one text per discovery instead of
    handling one row per answer (10,000 discoveries have ~365,000 answers). With `ids`
    (first, last), only the discoveries in that id range.
    """
    table = Answer.__table__
    dialect = session.get_bind().dialect.name
    out: dict[int, dict[str, Any]] = {}
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            grouped = func.json_group_object(table.c.question_id, func.json(table.c.value))
        else:
            grouped = func.jsonb_object_agg(table.c.question_id, table.c.value)
        stmt = (
            select(table.c.discovery_id, cast(grouped, Text))
            .where(table.c.value.is_not(None))
            .group_by(table.c.discovery_id)
        )
        if ids is not None:
            stmt = stmt.where(table.c.discovery_id.between(*ids))
        loads = json.loads
        for discovery_id, text in session.connection().execute(stmt):
            answers = {k: v for k, v in loads(text).items() if v is not None}
            if answers:
                out[discovery_id] = answers
        return out
    for discovery_id, question_id, value in session.execute(
        select(Answer.discovery_id, Answer.question_id, Answer.value)
    ):
        if value is not None:
            out.setdefault(discovery_id, {})[question_id] = value
    return out


def saved_subjects(only: tuple[str, int, int] | None = None) -> list[Subject]:
    """Every saved discovery and lead, answers reduced to the visible ones; with `only`
    (kind, first id, last id) just those (a chunk of a background job, services/jobs.py)."""
    visibility: dict[int, _Visibility] = {}
    return [visible_subject(raw, visibility) for raw in saved_raw(only)]


def visible_subject(raw: Subject, visibility: dict[int, _Visibility]) -> Subject:
    """A subject of `saved_raw` with its answers reduced to the visible ones (`visibility`:
    one `_Visibility` per questionnaire, kept by the caller across subjects)."""
    q = raw.questionnaire
    if q is None:
        return raw
    v = visibility.get(id(q))
    if v is None:
        v = visibility[id(q)] = _Visibility(q)
    return Subject(raw.kind, raw.id, raw.label, q, v.visible_answers(raw.answers))


def saved_raw(only: tuple[str, int, int] | None = None) -> list[Subject]:
    """`saved_subjects` with every stored answer, visible or not (`visible_subject` reduces
    one; the impact preview does so only for the answer sets it evaluates)."""
    session = _session()
    q_cache: dict[int, Any] = {}
    discovery_ids = (only[1], only[2]) if only is not None and only[0] == "discovery" else None
    lead_ids = (only[1], only[2]) if only is not None and only[0] == "lead" else None
    answers_by_discovery = (
        {} if only is not None and discovery_ids is None else _all_answers(session, discovery_ids)
    )
    subjects: list[Subject] = []
    discoveries = (
        select(Discovery.id, Discovery.title, Discovery.questionnaire_version_id, Account.name)
        .join(Account, Account.id == Discovery.account_id)
        .order_by(Discovery.id)
    )
    if discovery_ids is not None:
        discoveries = discoveries.where(Discovery.id.between(*discovery_ids))
    leads = select(Lead.id, Lead.company, Lead.questionnaire_version_id, Lead.answers).order_by(
        Lead.id
    )
    if lead_ids is not None:
        leads = leads.where(Lead.id.between(*lead_ids))
    for did, title, qv_id, account in (
        session.execute(discoveries) if only is None or discovery_ids is not None else []
    ):
        q = _questionnaire_by_version_id(qv_id, q_cache)
        stored = answers_by_discovery.get(did, {})
        subjects.append(Subject("discovery", did, f"{account}" + (f" — {title}" if title else ""), q, stored))
    for lid, company, qv_id, answers in (
        session.execute(leads) if only is None or lead_ids is not None else []
    ):
        q = _questionnaire_by_version_id(qv_id, q_cache)
        subjects.append(Subject("lead", lid, company or f"Lead {lid}", q, dict(answers or {})))
    return subjects


class _Visibility:
    """`Questionnaire.visible_answers` for many answer sets of one questionnaire version.

    Which questions are visible depends only on the answers the show_if conditions read,
    so it is computed once per distinct combination of those answers; each answer set then
    only keeps its visible answers (in questionnaire order, as `visible_answers` does).
    """

    def __init__(self, questionnaire: Any) -> None:
        self.questionnaire = questionnaire
        fields: set[str] = set()
        for qid in questionnaire.questions:
            fields |= questionnaire.dependencies(qid)
        self.fields = sorted(fields)
        self.memo: dict[str, list[str]] = {}

    def visible_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        read = {f: answers[f] for f in self.fields if _given(answers.get(f, MISSING))}
        key = json.dumps(read, sort_keys=True, default=repr)
        ids = self.memo.get(key)
        if ids is None:
            ids = self.memo[key] = self.questionnaire.visible_question_ids(read)
        return {qid: answers[qid] for qid in ids if _given(answers.get(qid, MISSING))}


def _given(value: Any) -> bool:
    return value is not None and value is not MISSING


def subject(kind: str, subject_id: int) -> Subject:
    session = _session()
    q_cache: dict[int, Any] = {}
    if kind == "discovery":
        discovery = session.get(Discovery, subject_id)
        if discovery is None:
            raise NotFound(f"There is no discovery {subject_id}.")
        answers = {a.question_id: a.value for a in discovery.answers if a.value is not None}
        q = _questionnaire_by_version_id(discovery.questionnaire_version_id, q_cache)
        label = discovery.account.name + (f" — {discovery.title}" if discovery.title else "")
    elif kind == "lead":
        lead = session.get(Lead, subject_id)
        if lead is None:
            raise NotFound(f"There is no lead {subject_id}.")
        answers = dict(lead.answers or {})
        q = _questionnaire_by_version_id(lead.questionnaire_version_id, q_cache)
        label = lead.company or f"Lead {lead.id}"
    else:
        raise InvalidInput("Choose a discovery or a lead.")
    visible = q.visible_answers(answers) if q is not None else answers
    return Subject(kind, subject_id, label, q, visible)


def subject_choices(limit: int = 500) -> dict[str, list[tuple[int, str]]]:
    """Recent discoveries and leads for the sandbox's pickers."""
    session = _session()
    discoveries = [
        (did, f"#{did} {account}" + (f" — {title}" if title else ""))
        for did, title, account in session.execute(
            select(Discovery.id, Discovery.title, Account.name)
            .join(Account, Account.id == Discovery.account_id)
            .order_by(Discovery.updated_at.desc())
            .limit(limit)
        )
    ]
    leads = [
        (lid, f"#{lid} {company or 'lead'} ({status})")
        for lid, company, status in session.execute(
            select(Lead.id, Lead.company, Lead.status).order_by(Lead.created_at.desc()).limit(limit)
        )
    ]
    return {"discovery": discoveries, "lead": leads}
