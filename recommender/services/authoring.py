"""Rule authoring: drafts, checks, scenario tests, sandbox, impact preview, lint, publish.

Ruleset versions live in the database (`RulesetVersion`): each author has at most one draft
per ruleset (version NULL), published versions are immutable and numbered 1, 2, 3 ...; the
ruleset's `active_version_id` names the one in force. YAML files are the import/export format.

Publishing (and rollback, which publishes a copy of an old version as the newest) happens in
one transaction that first locks the ruleset row, so two authors publishing at the same moment
get two whole versions N and N+1, never a half-written one. A draft with check errors or
failing scenarios is refused: a broken ruleset never becomes active.

A version's data files (`data_files`: the tables its `data:` names, file name -> YAML text)
travel with it: drafts start with the active version's, every check, scenario run, sandbox,
impact preview and lint uses the version's own, and publish and rollback store them with the
new version (`recommender.services.authoring_data` has the per-file helpers). Functions that
take a `data_files` argument read None as "the active version's data files".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

from recommender.engine.bulk import Outcome, summarize_all
from recommender.engine.datafiles import is_data_text
from recommender.engine.loader import read_data_files
from recommender.engine.model import bundle_checksum
from recommender.errors import (
    Conflict,
    DefinitionError,
    InvalidInput,
    NotFound,
    Problem,
    RecommenderError,
)
from recommender.extensions import db
from recommender.models import (
    Account,
    Answer,
    AuditEntry,
    Discovery,
    Lead,
    QuestionnaireVersion,
    Ruleset,
    RulesetVersion,
    User,
)
from recommender.questionnaire import MISSING
from recommender.services import authoring_data
from recommender.services import scenarios as scenario_runner
from recommender.services.authoring_data import unified_diff
from recommender.yamlpos import Located, YamlError, load_yaml

SCENARIOS_PATH = "scenarios.feature"


class ScenariosFailed(RecommenderError):
    """Publishing refused: some stored scenarios fail (or do not parse)."""

    status = 422

    def __init__(self, report: scenario_runner.RunReport) -> None:
        self.report = report
        self.problems = list(report.problems)
        lines = [str(p) for p in report.problems]
        for r in report.results:
            if not r.passed:
                for f in r.failures:
                    lines.append(f"{SCENARIOS_PATH}:{f.line}: scenario '{r.name}': {f.message}")
        super().__init__(
            "Publishing refused: scenarios fail.\n" + "\n".join(lines)
        )


# --------------------------------------------------------------------------- helpers


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_VERSION_LINE = re.compile(r"^version:[ \t]*[^#\n]*?(?P<rest>[ \t]*(#[^\n]*)?)$", re.MULTILINE)
_NAME_LINE = re.compile(r"^name:[^\n]*$", re.MULTILINE)


def with_version(source: str, version: int) -> str:
    """The source with its top-level `version:` set to `version` (comments kept)."""
    if _VERSION_LINE.search(source):
        return _VERSION_LINE.sub(lambda m: f"version: {version}{m['rest']}", source, count=1)
    m = _NAME_LINE.search(source)
    if m:
        return source[: m.end()] + f"\nversion: {version}" + source[m.end() :]
    return f"version: {version}\n" + source


def _session() -> Session:
    return db.session


_PARSED: dict[tuple[str, str], Located | None] = {}


def _located(source: str, path: str) -> Located | None:
    """The parsed mapping of a source (None when it does not parse); the last few parses
    are kept, since one page view looks at the same draft several times."""
    key = (checksum(source), path)
    if key in _PARSED:
        return _PARSED[key]
    try:
        located: Located | None = load_yaml(source, path)
    except YamlError:
        located = None
    if located is not None and not isinstance(located.data, dict):
        located = None
    if len(_PARSED) >= 16:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[key] = located
    return located


def rules_of(source: str) -> list[tuple[dict[str, Any], int]]:
    """(rule mapping, line) for each rule in a source; empty when it does not parse."""
    located = _located(source, "x")
    if located is None or not isinstance(located.data.get("rules"), list):
        return []
    return [
        (rule, located.pos(("rules", i))[0])
        for i, rule in enumerate(located.data["rules"])
        if isinstance(rule, dict) and isinstance(rule.get("id"), str)
    ]


# --------------------------------------------------------------------------- lookups


def get_ruleset(name: str) -> Ruleset:
    ruleset = _session().scalar(select(Ruleset).where(Ruleset.name == name))
    if ruleset is None:
        raise NotFound(f"There is no ruleset named '{name}'.")
    return ruleset


def list_rulesets() -> list[Ruleset]:
    return list(_session().scalars(select(Ruleset).order_by(Ruleset.name)))


def active_version(name: str) -> RulesetVersion:
    ruleset = get_ruleset(name)
    if ruleset.active_version_id is None:
        raise NotFound(f"Ruleset '{name}' has no published version yet.")
    row = _session().get(RulesetVersion, ruleset.active_version_id)
    assert row is not None
    return row


def get_version(name: str, version: int) -> RulesetVersion:
    ruleset = get_ruleset(name)
    row = _session().scalar(
        select(RulesetVersion).where(
            RulesetVersion.ruleset_id == ruleset.id, RulesetVersion.version == version
        )
    )
    if row is None:
        raise NotFound(f"Ruleset '{name}' has no version {version}.")
    return row


def history(name: str) -> list[RulesetVersion]:
    """Published versions, newest first."""
    ruleset = get_ruleset(name)
    return list(
        _session().scalars(
            select(RulesetVersion)
            .where(RulesetVersion.ruleset_id == ruleset.id, RulesetVersion.status == "published")
            .order_by(RulesetVersion.version.desc())
        )
    )


def audit_log(name: str, limit: int = 200) -> list[AuditEntry]:
    get_ruleset(name)
    return list(
        _session().scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == "ruleset", AuditEntry.target_id == name)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


def export(name: str, version: int | None = None) -> str:
    row = get_version(name, version) if version is not None else active_version(name)
    return row.source


def export_files(name: str, version: int | None = None) -> dict[str, str]:
    """The data files of a published version (default: the active one), file name -> text."""
    row = get_version(name, version) if version is not None else active_version(name)
    return dict(row.data_files or {})


def export_file(name: str, file_name: str, version: int | None = None) -> str:
    """One data file of a published version (default: the active one)."""
    files = export_files(name, version)
    if file_name not in files:
        which = f"version {version}" if version is not None else "the active version"
        raise NotFound(f"{which.capitalize()} of '{name}' has no data file '{file_name}'.")
    return files[file_name]


def data_changes(versions: list[RulesetVersion]) -> dict[int, list[tuple[str, str]]]:
    """Version row id -> (data file, added | removed | changed) against the version
    published before it, for a newest-first list of published versions."""
    out: dict[int, list[tuple[str, str]]] = {}
    for row, before in zip(versions, [*versions[1:], None], strict=True):
        out[row.id] = authoring_data.changed_files(
            before.data_files if before is not None else {}, row.data_files
        )
    return out


def _files(name: str | None, data_files: Mapping[str, str] | None) -> dict[str, str]:
    """The data files to use with a source: the given ones, else the active version's of
    `name` (a caller holding only a ruleset text gets the data in force), else none."""
    if data_files is not None:
        return dict(data_files)
    if name is None:
        return {}
    ruleset = _session().scalar(select(Ruleset).where(Ruleset.name == name))
    if ruleset is None or ruleset.active_version_id is None:
        return {}
    row = _session().get(RulesetVersion, ruleset.active_version_id)
    return dict(row.data_files or {}) if row is not None else {}


def user_name(user_id: int | None) -> str:
    if user_id is None:
        return "command line"
    user = _session().get(User, user_id)
    return user.name if user else f"user {user_id}"


# --------------------------------------------------------------------------- questionnaire


def questionnaire_for_source(source: str) -> Any | None:
    """The questionnaire a ruleset source names: its latest loaded version, else the file
    in FORMS_DIR (None when unknown)."""
    from recommender.engine.loader import find_questionnaire

    located = _located(source, "x")  # parsed once for all the views of one source
    form_id = located.data.get("questionnaire") if located is not None else None
    if not isinstance(form_id, str):
        return None
    try:
        from recommender.services import questionnaires

        row = questionnaires.latest(form_id)
        if row is not None:
            return questionnaires.questionnaire_for(row)
    except (ImportError, AttributeError, NotFound):
        pass
    return find_questionnaire(current_app.config["FORMS_DIR"], form_id)


def question_types(questionnaire: Any | None) -> dict[str, str]:
    if questionnaire is None:
        return {}
    return {qid: q.type for qid, q in questionnaire.questions.items()}


def _questionnaire_by_version_id(version_id: int, cache: dict[int, Any]) -> Any:
    """The pinned questionnaire version of a discovery or lead (cached for one run)."""
    if version_id not in cache:
        row = _session().get(QuestionnaireVersion, version_id)
        if row is None:
            cache[version_id] = None
        else:
            try:
                from recommender.services.questionnaires import questionnaire_for
            except ImportError:
                from recommender.questionnaire import Questionnaire

                cache[version_id] = Questionnaire.from_dict(row.definition)
            else:
                cache[version_id] = questionnaire_for(row)
    return cache[version_id]


# --------------------------------------------------------------------------- check + compile


def check_source(
    source: str,
    name: str | None = None,
    path: str | None = None,
    data_files: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of a ruleset source and its data files (`path:line:col: message`, a
    data file's problems at their place in that file); [] when they are valid."""
    return _check_and_load(source, name, path, data_files=_files(name, data_files))[0]


def source_path(name: str | None) -> str:
    """The path problems of a ruleset source are reported under (its data files' problems
    carry their own file names)."""
    return f"{name or 'ruleset'}.yaml"


def _check_and_load(
    source: str,
    name: str | None = None,
    path: str | None = None,
    questionnaire: Any = None,
    data_files: Mapping[str, str] | None = None,
) -> tuple[list[Problem], Any]:
    """(every problem, the loaded engine Ruleset or None): one load serves both. The
    questionnaire is looked up when not given; `data_files` are the texts of the files the
    source names (none given: none, never files read from disk)."""
    from recommender.engine import load_ruleset_text

    path = path or source_path(name)
    problems: list[Problem] = []
    try:
        located = load_yaml(source, path)
    except YamlError as exc:
        return [exc.problem], None
    data = located.data if isinstance(located.data, dict) else {}
    form_id = data.get("questionnaire")
    if not isinstance(form_id, str):
        questionnaire = None
    else:
        if questionnaire is None:
            questionnaire = questionnaire_for_source(source)
        if questionnaire is None:
            problems.append(
                located.problem(("questionnaire",), f"unknown questionnaire '{form_id}' (not loaded)")
            )
    if name is not None and data.get("name") != name:
        problems.append(
            located.problem(("name",), f"the name must stay '{name}' (this is the {name} ruleset)")
        )
    ruleset = None
    try:
        ruleset = load_ruleset_text(source, path, questionnaire, dict(data_files or {}))
    except DefinitionError as exc:
        problems.extend(exc.problems)
    return sorted(set(problems)), ruleset


def load_checked(
    source: str, name: str | None = None, data_files: Mapping[str, str] | None = None
) -> tuple[Any, Any]:
    """(engine Ruleset, questionnaire) for a source with its data files; DefinitionError
    when they have problems."""
    files = _files(name, data_files)
    questionnaire = questionnaire_for_source(source)
    key = (bundle_checksum(source, files), name, id(questionnaire))
    if key in _CHECKED:
        return _CHECKED[key][0], questionnaire
    problems, ruleset = _check_and_load(source, name, questionnaire=questionnaire, data_files=files)
    if problems:
        raise DefinitionError(problems)
    if len(_CHECKED) >= 8:
        _CHECKED.pop(next(iter(_CHECKED)))
    _CHECKED[key] = (ruleset, questionnaire)  # holding it keeps its id() unique
    return ruleset, questionnaire


# Checked rulesets by (source + data checksum, name, questionnaire object); loaded rulesets are
# plain data, so reusing one for a new compilation is safe.
_CHECKED: dict[tuple[str, str | None, int], tuple[Any, Any]] = {}


@contextmanager
def compiled_source(
    source: str, name: str | None = None, data_files: Mapping[str, str] | None = None
) -> Iterator[tuple[Any, Any]]:
    """Compile a source (with its data files) for one use and free the compilation
    afterwards (durable_rules keeps every compiled ruleset alive in C until it is deleted)."""
    from recommender.engine import compile_ruleset

    ruleset, questionnaire = load_checked(source, name, data_files)
    compiled = compile_ruleset(ruleset)
    try:
        yield compiled, questionnaire
    finally:
        close = getattr(compiled, "close", None)
        if callable(close):
            close()


# --------------------------------------------------------------------------- drafts


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


def features_dir() -> Path:
    configured = current_app.config.get("RULESET_FEATURES_DIR")
    if configured:
        return Path(configured)
    from recommender.config import PROJECT_ROOT

    return PROJECT_ROOT / "features" / "ruleset"


def seed_scenarios(name: str, source_path: str | Path | None = None) -> str:
    """Scenario text for a ruleset from features/ruleset/*.feature: every file for the
    default ruleset (rules/stripe.yaml), else the files named after the ruleset."""
    directory = features_dir()
    if not directory.is_dir():
        return ""
    is_default = name == "stripe" or (
        source_path is not None and Path(source_path).name == "stripe.yaml"
    )
    files = sorted(directory.glob("*.feature"))

    def owner(stem: str, candidate: str) -> bool:
        return stem == candidate or stem.startswith(f"{candidate}_")

    if is_default:
        # Files named after another ruleset (prequalification.feature) belong to it.
        rules_dir = Path(current_app.config["RULES_DIR"])
        others = {
            p.stem
            for p in rules_dir.glob("*.yaml")
            if not is_data_text(p.read_text(encoding="utf-8"))
        } - {"stripe", name}
        files = [f for f in files if not any(owner(f.stem, other) for other in others)]
    else:
        files = [f for f in files if owner(f.stem, name)]
    parts = [f"# from features/ruleset/{f.name}\n{f.read_text(encoding='utf-8').rstrip()}\n" for f in files]
    return "\n".join(parts)


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
    _, scenario_problems = scenario_runner.parse_scenarios(draft.scenarios, SCENARIOS_PATH)
    return SaveResult(draft, problems, scenario_problems)


def version_files(row: RulesetVersion) -> list[authoring_data.DataFile]:
    """The data files of a draft or version, for the editor's file selector and the version
    page (see authoring_data.files_of)."""
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
    return unified_diff(active.source, draft.source, "active", "draft") + authoring_data.files_diff(
        active.data_files, draft.data_files, "active", "draft"
    )


def draft_is_stale(name: str, draft: RulesetVersion) -> int | None:
    """The active version number when it was published after the draft was started."""
    active = active_version(name)
    if active.published_at and draft.created_at and active.published_at > draft.created_at:
        return active.version
    return None


# --------------------------------------------------------------------------- scenarios


def run_scenarios(
    name: str, source: str, scenarios: str, data_files: Mapping[str, str] | None = None
) -> scenario_runner.RunReport:
    """Run stored scenarios against a source with its data files (DefinitionError when
    either is broken)."""
    with compiled_source(source, name, data_files) as (compiled, questionnaire):

        def evaluate(answers: dict[str, Any]) -> dict[str, Any]:
            result: dict[str, Any] = compiled.evaluate(answers, questionnaire).to_dict()
            return result

        visible = questionnaire.visible_answers if questionnaire is not None else None
        ruleset = compiled.ruleset
        known = scenario_runner.Catalogue(
            frozenset(ruleset.products), frozenset(ruleset.risks), frozenset(ruleset.derived)
        )
        return scenario_runner.run_scenarios(
            scenarios, evaluate, question_types(questionnaire), visible, SCENARIOS_PATH, known
        )


@dataclass
class Coverage:
    rules: list[tuple[str, int]]  # (rule id, line) in file order
    fired: dict[str, list[str]]  # rule id -> scenario names that fired it
    report: scenario_runner.RunReport

    @property
    def unfired(self) -> list[tuple[str, int]]:
        return [(rid, line) for rid, line in self.rules if not self.fired.get(rid)]


def coverage(
    name: str, source: str, scenarios: str, data_files: Mapping[str, str] | None = None
) -> Coverage:
    report = run_scenarios(name, source, scenarios, data_files)
    fired: dict[str, list[str]] = {}
    for result in report.results:
        for rule in result.fired_rules:
            fired.setdefault(rule, []).append(result.name)
    rules = [(rule["id"], line) for rule, line in rules_of(source)]
    return Coverage(rules, fired, report)


# --------------------------------------------------------------------------- publish


def _lock_ruleset(session: Session, ruleset_id: int) -> Ruleset:
    """Take the ruleset's write lock; everything after it in the transaction is serialised."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks; a write as the transaction's first statement takes the
        # database write lock (waiting on busy_timeout), and its snapshot is fresh.
        table: Any = Ruleset.__table__
        session.execute(
            update(table)
            .where(table.c.id == ruleset_id)
            .values(name=table.c.name)
        )
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
) -> RulesetVersion:
    """Insert the next immutable version and make it active, atomically, with an audit entry."""
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
        latest = session.scalar(
            select(func.max(RulesetVersion.version)).where(RulesetVersion.ruleset_id == ruleset.id)
        )
        number = (latest or 0) + 1
        final = with_version(source, number)
        files = authoring_data.published_files(final, data_files or {})
        from recommender.models.base import utcnow

        now = utcnow()
        row = RulesetVersion(
            ruleset_id=ruleset.id,
            version=number,
            status="published",
            source=final,
            scenarios=scenarios,
            data_files=files,
            checksum=bundle_checksum(final, files),
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
        diff = unified_diff(previous.source if previous else "", final, old_label, f"{ruleset.name} v{number}")
        scen_diff = unified_diff(
            previous.scenarios if previous else "", scenarios, f"{old_label} scenarios", f"{ruleset.name} v{number} scenarios"
        )
        old_files = (previous.data_files or {}) if previous else {}
        data_diff = authoring_data.files_diff(old_files, files, old_label, f"{ruleset.name} v{number}")
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
                summary=summary.format(version=number, previous=previous.version if previous else "none")
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
    try:
        from recommender.services import rulesets
    except ModuleNotFoundError:
        return
    hook = getattr(rulesets, "invalidate", None)
    if callable(hook):
        hook(name)


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


def rollback(name: str, to_version: int, actor: User | None, note: str = "") -> RulesetVersion:
    """Publish a copy of version `to_version` (rules, scenarios and data files) as the
    newest version (history is kept)."""
    old = get_version(name, to_version)
    if old.status != "published":
        raise InvalidInput(f"Version {to_version} was never published.")
    data_files = dict(old.data_files or {})
    _verify_publishable(name, old.source, old.scenarios, data_files)
    return _publish_source(
        old.ruleset_id,
        old.source,
        old.scenarios,
        actor,
        data_files=data_files,
        action="rollback",
        note=note.strip(),
        summary=f"rolled back to version {to_version} as version {{version}} (previous: {{previous}})",
    )


def import_file(path: str | Path, actor: User | None = None, *, publish_now: bool = False) -> tuple[RulesetVersion, bool]:
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
        active = session.get(RulesetVersion, ruleset.active_version_id) if ruleset.active_version_id else None
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


# --------------------------------------------------------------------------- saved answers


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


def _all_answers(session: Session) -> dict[int, dict[str, Any]]:
    """discovery id -> {question id: value} for every discovery, in one query.

    The database builds one JSON object per discovery (SQLite `json_group_object`,
    PostgreSQL `jsonb_object_agg`), so Python decodes one text per discovery instead of
    handling one row per answer (10,000 discoveries have ~365,000 answers).
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


def saved_subjects() -> list[Subject]:
    """Every saved discovery and lead, answers reduced to the visible ones."""
    session = _session()
    q_cache: dict[int, Any] = {}
    answers_by_discovery = _all_answers(session)
    subjects: list[Subject] = []
    visibility: dict[int, _Visibility] = {}

    def visible_of(q: Any, answers: dict[str, Any]) -> dict[str, Any]:
        if q is None:
            return answers
        v = visibility.get(id(q))
        if v is None:
            v = visibility[id(q)] = _Visibility(q)
        return v.visible_answers(answers)

    for did, title, qv_id, account in session.execute(
        select(Discovery.id, Discovery.title, Discovery.questionnaire_version_id, Account.name)
        .join(Account, Account.id == Discovery.account_id)
        .order_by(Discovery.id)
    ):
        q = _questionnaire_by_version_id(qv_id, q_cache)
        visible = visible_of(q, answers_by_discovery.get(did, {}))
        subjects.append(Subject("discovery", did, f"{account}" + (f" — {title}" if title else ""), q, visible))
    for lid, company, qv_id, answers in session.execute(
        select(Lead.id, Lead.company, Lead.questionnaire_version_id, Lead.answers).order_by(Lead.id)
    ):
        q = _questionnaire_by_version_id(qv_id, q_cache)
        visible = visible_of(q, dict(answers or {}))
        subjects.append(Subject("lead", lid, company or f"Lead {lid}", q, visible))
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


# --------------------------------------------------------------------------- sandbox


def parse_sandbox_answers(text: str, questionnaire: Any | None) -> dict[str, Any]:
    """Answers typed by an author as YAML (`channels: [web]`), coerced by the questionnaire."""
    try:
        located = load_yaml(text or "{}", "answers")
    except YamlError as exc:
        raise InvalidInput(f"The answers are not valid YAML: line {exc.problem.line}: {exc.problem.message}") from None
    data = located.data or {}
    if not isinstance(data, dict):
        raise InvalidInput("Write the answers as `answer_id: value` lines.")
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for qid, value in data.items():
        qid = str(qid)
        if questionnaire is not None and qid not in questionnaire.questions:
            errors[qid] = f"unknown answer id '{qid}'"
            continue
        if value is None:
            continue
        if questionnaire is None:
            answers[qid] = value
            continue
        raw: Any
        if isinstance(value, list):
            raw = [str(v) for v in value]
        elif isinstance(value, bool):
            raw = "true" if value else "false"
        else:
            raw = str(value)
        if questionnaire.questions[qid].type in scenario_runner.LIST_TYPES and isinstance(raw, str):
            raw = [s.strip() for s in raw.split(",") if s.strip()]
        try:
            from recommender.questionnaire import MISSING

            coerced = questionnaire.coerce(qid, raw)
        except Exception as exc:  # InvalidAnswer: shown next to the answers box
            errors[qid] = getattr(exc, "message", None) or str(exc)
            continue
        if coerced is not MISSING:
            answers[qid] = coerced
    if errors:
        raise InvalidInput("Some answers are not valid.", errors)
    return answers


def sandbox(
    name: str,
    source: str,
    *,
    answers_text: str | None = None,
    kind: str | None = None,
    subject_id: int | None = None,
    data_files: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Evaluate a source (with its data files) against typed answers or a saved
    discovery/lead.

    Returns (result dict with trace, the visible answers used, a label of what was evaluated).
    """
    with compiled_source(source, name, data_files) as (compiled, questionnaire):
        if kind and subject_id is not None:
            subj = subject(kind, subject_id)
            answers, label = subj.answers, f"{kind} {subj.label}"
            q = subj.questionnaire or questionnaire
        else:
            answers = parse_sandbox_answers(answers_text or "", questionnaire)
            if questionnaire is not None:
                answers = questionnaire.visible_answers(answers)
            label, q = "typed answers", questionnaire
        result: dict[str, Any] = compiled.evaluate(answers, q).to_dict()
    return result, answers, label


# --------------------------------------------------------------------------- impact


@dataclass
class ImpactItem:
    kind: str
    id: int
    label: str
    products_added: list[str]
    products_removed: list[str]
    risks_added: list[str]
    risks_removed: list[str]
    rules: list[str]  # edited rules responsible


@dataclass
class RuleEdits:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # top-level sections that changed
    data: list[str] = field(default_factory=list)  # data files that changed

    @property
    def all(self) -> set[str]:
        return set(self.added) | set(self.removed) | set(self.changed)


@dataclass
class Impact:
    active_version: int | None
    evaluated: int
    items: list[ImpactItem]
    edits: RuleEdits
    errors: list[str]
    seconds: float
    unchanged_sources: bool = False


def rule_edits(
    old_source: str,
    new_source: str,
    old_files: Mapping[str, str] | None = None,
    new_files: Mapping[str, str] | None = None,
) -> RuleEdits:
    old = {r["id"]: r for r, _ in rules_of(old_source)}
    new = {r["id"]: r for r, _ in rules_of(new_source)}
    edits = RuleEdits(
        added=[rid for rid in new if rid not in old],
        removed=[rid for rid in old if rid not in new],
        changed=[rid for rid in new if rid in old and new[rid] != old[rid]],
    )
    old_doc = (_located(old_source, "x") or Located({}, "x")).data
    new_doc = (_located(new_source, "x") or Located({}, "x")).data
    for key in sorted(set(old_doc) | set(new_doc)):
        if key not in ("rules", "version") and old_doc.get(key) != new_doc.get(key):
            edits.other.append(str(key))
    edits.data = [name for name, _ in authoring_data.changed_files(old_files, new_files)]
    return edits


def _effect_ids(rule: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for key, attr in (("recommend", "product"), ("exclude", "product"), ("flag", "risk")):
        for effect in rule.get(key) or []:
            if isinstance(effect, dict) and isinstance(effect.get(attr), str):
                ids.add(effect[attr])
    return ids


Summary = tuple[frozenset[str], frozenset[str], frozenset[str]]


def _summary(compiled: Any, answers: dict[str, Any]) -> Summary:
    """(products, risks, fired rule ids) of one evaluation, without building the report.

    The impact preview and lint only compare these sets: `CompiledRuleset.summarize` gives
    the same sets as `CompiledRuleset.evaluate` (tests/authoring/test_service.py compares
    them) without rationale templates, trace and open questions. Derived facts that do not
    settle raise the engine's ChainError (one bad record is reported, not compared).
    """
    summary = compiled.summarize(answers)
    if summary.chain_error is not None:
        raise summary.chain_error
    return summary.products, summary.risks, summary.fired


def _answers_key(answers: dict[str, Any]) -> str:
    return json.dumps(answers, sort_keys=True, default=str)


def _evaluator(compiled: Any) -> Callable[[Subject], Summary]:
    """Evaluate subjects, reusing the summary for identical answer sets."""
    memo: dict[str, Summary] = {}

    def run(subj: Subject) -> Summary:
        key = subj.answers_key
        if key not in memo:
            memo[key] = _summary(compiled, subj.answers)
        return memo[key]

    return run


# Outcomes of the active version by answer set (canonical JSON) for the last loaded active
# ruleset: a pure function of (loaded ruleset, answers), so repeated previews against the
# same active version evaluate only the draft. Per process; bounded.
ACTIVE_OUTCOMES_SIZE = 100_000
_ACTIVE_OUTCOMES: list[tuple[Any, dict[str, Outcome]]] = []


def _active_outcomes(ruleset: Any) -> dict[str, Outcome]:
    """The remembered outcomes of this loaded ruleset (a fresh store for another one)."""
    with _ACTIVE_OUTCOMES_LOCK:
        if _ACTIVE_OUTCOMES and _ACTIVE_OUTCOMES[0][0] is ruleset:
            return _ACTIVE_OUTCOMES[0][1]
        store: dict[str, Outcome] = {}
        _ACTIVE_OUTCOMES[:] = [(ruleset, store)]
        return store


_ACTIVE_OUTCOMES_LOCK = threading.Lock()


def impact_processes() -> int:
    """Processes the impact preview may use: the app's IMPACT_PROCESSES (or that
    environment variable), else the CPUs this process may run on (at most 4). Small
    previews stay in-process whatever this says."""
    configured = current_app.config.get("IMPACT_PROCESSES", os.environ.get("IMPACT_PROCESSES"))
    if configured is not None:
        return max(1, int(configured))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def impact(
    name: str,
    draft_source: str,
    subjects: list[Subject] | None = None,
    data_files: Mapping[str, str] | None = None,
) -> Impact:
    """Re-evaluate every saved discovery and lead with the draft (its source and data
    files) and with the active version; list those whose products or risks change and the
    rule edits responsible (a change that only data edits explain names the rules whose
    firing changed and the data files edited)."""
    started = time.perf_counter()
    active = active_version(name)
    active_files = dict(active.data_files or {})
    draft_files = dict(active_files if data_files is None else data_files)
    edits = rule_edits(active.source, draft_source, active_files, draft_files)
    subjects = saved_subjects() if subjects is None else subjects
    draft_rules = {r["id"]: r for r, _ in rules_of(draft_source)}
    active_rules = {r["id"]: r for r, _ in rules_of(active.source)}
    items: list[ImpactItem] = []
    errors: list[str] = []
    old_ruleset, _ = load_checked(active.source, name, active_files)
    new_ruleset, _ = load_checked(draft_source, name, draft_files)
    # Identical answer sets are evaluated once; each distinct one with both versions, but
    # with the active version only when this process has not evaluated it before.
    distinct: dict[str, dict[str, Any]] = {}
    for subj in subjects:
        distinct.setdefault(subj.answers_key, subj.answers)
    keys = list(distinct)
    known = _active_outcomes(old_ruleset)
    evaluated = summarize_all(
        [old_ruleset, new_ruleset],
        [distinct[k] for k in keys],
        impact_processes(),
        wanted=[(k not in known, True) for k in keys],
    )
    outcomes: dict[str, tuple[Outcome, Outcome]] = {}
    for k, (old, new) in zip(keys, evaluated, strict=True):
        if old is None:
            old = known[k]
        elif len(known) < ACTIVE_OUTCOMES_SIZE:
            known[k] = old
        assert new is not None
        outcomes[k] = (old, new)
    for subj in subjects:
        old, new = outcomes[subj.answers_key]
        if isinstance(old, str) or isinstance(new, str):  # one bad record is reported
            errors.append(f"{subj.kind} {subj.id}: {old if isinstance(old, str) else new}")
            continue
        old_p, old_r, old_f = old
        new_p, new_r, new_f = new
        if old_p == new_p and old_r == new_r:
            continue
        changed_ids = (old_p ^ new_p) | (old_r ^ new_r)
        responsible = sorted(
            rid
            for rid in edits.all
            if ((rid in old_f) != (rid in new_f))
            or (
                (rid in old_f or rid in new_f)
                and _effect_ids(draft_rules.get(rid) or active_rules.get(rid) or {}) & changed_ids
            )
        )
        if not responsible and edits.data:
            via = ", ".join(edits.data)
            responsible = [f"{rid} (via {via})" for rid in sorted(old_f ^ new_f)]
        if not responsible:
            responsible = [f"({', '.join(edits.other + edits.data) or 'catalogue'} changed)"]
        items.append(
            ImpactItem(
                subj.kind,
                subj.id,
                subj.label,
                sorted(new_p - old_p),
                sorted(old_p - new_p),
                sorted(new_r - old_r),
                sorted(old_r - new_r),
                responsible,
            )
        )
    return Impact(
        active_version=active.version,
        evaluated=len(subjects),
        items=items,
        edits=edits,
        errors=errors,
        seconds=time.perf_counter() - started,
        unchanged_sources=with_version(draft_source, 0) == with_version(active.source, 0)
        and not edits.data,
    )


# --------------------------------------------------------------------------- lint


@dataclass
class LintFinding:
    kind: str  # never_fired | overlap | unused_product | unused_question
    message: str
    line: int | None = None


def lint(
    name: str,
    source: str,
    subjects: list[Subject] | None = None,
    data_files: Mapping[str, str] | None = None,
) -> list[LintFinding]:
    """Rules never fired across saved discoveries, rules recommending the same product from
    overlapping conditions, products and questions no rule uses."""
    located = _located(source, f"{name}.yaml")
    if located is None:
        raise DefinitionError(
            check_source(source, name, data_files=data_files)
            or [Problem(f"{name}.yaml", 1, 1, "does not parse")]
        )
    data = located.data
    rules = rules_of(source)
    line_of = {rule["id"]: line for rule, line in rules}
    findings: list[LintFinding] = []
    subjects = saved_subjects() if subjects is None else subjects
    fired_by: dict[str, set[str]] = {}
    with compiled_source(source, name, data_files) as (compiled, questionnaire):
        engine_rules = list(compiled.ruleset.rules)
        run = _evaluator(compiled)
        for subj in subjects:
            try:
                _, _, fired = run(subj)
            except Exception:  # reported by the impact view; lint looks at the rest
                continue
            for rid in fired:
                fired_by.setdefault(rid, set()).add(subj.key)
    if subjects:
        for rule, line in rules:
            if rule["id"] not in fired_by:
                findings.append(
                    LintFinding("never_fired", f"rule {rule['id']} fired for none of the {len(subjects)} saved discoveries and leads", line)
                )
    by_product: dict[str, list[str]] = {}
    for rule, _ in rules:
        for effect in rule.get("recommend") or []:
            if isinstance(effect, dict) and isinstance(effect.get("product"), str):
                by_product.setdefault(effect["product"], []).append(rule["id"])
    when_of = {rule["id"]: " ".join(str(rule.get("when", "")).split()) for rule, _ in rules}
    for product, rids in by_product.items():
        for i, a in enumerate(rids):
            for b in rids[i + 1 :]:
                both = fired_by.get(a, set()) & fired_by.get(b, set())
                if when_of[a] == when_of[b]:
                    findings.append(
                        LintFinding("overlap", f"rules {a} and {b} recommend {product} under the same condition", line_of[b])
                    )
                elif both:
                    findings.append(
                        LintFinding(
                            "overlap",
                            f"rules {a} and {b} both recommend {product} and both fired for {len(both)} saved "
                            f"discoveries/leads (e.g. {sorted(both)[0]}): their conditions overlap",
                            line_of[b],
                        )
                    )
    used_products: set[str] = set()
    for rule, _ in rules:
        used_products |= _effect_ids(rule)
    for i, product in enumerate(data.get("products") or []):
        if isinstance(product, dict) and product.get("id") not in used_products:
            findings.append(
                LintFinding("unused_product", f"product {product.get('id')} is recommended or excluded by no rule", located.pos(("products", i))[0])
            )
    used_fields: set[str] = set()
    for engine_rule in engine_rules:
        used_fields |= {f.removesuffix("__count") for f in engine_rule.fields}
    if questionnaire is not None:
        for qid in questionnaire.questions:
            if qid not in used_fields:
                findings.append(LintFinding("unused_question", f"question {qid} is used by no rule's condition"))
    return findings


# --------------------------------------------------------------------------- catalogue


def catalogue(source: str) -> dict[str, Any]:
    """Side-panel data: the questionnaire's answer ids and options, products and risks."""
    located = _located(source, "x")
    data = located.data if located else {}
    questionnaire = questionnaire_for_source(source)
    questions = []
    if questionnaire is not None:
        from recommender.questionnaire.forms import option_pairs

        for qid, q in questionnaire.questions.items():
            options = (
                [value for value, _ in option_pairs(q)]
                if q.type in ("single", "multi")
                else []
            )
            questions.append({"id": qid, "type": q.type, "label": getattr(q, "label", ""), "options": options})
    products = [p for p in data.get("products") or [] if isinstance(p, dict)]
    risks = [r for r in data.get("risks") or [] if isinstance(r, dict)]
    derived = data.get("derived") if isinstance(data.get("derived"), dict) else {}
    sets_value = data.get("sets")
    sets: dict[str, Any] = sets_value if isinstance(sets_value, dict) else {}
    return {
        "questionnaire": data.get("questionnaire"),
        "questions": questions,
        "products": products,
        "risks": risks,
        "derived": derived,
        "sets": sorted(sets),
    }
