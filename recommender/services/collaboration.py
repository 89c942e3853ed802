"""Working together on one discovery: what changed since a revision, who else has it open,
and each question's history.

Every answer change writes an audit entry (`answer.changed` or `answer.cleared`, summary =
question id, diff = {"old", "new"}) carrying the discovery revision it made
(`discoveries._audit`). An open workspace polls with the revision it shows: when the
discovery's revision has not moved, the poll costs two small statements (the revision, the
presence rows) and, at most every PRESENCE_WRITE_SECONDS, one upsert of the caller's presence.

Presence is a row per user and discovery in the database (so it works with any number of
worker processes, on SQLite and PostgreSQL alike): the section the user's tab shows and when it
last polled. Rows older than PRESENCE_TTL_SECONDS no longer count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from recommender.errors import InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import (
    Answer,
    AuditEntry,
    Discovery,
    Presence,
    QuestionnaireVersion,
    SectionNote,
    User,
)
from recommender.models.base import utcnow
from recommender.questionnaire.forms import display_value
from recommender.services import discoveries, questionnaires

PRESENCE_TTL_SECONDS = 30
PRESENCE_WRITE_SECONDS = 5
HISTORY_LIMIT = 50
ANSWER_ACTIONS = ("answer.changed", "answer.cleared")


# ---------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class RemoteAnswer:
    """The current state of an answer that changed since a revision (cleared: value None,
    version 0); `revision` is the revision of its latest change, `mine` whether the caller
    made that change (from any of their tabs)."""

    question_id: str
    value: Any
    version: int
    who: str
    at: datetime | None
    revision: int
    mine: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "value": self.value,
            "version": self.version,
            "who": self.who,
            "at": _iso(self.at),
            "revision": self.revision,
            "mine": self.mine,
        }


@dataclass(frozen=True)
class PresentUser:
    """Someone else who has the discovery open (section None: not on a section page)."""

    name: str
    section_id: str | None
    section_title: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "section_id": self.section_id,
            "section_title": self.section_title,
        }


@dataclass(frozen=True)
class LiveState:
    """What a workspace tab's poll gets: always the revision and who else is there; when the
    revision moved since the tab's, also the answers changed since then, the visible questions
    and progress (the shape of an autosave's result) and the tab's section note."""

    revision: int
    presence: list[PresentUser]
    changed: bool = False
    answers: tuple[RemoteAnswer, ...] = ()
    visible: tuple[str, ...] = ()
    progress: discoveries.Progress | None = None
    note: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "revision": self.revision,
            "changed": self.changed,
            "presence": [p.to_dict() for p in self.presence],
        }
        if self.changed:
            data["answers"] = [a.to_dict() for a in self.answers]
            data["visible"] = list(self.visible)
            data["progress"] = self.progress.to_dict() if self.progress else None
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class HistoryEntry:
    """One change of one answer, as people read it."""

    who: str
    at: datetime
    action: str
    old: Any
    new: Any
    old_text: str | None
    new_text: str | None
    #: False for clears recorded before old values were kept (the old value is unknown).
    has_old: bool

    @property
    def sentence(self) -> str:
        """The change as a sentence, e.g. "Ana changed it from Web to Web, Mobile app"."""
        if self.new is None:
            if self.has_old and self.old_text is not None:
                return f"{self.who} cleared it (was {self.old_text})"
            return f"{self.who} cleared it"
        if self.old is None:
            return f"{self.who} answered {self.new_text}"
        return f"{self.who} changed it from {self.old_text} to {self.new_text}"


@dataclass(frozen=True)
class QuestionHistory:
    question_id: str
    label: str
    entries: list[HistoryEntry]
    #: The stored answer when no recorded change explains it (saved before history was kept).
    untracked: HistoryEntry | None = None

    @property
    def starts_midway(self) -> bool:
        """Whether changes before the oldest one shown are missing (made before history was
        kept, or beyond HISTORY_LIMIT): the oldest entry changed an existing value."""
        return bool(self.entries) and self.entries[-1].old is not None


# ---------------------------------------------------------------------------- queries


def live_state(discovery_id: int, since: Any, section_id: Any, user: User) -> LiveState:
    """The poll of one open workspace tab: records where `user` is (`section_id`, or None)
    and returns what changed since revision `since`.

    Raises NotFound for an unknown discovery and InvalidInput for a `since` that is not a
    whole number >= 0 or a section the discovery's questionnaire does not have."""
    since_revision = _since(since)
    section = _section_param(section_id)
    row = db.session.execute(
        select(Discovery.revision, QuestionnaireVersion.id, QuestionnaireVersion.checksum)
        .join(QuestionnaireVersion, Discovery.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Discovery.id == discovery_id)
    ).first()
    if row is None:
        raise NotFound(f"There is no discovery {discovery_id}.")
    revision = int(row[0] or 0)
    q = _questionnaire(int(row[1]), str(row[2]))
    titles = {s.id: (getattr(s, "title", "") or s.id) for s in q.sections}
    if section is not None and section not in titles:
        message = f"There is no section '{section}' in this questionnaire."
        raise InvalidInput(message, {"section": message})
    presence = _present(discovery_id, user, section, titles)
    if since_revision == revision:
        return LiveState(revision=revision, presence=presence)
    stored = _stored(discovery_id)
    answers = {qid: a.value for qid, (a, _) in stored.items() if a.value is not None}
    return LiveState(
        revision=revision,
        presence=presence,
        changed=True,
        answers=tuple(_changes(discovery_id, since_revision, stored, user)),
        visible=tuple(q.visible_question_ids(answers)),
        progress=discoveries.progress_of(q, answers),
        note=_note(discovery_id, section) if section is not None else None,
    )


def changes_since(discovery_id: int, since: int, user: User) -> list[RemoteAnswer]:
    """The answers changed after revision `since`, each in its current state (a cleared one
    with value None and version 0), oldest change first."""
    discoveries.get_discovery(discovery_id)
    return _changes(discovery_id, _since(since), _stored(discovery_id), user)


def question_history(discovery_id: int, question_id: str) -> QuestionHistory:
    """The recorded changes of one answer, newest first (at most HISTORY_LIMIT), with option
    labels rather than stored ids. Raises NotFound for an unknown discovery or question."""
    discovery = discoveries.get_discovery(discovery_id)
    q = discoveries.questionnaire_of(discovery)
    question = q.questions.get(question_id)
    if question is None:
        raise NotFound(f"There is no question '{str(question_id)[:100]}' in this questionnaire.")
    rows = db.session.execute(
        select(AuditEntry, User)
        .outerjoin(User, AuditEntry.actor_id == User.id)
        .where(
            AuditEntry.target_type == "discovery",
            AuditEntry.target_id == str(discovery_id),
            AuditEntry.summary == question_id,
            AuditEntry.action.in_(ANSWER_ACTIONS),
        )
        .order_by(AuditEntry.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    entries = [_history_entry(question, entry, actor) for entry, actor in rows]
    label = getattr(question, "label", "") or question_id
    untracked = None
    current = db.session.execute(
        select(Answer, User)
        .outerjoin(User, Answer.updated_by_id == User.id)
        .where(Answer.discovery_id == discovery_id, Answer.question_id == question_id)
    ).first()
    if current is not None and current[0].value is not None and not entries:
        answer, author = current
        untracked = HistoryEntry(
            who=display_name(author),
            at=answer.updated_at,
            action="answer.changed",
            old=None,
            new=answer.value,
            old_text=None,
            new_text=display_value(question, answer.value),
            has_old=False,
        )
    return QuestionHistory(question_id, label, entries, untracked)


def display_name(user: User | None) -> str:
    """How other people see a user: the display name, else the email's local part."""
    if user is None:
        return "Someone"
    name = " ".join((user.display_name or "").split())
    return name or user.email.split("@", 1)[0]


# ---------------------------------------------------------------------------- internals


def _since(value: Any) -> int:
    message = "'since' must be the revision the page shows: a whole number, 0 or more."
    if isinstance(value, bool):
        raise InvalidInput(message, {"since": message})
    try:
        since = int(str(value).strip()) if value is not None else -1
    except ValueError:
        since = -1
    if since < 0 or since > 2**62:
        raise InvalidInput(message, {"since": message})
    return since


def _section_param(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 100:
        message = "'section' must be a section id of this questionnaire."
        raise InvalidInput(message, {"section": message})
    return value


_questionnaires: dict[tuple[int, str], Any] = {}


def _questionnaire(version_id: int, checksum: str) -> Any:
    """The Questionnaire of a version by id and checksum, kept per process (versions are
    immutable), so that a poll does not load the version's definition from the database."""
    key = (version_id, checksum)
    q = _questionnaires.get(key)
    if q is None:
        row = db.session.get(QuestionnaireVersion, version_id)
        if row is None:
            raise NotFound("This discovery's questionnaire version is missing.")
        q = _questionnaires[key] = questionnaires.questionnaire_for(row)
    return q


def _stored(discovery_id: int) -> dict[str, tuple[Answer, User | None]]:
    """The discovery's stored answers with the user who last changed each."""
    rows = db.session.execute(
        select(Answer, User)
        .outerjoin(User, Answer.updated_by_id == User.id)
        .where(Answer.discovery_id == discovery_id)
    ).all()
    return {answer.question_id: (answer, author) for answer, author in rows}


def _present(
    discovery_id: int, user: User, section_id: str | None, titles: dict[str, str]
) -> list[PresentUser]:
    """Others on the discovery within the TTL; refreshes `user`'s own row when it is missing,
    older than PRESENCE_WRITE_SECONDS or on another section (one upsert, no read-modify-write
    race: concurrent workers each write the latest moment)."""
    now = utcnow()
    rows = db.session.execute(
        select(Presence.user_id, Presence.section_id, Presence.seen_at, User)
        .join(User, Presence.user_id == User.id)
        .where(
            Presence.discovery_id == discovery_id,
            Presence.seen_at > now - timedelta(seconds=PRESENCE_TTL_SECONDS),
        )
    ).all()
    mine = next((r for r in rows if r[0] == user.id), None)
    fresh = now - timedelta(seconds=PRESENCE_WRITE_SECONDS)
    if mine is None or mine[1] != section_id or mine[2] <= fresh:
        _upsert_presence(discovery_id, user.id, section_id, now)
    others = [
        PresentUser(display_name(other), sid, titles.get(sid) if sid else None)
        for uid, sid, _, other in rows
        if uid != user.id
    ]
    return sorted(others, key=lambda p: (p.name.casefold(), p.section_id or ""))


def _upsert_presence(
    discovery_id: int, user_id: int, section_id: str | None, now: datetime
) -> None:
    values = {
        "discovery_id": discovery_id,
        "user_id": user_id,
        "section_id": section_id,
        "seen_at": now,
    }
    with db.transaction() as session:
        dialect = session.get_bind().dialect.name
        keys = [Presence.discovery_id, Presence.user_id]
        changes = {"section_id": section_id, "seen_at": now}
        # PostgreSQL and SQLite (the two supported databases) both have INSERT .. ON CONFLICT.
        if dialect == "postgresql":
            pg = postgresql.insert(Presence).values(**values)
            session.execute(pg.on_conflict_do_update(index_elements=keys, set_=changes))
        else:
            lite = sqlite.insert(Presence).values(**values)
            session.execute(lite.on_conflict_do_update(index_elements=keys, set_=changes))


def _changes(
    discovery_id: int,
    since: int,
    stored: dict[str, tuple[Answer, User | None]],
    user: User,
) -> list[RemoteAnswer]:
    rows = db.session.execute(
        select(AuditEntry.summary, AuditEntry.revision, AuditEntry.actor_id, AuditEntry.at, User)
        .outerjoin(User, AuditEntry.actor_id == User.id)
        .where(
            AuditEntry.target_type == "discovery",
            AuditEntry.target_id == str(discovery_id),
            AuditEntry.revision > since,
            AuditEntry.action.in_(ANSWER_ACTIONS),
        )
        .order_by(AuditEntry.revision, AuditEntry.id)
    ).all()
    latest: dict[str, tuple[int, int | None, datetime, User | None]] = {}
    for qid, revision, actor_id, at, actor in rows:
        latest.pop(qid, None)  # keep the order of each question's latest change
        latest[qid] = (int(revision or 0), actor_id, at, actor)
    changes = []
    for qid, (revision, actor_id, at, clearer) in latest.items():
        answer, author = stored.get(qid) or (None, None)
        if answer is not None and answer.value is not None:
            changes.append(
                RemoteAnswer(
                    question_id=qid,
                    value=answer.value,
                    version=answer.version,
                    who=display_name(author),
                    at=answer.updated_at,
                    revision=revision,
                    mine=answer.updated_by_id == user.id,
                )
            )
        else:
            changes.append(
                RemoteAnswer(qid, None, 0, display_name(clearer), at, revision, actor_id == user.id)
            )
    return changes


def _note(discovery_id: int, section_id: str) -> dict[str, Any]:
    row = db.session.execute(
        select(SectionNote, User)
        .outerjoin(User, SectionNote.updated_by_id == User.id)
        .where(SectionNote.discovery_id == discovery_id, SectionNote.section_id == section_id)
    ).first()
    if row is None:
        return {
            "section_id": section_id,
            "text": "",
            "version": 0,
            "include": False,
            "who": None,
            "at": None,
        }
    note, author = row
    return {
        "section_id": section_id,
        "text": note.text,
        "version": note.version,
        "include": bool(note.include_in_readout),
        "who": display_name(author),
        "at": _iso(note.updated_at),
    }


def _history_entry(question: Any, entry: AuditEntry, actor: User | None) -> HistoryEntry:
    try:
        diff = json.loads(entry.diff) if entry.diff else {}
    except ValueError:
        diff = {}
    if not isinstance(diff, dict):
        diff = {}
    has_old = "old" in diff
    old = diff.get("old")
    new = None if entry.action == "answer.cleared" else diff.get("new")
    return HistoryEntry(
        who=display_name(actor),
        at=entry.at,
        action=entry.action,
        old=old,
        new=new,
        old_text=display_value(question, old) if old is not None else None,
        new_text=display_value(question, new) if new is not None else None,
        has_old=has_old,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


__all__ = [
    "HistoryEntry",
    "LiveState",
    "PresentUser",
    "QuestionHistory",
    "RemoteAnswer",
    "changes_since",
    "display_name",
    "live_state",
    "question_history",
]
