"""Discoveries: start one, read it section by section, save answers and notes safely.

Every answer and note carries a `version` (0 = nothing stored yet). A save names the version
it was based on; if somebody else saved in between, the save is refused with a `Conflict`
that says who changed what, when, and to which value. The check and the write happen in one
transaction with a conditional UPDATE (and a row lock on the discovery on PostgreSQL), so two
concurrent saves based on the same version cannot both win.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from recommender.errors import Conflict, InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import (
    Account,
    Answer,
    AuditEntry,
    Discovery,
    QuestionnaireVersion,
    ReportSnapshot,
    SectionNote,
    User,
)
from recommender.models.base import utcnow
from recommender.questionnaire import MISSING, InvalidAnswer
from recommender.questionnaire.forms import display_value, section_question_ids
from recommender.services import questionnaires

FORM_ID = "sa_discovery"
NOTE_MAX = 20_000
_RACE = "Someone else saved this at the same moment — reload to see their change."
# PostgreSQL cannot store NUL in text or JSON: refuse it at the field instead of failing.
NUL_MESSAGE = "This text contains an invisible NUL character (often from a paste); retype it."
STATUS_LABELS = {"in_progress": "In progress", "completed": "Completed", "archived": "Archived"}


# ---------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class Progress:
    """Answered of visible questions, overall and per section."""

    answered: int
    visible: int
    sections: dict[str, tuple[int, int]]

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.visible) if self.visible else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "visible": self.visible,
            "percent": self.percent,
            "sections": {
                sid: {"answered": a, "visible": v} for sid, (a, v) in self.sections.items()
            },
        }


@dataclass(frozen=True)
class DiscoveryRow:
    """One line of the dashboard."""

    discovery: Discovery
    progress: Progress

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.discovery.status, self.discovery.status)


@dataclass
class SectionState:
    """Everything the workspace shows for one section of one discovery."""

    discovery: Discovery
    questionnaire: Any
    section: Any
    section_index: int
    question_ids: list[str]
    answers: dict[str, Any]
    versions: dict[str, int]
    visible: set[str]
    progress: Progress
    note_text: str
    note_version: int
    #: Whether the section's note is shown in the readout (off until the SA ticks it).
    note_include: bool = False

    @property
    def previous_section(self) -> Any | None:
        sections = self.questionnaire.sections
        return sections[self.section_index - 1] if self.section_index > 0 else None

    @property
    def next_section(self) -> Any | None:
        sections = self.questionnaire.sections
        i = self.section_index + 1
        return sections[i] if i < len(sections) else None

    @property
    def jump_index(self) -> list[dict[str, Any]]:
        """Every question of the questionnaire, in order, for the workspace's "jump to a
        question" box: {id, label, section_id, section_title, visible, answered}."""
        q = self.questionnaire
        return [
            {
                "id": qid,
                "label": getattr(q.questions[qid], "label", "") or qid,
                "section_id": section.id,
                "section_title": getattr(section, "title", "") or section.id,
                "visible": qid in self.visible,
                "answered": qid in self.answers,
            }
            for section in q.sections
            for qid in section_question_ids(q, section.id)
        ]


@dataclass(frozen=True)
class DiscoveryHead:
    """A discovery as the hot path needs it: identity, revision, questionnaire."""

    id: int
    questionnaire_version_id: int
    checksum: str
    revision: int
    questionnaire: Any
    created_at: datetime | None = None
    #: How many readouts the discovery has.
    snapshots: int = 0


@dataclass(frozen=True)
class SaveResult:
    """What an autosave returns: the new version and what is now visible (and, for the panel
    sent back with it, the discovery and its answers after the save)."""

    question_id: str
    version: int
    revision: int
    visible: list[str]
    progress: Progress
    state: DiscoveryHead | None = field(default=None, repr=False, compare=False)
    answers: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "version": self.version,
            "revision": self.revision,
            "visible": self.visible,
            "progress": self.progress.to_dict(),
        }


@dataclass(frozen=True)
class NoteResult:
    section_id: str
    version: int
    revision: int
    include: bool = False


@dataclass
class SectionSaveResult:
    """Outcome of a whole-section save (the no-JavaScript path)."""

    errors: dict[str, str] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------- queries


def questionnaire_of(discovery: Discovery) -> Any:
    """The questionnaire version the discovery is pinned to."""
    return questionnaires.questionnaire_for(discovery.questionnaire_version)


def get_discovery(discovery_id: int) -> Discovery:
    discovery = db.session.get(Discovery, discovery_id)
    if discovery is None:
        raise NotFound(f"There is no discovery {discovery_id}.")
    return discovery


def set_status(discovery_id: int, status: str, user: User) -> Discovery:
    """Mark a discovery completed (the call is done) or reopen it; recorded in the audit log."""
    if status not in ("in_progress", "completed"):
        raise InvalidInput(f"Unknown status '{status}'; use in_progress or completed.")
    with db.transaction() as session:
        discovery = session.get(Discovery, discovery_id)
        if discovery is None:
            raise NotFound(f"There is no discovery {discovery_id}.")
        if discovery.status != status:
            now = utcnow()
            session.add(
                AuditEntry(
                    at=now,
                    actor_id=user.id,
                    action=f"discovery.{'completed' if status == 'completed' else 'reopened'}",
                    target_type="discovery",
                    target_id=str(discovery_id),
                    summary=f"{STATUS_LABELS[discovery.status]} -> {STATUS_LABELS[status]}",
                )
            )
            discovery.status = status
            discovery.updated_at = now
    return discovery


def answers_of(discovery_id: int, session: Session | None = None) -> dict[str, Any]:
    """The discovery's stored answers as typed values (hidden ones included)."""
    session = session or db.session
    rows = session.execute(
        select(Answer.question_id, Answer.value).where(Answer.discovery_id == discovery_id)
    )
    return {qid: value for qid, value in rows if value is not None}


def progress_of(q: Any, answers: Mapping[str, Any], visible: list[str] | None = None) -> Progress:
    """Answered of visible questions, overall and per section (`visible`: the questionnaire's
    visible question ids for `answers` when the caller has them)."""
    if visible is None:
        visible = q.visible_question_ids(dict(answers))
    shown = set(visible)
    answered = sum(1 for qid in visible if answers.get(qid) is not None)
    sections: dict[str, tuple[int, int]] = {}
    for section in q.sections:
        ids = [qid for qid in section_question_ids(q, section.id) if qid in shown]
        sections[section.id] = (sum(1 for qid in ids if qid in answers), len(ids))
    return Progress(answered, len(visible), sections)


def list_discoveries(query: str = "", limit: int = 200) -> list[DiscoveryRow]:
    """Discoveries for the dashboard, most recently changed first; `query` filters by
    company name (case-insensitive substring)."""
    stmt = (
        select(Discovery)
        .join(Account, Discovery.account_id == Account.id)
        .options(
            selectinload(Discovery.account),
            selectinload(Discovery.owner),
            selectinload(Discovery.questionnaire_version),
        )
        .order_by(Discovery.updated_at.desc(), Discovery.id.desc())
        .limit(limit)
    )
    query = " ".join(query.replace("\x00", "").split())
    if query:
        stmt = stmt.where(func.lower(Account.name).contains(query.lower(), autoescape=True))
    return _rows(list(db.session.scalars(stmt)))


def discoveries_for_account(account_id: int) -> list[DiscoveryRow]:
    stmt = (
        select(Discovery)
        .where(Discovery.account_id == account_id)
        .options(selectinload(Discovery.owner), selectinload(Discovery.questionnaire_version))
        .order_by(Discovery.updated_at.desc(), Discovery.id.desc())
    )
    return _rows(list(db.session.scalars(stmt)))


def _rows(discoveries: list[Discovery]) -> list[DiscoveryRow]:
    by_discovery: dict[int, dict[str, Any]] = {d.id: {} for d in discoveries}
    if discoveries:
        rows = db.session.execute(
            select(Answer.discovery_id, Answer.question_id, Answer.value).where(
                Answer.discovery_id.in_(list(by_discovery))
            )
        )
        for discovery_id, qid, value in rows:
            if value is not None:
                by_discovery[discovery_id][qid] = value
    return [
        DiscoveryRow(d, progress_of(questionnaire_of(d), by_discovery[d.id])) for d in discoveries
    ]


def section_state(discovery_id: int, section_id: str | None = None) -> SectionState:
    """One section of a discovery with its answers, versions, visibility and notes;
    `section_id=None` means the first section."""
    discovery = get_discovery(discovery_id)
    q = questionnaire_of(discovery)
    sections = list(q.sections)
    if not sections:
        raise NotFound("This questionnaire has no sections.")
    index = 0
    if section_id is not None:
        ids = [s.id for s in sections]
        if section_id not in ids:
            raise NotFound(f"There is no section '{section_id}' in this questionnaire.")
        index = ids.index(section_id)
    section = sections[index]
    rows = db.session.scalars(select(Answer).where(Answer.discovery_id == discovery_id)).all()
    answers = {a.question_id: a.value for a in rows if a.value is not None}
    note = db.session.scalar(
        select(SectionNote).where(
            SectionNote.discovery_id == discovery_id, SectionNote.section_id == section.id
        )
    )
    return SectionState(
        discovery=discovery,
        questionnaire=q,
        section=section,
        section_index=index,
        question_ids=section_question_ids(q, section.id),
        answers=answers,
        versions={a.question_id: a.version for a in rows},
        visible=set(q.visible_question_ids(answers)),
        progress=progress_of(q, answers),
        note_text=note.text if note else "",
        note_version=note.version if note else 0,
        note_include=bool(note.include_in_readout) if note else False,
    )


def readout_notes(discovery_id: int) -> list[dict[str, str]]:
    """The section notes the SA marked "include in the readout", in questionnaire order, as
    the readout takes them ({section_id, section_title, text}); empty notes are left out.
    Notes that are not marked never leave the workspace."""
    discovery = get_discovery(discovery_id)
    q = questionnaire_of(discovery)
    rows = db.session.scalars(
        select(SectionNote).where(
            SectionNote.discovery_id == discovery_id,
            SectionNote.include_in_readout.is_(True),
        )
    )
    by_section = {row.section_id: row.text for row in rows if row.text.strip()}
    notes = []
    for section in q.sections:
        if section.id in by_section:
            title = getattr(section, "title", "") or section.id
            notes.append(
                {
                    "section_id": section.id,
                    "section_title": title,
                    "text": by_section.pop(section.id),
                }
            )
    # A note of a section the questionnaire no longer has still belongs to the discovery.
    for section_id, text in sorted(by_section.items()):
        notes.append({"section_id": section_id, "section_title": section_id, "text": text})
    return notes


# ---------------------------------------------------------------------------- commands


def start_discovery(account_id: int, user: User, title: str = "") -> Discovery:
    """A new discovery for an account, pinned to the latest SA discovery questionnaire.

    When the questionnaire asks for `company_name`, the account's name is filled in.
    """
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound(f"There is no account {account_id}.")
    version = questionnaires.latest(FORM_ID)
    if version is None:
        raise NotFound(
            f"No '{FORM_ID}' questionnaire is loaded; run `recommender setup` to load forms/."
        )
    q = questionnaires.questionnaire_for(version)
    title = " ".join(title.replace("\x00", "").split())[:200]
    with db.transaction() as session:
        now = utcnow()
        discovery = Discovery(
            account_id=account.id,
            questionnaire_version_id=version.id,
            owner_id=user.id,
            title=title,
            status="in_progress",
            revision=0,
            created_at=now,
            updated_at=now,
        )
        session.add(discovery)
        session.flush()
        if "company_name" in q.questions:
            try:
                value = q.coerce("company_name", account.name)
            except InvalidAnswer:
                value = MISSING
            if value is not MISSING:
                session.add(
                    Answer(
                        discovery_id=discovery.id,
                        question_id="company_name",
                        value=value,
                        version=1,
                        updated_at=now,
                        updated_by_id=user.id,
                    )
                )
    return discovery


def save_answer(
    discovery_id: int, question_id: str, raw: Any, expected_version: Any, user: User
) -> SaveResult:
    """Coerce and store one answer if `expected_version` is still the stored version.

    An empty value clears the answer. Raises InvalidInput (nothing stored) or Conflict.

    The hot path of the workspace (every autosave): one statement reads and locks the
    discovery with its questionnaire's identity, one reads its answers, then the
    compare-and-set write, the revision bump (returning the new revision) and the audit row;
    the answers after the save are the ones read with this one changed, not read again."""
    try:
        with db.transaction() as session:
            head = _head(session, discovery_id, lock=True)
            q = head.questionnaire
            value = _coerce(q, question_id, raw)
            expected = _version(expected_version, question_id)
            rows = {
                row.question_id: row
                for row in session.connection().execute(_ANSWER_ROWS, {"did": discovery_id})
            }
            version, change = _write_answer(
                session, q, discovery_id, question_id, value, expected, user, rows.get(question_id)
            )
            revision = head.revision
            if change is not None:
                revision = _bump(session, discovery_id)
                _audit(session, discovery_id, [change], user, revision)
    except IntegrityError:
        raise Conflict(_RACE) from None
    answers = {qid: row.value for qid, row in rows.items() if row.value is not None}
    if change is not None:
        new = change[2]
        if new is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = new
    visible = q.visible_question_ids(answers)
    return SaveResult(
        question_id=question_id,
        version=version,
        revision=revision,
        visible=list(visible),
        progress=progress_of(q, answers, visible),
        state=replace(head, revision=revision),
        answers=answers,
    )


def save_note(
    discovery_id: int,
    section_id: str,
    text: Any,
    expected_version: Any,
    user: User,
    include: Any = None,
) -> NoteResult:
    """Store a section's notes if `expected_version` is still the stored version.

    `include` (a bool) marks the note for the readout; None leaves the mark as it is. The
    mark is part of the note: it bumps the same version and conflicts the same way."""
    discovery = get_discovery(discovery_id)
    q = questionnaire_of(discovery)
    _check_section(q, section_id)
    text = _note_text(text)
    wanted = _include(include)
    expected = _version(expected_version, "notes")
    try:
        with db.transaction() as session:
            _lock(session, discovery_id)
            version, changed = _write_note(
                session, discovery_id, section_id, text, expected, user, wanted
            )
            revision = _bump(session, discovery_id) if changed else _revision(session, discovery_id)
            included = _note_included(session, discovery_id, section_id)
    except IntegrityError:
        raise Conflict(_RACE) from None
    return NoteResult(section_id, version, revision, included)


def save_section(
    discovery_id: int,
    section_id: str,
    raw_values: Mapping[str, Any],
    versions: Mapping[str, Any],
    user: User,
    note: tuple[str, Any] | None = None,
    note_include: bool | None = None,
) -> SectionSaveResult:
    """Save a whole section at once (forms posted without JavaScript).

    `raw_values` maps question ids to posted values, `versions` to the versions the form
    was rendered with; `note` is (text, version) for the section's notes and `note_include`
    its "include in the readout" mark (None: unchanged). Valid fields are
    saved, each with its own version check; every invalid or conflicting field gets its
    message in `errors` (key `notes` for the notes). Unknown question ids raise InvalidInput.
    """
    discovery = get_discovery(discovery_id)
    q = questionnaire_of(discovery)
    section_ids = set(_check_section(q, section_id))
    result = SectionSaveResult()
    values: dict[str, Any] = {}
    for qid, raw in raw_values.items():
        if qid not in section_ids:
            if qid not in q.questions:
                _unknown(qid)
            message = f"'{qid}' is not a question of this section."
            raise InvalidInput(message, {qid: message})
        try:
            values[qid] = _nul_free(qid, q.coerce(qid, raw))
        except InvalidAnswer as exc:
            result.errors[qid] = exc.message
    note_text = None
    if note is not None:
        try:
            note_text = _note_text(note[0])
        except InvalidInput as exc:
            result.errors["notes"] = exc.message
    try:
        with db.transaction() as session:
            _lock(session, discovery_id)
            changed = False
            changes: list[tuple[str, Any, Any]] = []
            for qid, value in values.items():
                try:
                    expected = _version(versions.get(qid, 0), qid)
                    _, change = _write_answer(session, q, discovery_id, qid, value, expected, user)
                except (Conflict, InvalidInput) as exc:
                    result.errors[qid] = exc.message
                    continue
                if change is not None:
                    changed = True
                    changes.append(change)
                    result.saved.append(qid)
            if note is not None and note_text is not None:
                try:
                    expected = _version(note[1] or 0, "notes")
                    _, did = _write_note(
                        session, discovery_id, section_id, note_text, expected, user, note_include
                    )
                    changed = changed or did
                except (Conflict, InvalidInput) as exc:
                    result.errors["notes"] = exc.message
            if changed:
                _audit(session, discovery_id, changes, user, _bump(session, discovery_id))
    except IntegrityError:
        raise Conflict(_RACE) from None
    return result


# ---------------------------------------------------------------------------- internals


def _coerce(q: Any, question_id: str, raw: Any) -> Any:
    if not isinstance(question_id, str) or question_id not in q.questions:
        _unknown(question_id)
    try:
        return _nul_free(question_id, q.coerce(question_id, raw))
    except InvalidAnswer as exc:
        raise InvalidInput(exc.message, {question_id: exc.message}) from None


def _nul_free(question_id: str, value: Any) -> Any:
    """`value`, unless some text in it contains NUL (raises InvalidAnswer)."""
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(t, str) and "\x00" in t for t in texts):
        raise InvalidAnswer(question_id, NUL_MESSAGE)
    return value


def _unknown(question_id: Any) -> None:
    name = str(question_id)[:100]
    message = f"There is no question '{name}' in this questionnaire."
    raise InvalidInput(message, {name: message})


def _version(value: Any, key: str) -> int:
    """A client-sent version: a non-negative integer (0 = not answered yet)."""
    if isinstance(value, bool):
        value = None
    try:
        version = int(value)
    except (TypeError, ValueError):
        version = -1
    if version < 0:
        message = "The answer's version is missing or not a whole number; reload the page."
        raise InvalidInput(message, {key: message})
    return version


def _check_section(q: Any, section_id: str) -> list[str]:
    try:
        return section_question_ids(q, section_id)
    except KeyError:
        message = f"There is no section '{str(section_id)[:100]}' in this questionnaire."
        raise InvalidInput(message, {"section": message}) from None


def _note_text(text: Any) -> str:
    if not isinstance(text, str):
        raise InvalidInput("Notes must be text.", {"notes": "Notes must be text."})
    text = text.replace("\r\n", "\n")
    if "\x00" in text:
        raise InvalidInput(NUL_MESSAGE, {"notes": NUL_MESSAGE})
    if len(text) > NOTE_MAX:
        message = f"The notes are too long (at most {NOTE_MAX:,} characters)."
        raise InvalidInput(message, {"notes": message})
    return text


def _include(value: Any) -> bool | None:
    """A client-sent "include in the readout" mark: true, false, or absent (None)."""
    if value is None or isinstance(value, bool):
        return value
    message = "'include' must be true or false."
    raise InvalidInput(message, {"notes": message})


def _note_included(session: Session, discovery_id: int, section_id: str) -> bool:
    return bool(
        session.scalar(
            select(SectionNote.include_in_readout).where(
                SectionNote.discovery_id == discovery_id, SectionNote.section_id == section_id
            )
        )
    )


def _lock(session: Session, discovery_id: int) -> None:
    """Serialise saves to one discovery: a row lock on PostgreSQL (SQLite serialises writers;
    the conditional UPDATEs below keep the check-and-write atomic on both)."""
    stmt = select(Discovery.id).where(Discovery.id == discovery_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    if session.scalar(stmt) is None:
        raise NotFound(f"There is no discovery {discovery_id}.")


_D = cast(Table, Discovery.__table__)
_QV = cast(Table, QuestionnaireVersion.__table__)
_A = cast(Table, Answer.__table__)
_AUDIT = cast(Table, AuditEntry.__table__)
_SNAPSHOTS = (
    select(func.count(ReportSnapshot.id))
    .where(ReportSnapshot.discovery_id == _D.c.id)
    .scalar_subquery()
)
#: The hot path's statements, built once (Core: no ORM compile or object churn per request).
_HEAD = (
    select(
        _D.c.id,
        _D.c.questionnaire_version_id,
        _QV.c.checksum,
        _D.c.revision,
        _D.c.created_at,
        _SNAPSHOTS,
    )
    .join(_QV, _QV.c.id == _D.c.questionnaire_version_id)
    .where(_D.c.id == bindparam("did"))
)
_HEAD_LOCKED = _HEAD.with_for_update(of=_D)
_ANSWER_ROWS = select(
    _A.c.id, _A.c.question_id, _A.c.value, _A.c.version, _A.c.updated_at, _A.c.updated_by_id
).where(_A.c.discovery_id == bindparam("did"))
_SET_ANSWER = (
    update(_A)
    .where(_A.c.id == bindparam("aid"), _A.c.version == bindparam("expected"))
    .values(
        value=bindparam("new_value", type_=_A.c.value.type),
        version=_A.c.version + 1,
        updated_at=bindparam("now"),
        updated_by_id=bindparam("by"),
    )
)
_BUMP = (
    update(_D)
    .where(_D.c.id == bindparam("did"))
    .values(revision=_D.c.revision + 1, updated_at=bindparam("now"))
    .returning(_D.c.revision)
)


def _head(session: Session, discovery_id: int, lock: bool = False) -> DiscoveryHead:
    """The discovery's identity, revision, questionnaire and readout count in one statement
    (with its row locked on PostgreSQL when `lock`); NotFound when there is none."""
    conn = session.connection()
    stmt = _HEAD_LOCKED if lock and conn.dialect.name == "postgresql" else _HEAD
    row = conn.execute(stmt, {"did": discovery_id}).first()
    if row is None:
        raise NotFound(f"There is no discovery {discovery_id}.")
    q = questionnaires.questionnaire_for(_VersionRef(session, row[1], row[2]))  # type: ignore[arg-type]
    return DiscoveryHead(row[0], row[1], row[2], int(row[3] or 0), q, row[4], int(row[5] or 0))


def discovery_head(discovery_id: int) -> DiscoveryHead:
    """`_head` outside a write: what the panel needs to know about a discovery."""
    return _head(db.session, discovery_id)


class _VersionRef:
    """A questionnaire version by id and checksum: what `questionnaires.questionnaire_for`
    keys its cache on. The (large) definition is read only on a cache miss."""

    def __init__(self, session: Session, version_id: int, checksum: str) -> None:
        self.id, self.checksum, self._session = version_id, checksum, session

    @property
    def definition(self) -> Any:
        return self._session.scalar(
            select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == self.id)
        )


def _bump(session: Session, discovery_id: int) -> int:
    """Count one more change of the discovery; the new revision."""
    conn = session.connection()
    return int(conn.execute(_BUMP, {"did": discovery_id, "now": utcnow()}).scalar_one())


def _revision(session: Session, discovery_id: int) -> int:
    return int(session.scalar(select(Discovery.revision).where(Discovery.id == discovery_id)) or 0)


#: `_write_answer`'s "read the stored answer yourself".
_NO_ROW: Any = object()


def _write_answer(
    session: Session,
    q: Any,
    discovery_id: int,
    question_id: str,
    value: Any,
    expected: int,
    user: User,
    row: Any = _NO_ROW,
) -> tuple[int, tuple[str, Any, Any] | None]:
    """Compare-and-set one answer; returns the new version and the change made, as
    (question id, old value, new value; None = cleared), or None when nothing changed.
    `row` is the stored answer when the caller read it already (None: there is none).
    The caller bumps the revision and records the changes with `_audit`."""
    if row is _NO_ROW:
        row = session.execute(
            select(
                Answer.id,
                Answer.question_id,
                Answer.value,
                Answer.version,
                Answer.updated_at,
                Answer.updated_by_id,
            ).where(Answer.discovery_id == discovery_id, Answer.question_id == question_id)
        ).first()
    current = row.version if row is not None else 0
    stored = row.value if row is not None else None
    new = None if value is MISSING else value
    if stored == new:
        return current, None  # nothing to change, whoever saved it
    if current != expected:
        raise Conflict(_answer_conflict(session, q, discovery_id, question_id, row), current)
    now = utcnow()
    if row is None:
        # A concurrent insert of the same answer fails here on the unique constraint.
        session.connection().execute(
            insert(_A),
            {
                "discovery_id": discovery_id,
                "question_id": question_id,
                "value": new,
                "version": 1,
                "updated_at": now,
                "updated_by_id": user.id,
            },
        )
        return 1, (question_id, None, new)
    if new is None:
        # Cleared: the row goes (absent = unanswered); the audit log remembers who did it.
        done = _rowcount(
            session.execute(delete(Answer).where(Answer.id == row.id, Answer.version == expected))
        )
        if done != 1:
            raise Conflict(_answer_conflict(session, q, discovery_id, question_id, None), 0)
        return 0, (question_id, stored, None)
    done = _rowcount(
        session.connection().execute(
            _SET_ANSWER,
            {"aid": row.id, "expected": expected, "new_value": new, "now": now, "by": user.id},
        )
    )
    if done != 1:
        session.expire_all()
        fresh = session.get(Answer, row.id)
        raise Conflict(_answer_conflict(session, q, discovery_id, question_id, fresh))
    return expected + 1, (question_id, stored, new)


def _audit(
    session: Session,
    discovery_id: int,
    changes: list[tuple[str, Any, Any]],
    user: User,
    revision: int,
) -> None:
    """Record answer changes (question id, old and new typed values; new None = cleared) in
    the audit log with the discovery revision they made (`revision`, just bumped in this
    transaction, which holds the discovery: row lock on PostgreSQL, the write lock on
    SQLite)."""
    if not changes:
        return  # (an empty list would insert one row of defaults)
    now = utcnow()
    session.connection().execute(
        insert(_AUDIT),
        [
            {
                "at": now,
                "actor_id": user.id,
                "action": "answer.cleared" if new is None else "answer.changed",
                "target_type": "discovery",
                "target_id": str(discovery_id),
                "summary": question_id,
                "diff": json.dumps({"old": old, "new": new}, sort_keys=True),
                "revision": revision,
            }
            for question_id, old, new in changes
        ],
    )


def _write_note(
    session: Session,
    discovery_id: int,
    section_id: str,
    text: str,
    expected: int,
    user: User,
    include: bool | None = None,
) -> tuple[int, bool]:
    """Compare-and-set a section's note and its readout mark (`include` None: unchanged)."""
    row = session.scalar(
        select(SectionNote).where(
            SectionNote.discovery_id == discovery_id, SectionNote.section_id == section_id
        )
    )
    current = row.version if row is not None else 0
    stored_include = bool(row.include_in_readout) if row is not None else False
    include = stored_include if include is None else include
    if (row.text if row is not None else "") == text and include == stored_include:
        return current, False
    if current != expected:
        raise Conflict(_note_conflict(session, row), current_version=current)
    now = utcnow()
    if row is None:
        session.add(
            SectionNote(
                discovery_id=discovery_id,
                section_id=section_id,
                text=text,
                include_in_readout=include,
                version=1,
                updated_at=now,
                updated_by_id=user.id,
            )
        )
        session.flush()
        return 1, True
    done = _rowcount(
        session.execute(
            update(SectionNote)
            .where(SectionNote.id == row.id, SectionNote.version == expected)
            .values(
                text=text,
                include_in_readout=include,
                version=SectionNote.version + 1,
                updated_at=now,
                updated_by_id=user.id,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if done != 1:
        session.expire_all()
        fresh = session.get(SectionNote, row.id)
        raise Conflict(
            _note_conflict(session, fresh), current_version=fresh.version if fresh else None
        )
    return expected + 1, True


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _who(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.name if user is not None else "Someone"


def _at(moment: datetime | None) -> str:
    return f" at {moment.strftime('%H:%M')} UTC" if moment is not None else ""


def _answer_conflict(
    session: Session, q: Any, discovery_id: int, question_id: str, row: Answer | None
) -> str:
    question = q.questions[question_id]
    label = getattr(question, "label", "") or question_id
    if row is not None and row.value is not None:
        shown = display_value(question, row.value)
        return (
            f"{_who(session, row.updated_by_id)} changed '{label}' to {shown}"
            f"{_at(row.updated_at)} — reload to see it."
        )
    entry = session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.action == "answer.cleared",
            AuditEntry.target_type == "discovery",
            AuditEntry.target_id == str(discovery_id),
            AuditEntry.summary == question_id,
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    who = _who(session, entry.actor_id) if entry else "Someone"
    return f"{who} cleared '{label}'{_at(entry.at if entry else None)} — reload to see it."


def _note_conflict(session: Session, row: SectionNote | None) -> str:
    if row is None:
        return "These notes were removed meanwhile — reload to see the current notes."
    return (
        f"{_who(session, row.updated_by_id)} changed these notes{_at(row.updated_at)}:"
        " keep yours (it replaces theirs), or reload to see theirs (copy your text first)."
    )


def pinned_version(discovery: Discovery) -> QuestionnaireVersion:
    return discovery.questionnaire_version
