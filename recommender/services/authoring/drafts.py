"""Each author's draft of a ruleset: create, save (rules, scenarios, data files), check,
diff against the active version, discard."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from recommender.engine.model import bundle_checksum
from recommender.errors import (
    Conflict,
    Problem,
)
from recommender.extensions import db
from recommender.models import (
    RulesetVersion,
    User,
)
from recommender.services import scenarios as scenario_runner
from recommender.services.authoring import data_files as authoring_data
from recommender.services.authoring.scenario_ids import scenario_ids
from recommender.services.authoring.scenario_runs import SCENARIOS_PATH
from recommender.services.authoring.sources import _session, check_source, checksum, source_path
from recommender.services.authoring.versions import active_version, get_ruleset
from recommender.services.rulesets import seed_scenarios


def draft_for(name: str, user: User | None) -> RulesetVersion | None:
    ruleset = get_ruleset(name)
    user_id = user.id if user is not None else None
    stmt = select(RulesetVersion).where(
        RulesetVersion.ruleset_id == ruleset.id, RulesetVersion.status == "draft"
    )
    stmt = stmt.where(
        RulesetVersion.created_by_id == user_id
        if user_id is not None
        else RulesetVersion.created_by_id.is_(None)
    )
    return _session().scalar(stmt.order_by(RulesetVersion.id.desc()))


def get_or_create_draft(name: str, user: User | None) -> RulesetVersion:
    """The user's draft of a ruleset, created from the active version (its source, scenarios
    and data files) when there is none."""
    existing = draft_for(name, user)
    if existing is not None:
        return existing
    ruleset = get_ruleset(name)
    active = active_version(name)
    scenarios = active.scenarios or seed_scenarios(name)
    data_files = dict(active.data_files or {})
    with db.transaction() as session:
        draft = RulesetVersion(
            ruleset_id=ruleset.id,
            version=None,
            status="draft",
            source=active.source,
            scenarios=scenarios,
            data_files=data_files,
            checksum=bundle_checksum(active.source, data_files),
            note=f"based on version {active.version}",
            created_by_id=user.id if user else None,
        )
        session.add(draft)
    return draft


@dataclass
class SaveResult:
    draft: RulesetVersion
    problems: list[Problem]
    scenario_problems: list[Problem]


def save_draft(
    name: str,
    user: User | None,
    source: str | None = None,
    scenarios: str | None = None,
    *,
    data_files: Mapping[str, str] | None = None,
    expected_checksum: str | None = None,
) -> SaveResult:
    """Store the user's draft (even with problems: work in progress) and check it with its
    data files. `data_files` replaces all of them (an import); `expected_checksum` is the
    checksum of the source the author started from: Conflict when it changed since."""
    draft = get_or_create_draft(name, user)
    with db.transaction() as session:
        session.refresh(draft)
        if source is not None:
            _expect(draft.source, expected_checksum, source_path(name))
            draft.source = source.replace("\r\n", "\n")
        if scenarios is not None:
            draft.scenarios = scenarios.replace("\r\n", "\n")
        if data_files is not None:
            draft.data_files = {k: v.replace("\r\n", "\n") for k, v in data_files.items()}
        draft.checksum = bundle_checksum(draft.source, draft.data_files)
    return _checked(name, draft)


def save_draft_file(
    name: str,
    user: User | None,
    file_name: str,
    text: str,
    *,
    expected_checksum: str | None = None,
) -> SaveResult:
    """Store one data file of the user's draft (the other files and the source stay as
    they are) and check the draft with it. The file must be one the draft's source names
    under `data:` (or one it holds already); `expected_checksum` is the checksum of the file's
    text the author started from (of "" for a new file): Conflict when it changed since."""
    draft = get_or_create_draft(name, user)
    with db.transaction() as session:
        session.refresh(draft)
        stored = dict(draft.data_files or {})
        file_name = authoring_data.check_file_name(draft.source, stored, file_name)
        _expect(stored.get(file_name, ""), expected_checksum, file_name)
        stored[file_name] = text.replace("\r\n", "\n")
        draft.data_files = stored  # a new dict: the JSON column sees the change
        draft.checksum = bundle_checksum(draft.source, stored)
    return _checked(name, draft)


def _expect(current: str, expected_checksum: str | None, label: str) -> None:
    if expected_checksum is not None and checksum(current) != expected_checksum:
        raise Conflict(
            f"{label} of your draft changed since you opened it (saved from another window or "
            "by a command); nothing was saved."
        )


def save_file(
    name: str,
    user: User | None,
    file_name: str | None,
    text: str,
    *,
    expected_checksum: str | None = None,
) -> SaveResult:
    """Save the editor's text: the ruleset source (`file_name` None or "") or one data file."""
    if file_name:
        return save_draft_file(name, user, file_name, text, expected_checksum=expected_checksum)
    return save_draft(name, user, source=text, expected_checksum=expected_checksum)


def check_file(name: str, user: User | None, file_name: str | None, text: str) -> list[Problem]:
    """Problems of the user's draft (else the active version) with one file replaced by
    `text` (the ruleset source when `file_name` is None or ""), without saving anything."""
    base = draft_for(name, user) or active_version(name)
    files = dict(base.data_files or {})
    if file_name:
        file_name = authoring_data.check_file_name(base.source, files, file_name)
        files[file_name] = text
        return check_source(base.source, name, data_files=files)
    return check_source(text, name, data_files=files)


def _checked(name: str, draft: RulesetVersion) -> SaveResult:
    problems = check_source(draft.source, name, data_files=draft.data_files or {})
    known, types = scenario_ids(name, draft.source, draft.data_files) if not problems else (None, None)
    _, scenario_problems = scenario_runner.parse_scenarios(draft.scenarios, SCENARIOS_PATH, known, types)
    return SaveResult(draft, problems, scenario_problems)


def version_files(row: RulesetVersion) -> list[authoring_data.DataFile]:
    """The data files of a draft or version, for the editor's file selector and the version
    page (see data_files.files_of)."""
    return authoring_data.files_of(row.source, row.data_files)


def discard_draft(name: str, user: User | None) -> bool:
    draft = draft_for(name, user)
    if draft is None:
        return False
    with db.transaction() as session:
        session.delete(draft)
    return True


def draft_diff(name: str, draft: RulesetVersion) -> str:
    """The draft against the active version: the rules, then each data file that differs."""
    active = active_version(name)
    return authoring_data.unified_diff(active.source, draft.source, "active", "draft") + authoring_data.files_diff(
        active.data_files, draft.data_files, "active", "draft"
    )


def draft_is_stale(name: str, draft: RulesetVersion) -> int | None:
    """The active version number when it was published after the draft was started."""
    active = active_version(name)
    if active.published_at and draft.created_at and active.published_at > draft.created_at:
        return active.version
    return None
