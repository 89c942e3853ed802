"""Publish a draft, roll back to an old version, import a YAML file: each a new immutable
version made active in one locked, audited transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from recommender.engine.datafiles import is_data_text
from recommender.engine.loader import check_marker, read_data_files, stored_form
from recommender.engine.model import bundle_checksum
from recommender.errors import (
    Conflict,
    DefinitionError,
    InvalidInput,
    NotFound,
)
from recommender.extensions import db
from recommender.models import (
    AuditEntry,
    Ruleset,
    RulesetVersion,
    User,
)
from recommender.models.base import utcnow
from recommender.services import rulesets
from recommender.services.authoring import data_files as authoring_data
from recommender.services.authoring.drafts import draft_for, save_draft
from recommender.services.authoring.impact_preview import Impact, impact
from recommender.services.authoring.scenario_runs import ScenariosFailed, run_scenarios
from recommender.services.authoring.sources import (
    _check_and_load,
    _located,
    _session,
    check_source,
    with_version,
)
from recommender.services.authoring.versions import active_version, get_version
from recommender.services.rulesets import seed_scenarios

# A publish or rollback note: one line or a short paragraph, shown in the history and audit log.
NOTE_MAX = 500


class AlreadyActive(Conflict):
    """A rollback to a version whose rules, scenarios and data files are already active (a
    second click, or two authors rolling back to the same version): nothing is published."""

    def __init__(self, name: str, to_version: int, active: int | None) -> None:
        self.to_version, self.active = to_version, active
        same = (
            f"Version {to_version} is already active"
            if active == to_version
            else f"Version {to_version} is already active (as version {active})"
        )
        super().__init__(f"{same}; nothing was published.")


def check_note(note: str, *, required: bool = False) -> str:
    """The note stripped; InvalidInput when it is missing (and `required`) or too long."""
    note = (note or "").strip()
    if required and not note:
        raise InvalidInput(
            "Write a note: why you roll back (it is kept in the version history and the audit log).",
            {"note": "required"},
        )
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            f"The note is {len(note)} characters long; keep it under {NOTE_MAX}.",
            {"note": "too long"},
        )
    return note


def same_content(
    row: RulesetVersion, source: str, scenarios: str, data_files: Mapping[str, str] | None
) -> bool:
    """True when a version holds these rules (whatever their `version:` line), scenarios and
    data files."""
    return (
        with_version(row.source, 0) == with_version(source, 0)
        and (row.scenarios or "") == (scenarios or "")
        and dict(row.data_files or {}) == authoring_data.published_files(source, data_files or {})
    )


def _lock_ruleset(session: Session, ruleset_id: int) -> Ruleset:
    """Take the ruleset's write lock; everything after it in the transaction is serialised."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks; a write as the transaction's first statement takes the
        # database write lock (waiting on busy_timeout), and its snapshot is fresh.
        table: Any = Ruleset.__table__
        session.execute(update(table).where(table.c.id == ruleset_id).values(name=table.c.name))
    ruleset = session.get(Ruleset, ruleset_id, with_for_update=True, populate_existing=True)
    if ruleset is None:
        raise NotFound("The ruleset was deleted.")
    return ruleset


def _publish_source(
    ruleset_id: int,
    source: str,
    scenarios: str,
    actor: User | None,
    *,
    data_files: Mapping[str, str] | None = None,
    action: str,
    note: str,
    summary: str,
    draft_id: int | None = None,
    draft_checksum: str | None = None,
    rollback_to: int | None = None,
) -> RulesetVersion:
    """Insert the next immutable version and make it active, atomically, with an audit entry.
    With `rollback_to`, AlreadyActive when the active version already holds this content
    (decided under the lock, so a double submit publishes once)."""
    session = _session()
    session.rollback()  # start a fresh transaction whose first statement is the lock
    actor_id = actor.id if actor is not None else None
    with db.transaction() as session:
        ruleset = _lock_ruleset(session, ruleset_id)
        if draft_id is not None:
            draft = session.get(RulesetVersion, draft_id, populate_existing=True)
            if draft is None or draft.status != "draft":
                raise Conflict("This draft was already published or discarded.")
            if draft.checksum != draft_checksum:
                raise Conflict("The draft changed while it was being published; check it again.")
            session.delete(draft)
        previous = (
            session.get(RulesetVersion, ruleset.active_version_id, populate_existing=True)
            if ruleset.active_version_id
            else None
        )
        if (
            rollback_to is not None
            and previous is not None
            and same_content(previous, source, scenarios, data_files)
        ):
            raise AlreadyActive(ruleset.name, rollback_to, previous.version)
        latest = session.scalar(
            select(func.max(RulesetVersion.version)).where(RulesetVersion.ruleset_id == ruleset.id)
        )
        number = (latest or 0) + 1
        final = with_version(source, number)
        files = authoring_data.published_files(final, data_files or {})
        now = utcnow()
        digest = bundle_checksum(final, files)
        row = RulesetVersion(
            ruleset_id=ruleset.id,
            version=number,
            status="published",
            source=final,
            scenarios=scenarios,
            data_files=files,
            checksum=digest,
            # A publish was checked just now (_verify_publishable); a rollback is checked
            # once per worker, as before.
            checked=None if rollback_to is not None else check_marker(digest),
            # Its parsed data as JSON, so workers skip the YAML (engine/parsed.py).
            parsed=None if rollback_to is not None else stored_form(final, "<publish>", files),
            note=note,
            created_by_id=actor_id,
            created_at=now,
            published_at=now,
            published_by_id=actor_id,
        )
        session.add(row)
        session.flush()
        ruleset.active_version_id = row.id
        old_label = f"{ruleset.name} v{previous.version}" if previous else "(none)"
        diff = authoring_data.unified_diff(
            previous.source if previous else "", final, old_label, f"{ruleset.name} v{number}"
        )
        scen_diff = authoring_data.unified_diff(
            previous.scenarios if previous else "",
            scenarios,
            f"{old_label} scenarios",
            f"{ruleset.name} v{number} scenarios",
        )
        old_files = (previous.data_files or {}) if previous else {}
        data_diff = authoring_data.files_diff(
            old_files, files, old_label, f"{ruleset.name} v{number}"
        )
        changed = authoring_data.changed_files(old_files, files)
        data_note = (
            "; data files " + ", ".join(f"{f} {how}" for f, how in changed) if changed else ""
        )
        session.add(
            AuditEntry(
                actor_id=actor_id,
                action=action,
                target_type="ruleset",
                target_id=ruleset.name,
                summary=summary.format(
                    version=number, previous=previous.version if previous else "none"
                )
                + data_note
                + (f" — {note}" if note else ""),
                diff=diff + scen_diff + data_diff,
                at=now,
            )
        )
    _notify_published(ruleset.name)
    return row


def _notify_published(name: str) -> None:
    """Let this process drop its cached compilation at once (others poll the database)."""
    rulesets.invalidate(name)


def _verify_publishable(
    name: str, source: str, scenarios: str, data_files: Mapping[str, str]
) -> None:
    """Refuse (DefinitionError, ScenariosFailed) a source whose rules or data files have
    problems, or whose scenarios fail with its data files."""
    problems = check_source(source, name, data_files=data_files)
    if problems:
        raise DefinitionError(problems)
    report = run_scenarios(name, source, scenarios, data_files)
    if not report.ok:
        raise ScenariosFailed(report)


def publish(name: str, actor: User | None, note: str = "") -> RulesetVersion:
    """Publish the actor's draft (rules, scenarios and data files) as the next version;
    refused on check errors or failing scenarios (nothing changes then)."""
    draft = draft_for(name, actor)
    if draft is None:
        raise NotFound(f"There is no draft of '{name}' to publish; edit the ruleset first.")
    source, scenarios, draft_checksum = draft.source, draft.scenarios, draft.checksum
    data_files = dict(draft.data_files or {})
    _verify_publishable(name, source, scenarios, data_files)
    return _publish_source(
        draft.ruleset_id,
        source,
        scenarios,
        actor,
        data_files=data_files,
        action="publish",
        note=note.strip(),
        summary="published version {version} (previous: {previous})",
        draft_id=draft.id,
        draft_checksum=draft_checksum,
    )


def rollback(
    name: str, to_version: int, actor: User | None, note: str = "", *, note_required: bool = False
) -> RulesetVersion:
    """Publish a copy of version `to_version` (rules, scenarios and data files) as the
    newest version (history is kept). AlreadyActive, publishing nothing, when that content
    is active already (a second click); InvalidInput for a missing (`note_required`) or
    overlong note."""
    note = check_note(note, required=note_required)
    old = get_version(name, to_version)
    if old.status != "published":
        raise InvalidInput(f"Version {to_version} was never published.")
    data_files = dict(old.data_files or {})
    current = active_version(name)
    if same_content(current, old.source, old.scenarios, data_files):
        raise AlreadyActive(name, to_version, current.version)
    _verify_publishable(name, old.source, old.scenarios, data_files)
    return _publish_source(
        old.ruleset_id,
        old.source,
        old.scenarios,
        actor,
        data_files=data_files,
        action="rollback",
        note=note,
        summary=f"rolled back to version {to_version} as version {{version}} (previous: {{previous}})",
        rollback_to=to_version,
    )


@dataclass
class RollbackPlan:
    """What a rollback to `target` would do, for its confirmation page."""

    active: RulesetVersion
    target: RulesetVersion
    already_active: bool  # the target's content is what is active now
    impact: Impact | None  # active -> target over the saved discoveries and leads
    error: str | None = None  # why the target cannot be previewed (nor published) now


def rollback_plan(name: str, to_version: int) -> RollbackPlan:
    """The active version, the one to go back to, and the impact of going back (the
    impact preview with the target in place of a draft)."""
    target = get_version(name, to_version)
    if target.status != "published":
        raise InvalidInput(f"Version {to_version} was never published.")
    current = active_version(name)
    files = dict(target.data_files or {})
    if same_content(current, target.source, target.scenarios, files):
        return RollbackPlan(current, target, True, None)
    try:
        preview = impact(name, target.source, data_files=files)
    except DefinitionError as exc:
        return RollbackPlan(current, target, False, None, exc.message)
    return RollbackPlan(current, target, False, preview)


def import_file(
    path: str | Path, actor: User | None = None, *, publish_now: bool = False
) -> tuple[RulesetVersion, bool]:
    """Import a YAML file, with the data files it names (read from beside it), as the
    actor's draft (a new ruleset is created when needed).

    Returns (version row, created): the draft, or the published version with `publish_now`.
    An invalid file is refused with its problems (`path:line:col: message`; a data file's
    problems at their place in that file).
    """
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}") from None
    if is_data_text(source):
        raise InvalidInput(
            f"{path} is a data file; import the ruleset that names it under data: "
            "(its data files are read from beside it)."
        )
    data_files = read_data_files(source, path)
    problems, _ = _check_and_load(source, None, str(path), data_files=data_files)
    if problems:
        raise DefinitionError(problems)
    located = _located(source, str(path))
    assert located is not None
    name = str(located.data["name"])
    session = _session()
    ruleset = session.scalar(select(Ruleset).where(Ruleset.name == name))
    created = ruleset is None
    with db.transaction() as session:
        if ruleset is None:
            ruleset = Ruleset(name=name)
            session.add(ruleset)
            session.flush()
    scenarios = seed_scenarios(name, path)
    if not scenarios and not created:
        active = (
            session.get(RulesetVersion, ruleset.active_version_id)
            if ruleset.active_version_id
            else None
        )
        scenarios = active.scenarios if active else ""
    if created:
        with db.transaction() as session:
            session.add(
                RulesetVersion(
                    ruleset_id=ruleset.id,
                    status="draft",
                    source=source,
                    scenarios=scenarios,
                    data_files=data_files,
                    checksum=bundle_checksum(source, data_files),
                    note=f"imported from {path.name}",
                    created_by_id=actor.id if actor else None,
                )
            )
    else:
        save_draft(name, actor, source, scenarios, data_files=data_files)
    if publish_now:
        return publish(name, actor, note=f"imported from {path.name}"), created
    draft = draft_for(name, actor)
    assert draft is not None
    return draft, created
