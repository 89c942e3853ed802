"""Published rulesets: import rules/*.yaml, and serve the active version compiled.

Every worker process keeps its own compiled copies (durable_rules state cannot cross a
fork) and re-reads which version is active at most every RULESET_REFRESH_SECONDS, so a
version activated by any process is served everywhere within about a second.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from recommender.config import PROJECT_ROOT
from recommender.engine import CompiledRuleset, compile_ruleset, load_ruleset_text
from recommender.engine.datafiles import is_data_text
from recommender.engine.loader import (
    check_marker,
    find_questionnaire,
    questionnaire_id_of,
    stored_form,
)
from recommender.engine.model import bundle_checksum
from recommender.errors import NotFound
from recommender.extensions import db
from recommender.models import Ruleset, RulesetVersion
from recommender.models.base import utcnow

COMPILED_CACHE_SIZE = 8

_lock = threading.Lock()
# (checksum, version) -> compiled; shared by all apps in the process, least recently used out.
_compiled: OrderedDict[tuple[str, int], CompiledRuleset] = OrderedDict()
#: A published version's id -> its (checksum, version): published versions never change, so
#: the hot path finds its compiled ruleset without reading the row (or its large source).
_keys_by_id: dict[int, tuple[str, int]] = {}
#: (ruleset name, published version number) -> version id.
_ids_by_number: dict[tuple[str, int], int] = {}


def _light() -> Any:
    """Load only what identifies a version; `source` and `data_files` load if a compile
    (a cache miss) asks for them."""
    return load_only(
        RulesetVersion.id,
        RulesetVersion.ruleset_id,
        RulesetVersion.version,
        RulesetVersion.status,
        RulesetVersion.checksum,
        RulesetVersion.checked,
    )


def _questionnaire_for(text: str) -> Any:
    qid = questionnaire_id_of(text)
    if qid is None:
        return None
    try:
        from recommender.services import questionnaires

        latest = questionnaires.latest(qid)
        if latest is not None:
            return questionnaires.questionnaire_for(latest)
    except (ImportError, AttributeError, NotFound):
        pass
    return find_questionnaire(current_app.config["FORMS_DIR"], qid)


def features_dir() -> Path:
    configured = current_app.config.get("RULESET_FEATURES_DIR")
    if configured:
        return Path(configured)
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
    parts = [
        f"# from features/ruleset/{f.name}\n{f.read_text(encoding='utf-8').rstrip()}\n"
        for f in files
    ]
    return "\n".join(parts)


def import_directory(path: str | Path | None = None) -> list[str]:
    """Import rules/*.yaml as published, active versions when their source is new.

    Idempotent: a file whose checksum already exists as a version of its ruleset is skipped.
    The version is the file's `version:` when free, else the next number. Raises
    DefinitionError when a file has problems (nothing of that file is imported).
    """
    rules_dir = Path(path or current_app.config["RULES_DIR"])
    labels = []
    for file in sorted(rules_dir.glob("*.yaml")):
        text = file.read_text(encoding="utf-8")
        if is_data_text(text):  # imported with the ruleset that names it
            continue
        # The data files it names are read from beside it (ruleset.data_files).
        ruleset = load_ruleset_text(text, str(file), _questionnaire_for(text))
        digest = bundle_checksum(text, ruleset.data_files)
        with db.transaction() as session:
            row = session.scalar(select(Ruleset).where(Ruleset.name == ruleset.name))
            if row is None:
                row = Ruleset(name=ruleset.name)
                session.add(row)
                session.flush()
            seen = session.scalar(
                select(RulesetVersion.id).where(
                    RulesetVersion.ruleset_id == row.id,
                    RulesetVersion.checksum == digest,
                    RulesetVersion.status == "published",
                )
            )
            if seen is not None:
                continue
            taken = session.scalar(
                select(RulesetVersion.id).where(
                    RulesetVersion.ruleset_id == row.id, RulesetVersion.version == ruleset.version
                )
            )
            version = ruleset.version
            if taken is not None:
                highest = session.scalar(
                    select(func.max(RulesetVersion.version)).where(
                        RulesetVersion.ruleset_id == row.id
                    )
                )
                version = (highest or 0) + 1
            now = utcnow()
            row_version = RulesetVersion(
                ruleset_id=row.id,
                version=version,
                status="published",
                source=text,
                data_files=dict(ruleset.data_files),
                # Stored with the version, so `rules test` and the workbench run them.
                scenarios=seed_scenarios(ruleset.name, file),
                checksum=digest,
                checked=check_marker(digest),  # load_ruleset_text checked it just now
                parsed=stored_form(text, str(file), ruleset.data_files),
                note=f"imported from {file.name}",
                created_at=now,
                published_at=now,
            )
            session.add(row_version)
            session.flush()
            row.active_version_id = row_version.id
        invalidate(ruleset.name)
        labels.append(f"{ruleset.name} v{version}")
    return labels


def active_version(name: str) -> RulesetVersion | None:
    """The active published version of ruleset `name` (read from the database now)."""
    stmt = (
        select(RulesetVersion)
        .join(Ruleset, Ruleset.active_version_id == RulesetVersion.id)
        .where(Ruleset.name == name)
    )
    return db.session.scalar(stmt)


def _stored_form_of(row: RulesetVersion) -> str | None:
    """The version's stored parse (a deferred column, read only here, on a cold compile)."""
    return db.session.scalar(select(RulesetVersion.parsed).where(RulesetVersion.id == row.id))


def compiled_version(row: RulesetVersion) -> CompiledRuleset:
    """A published version compiled (cached per process by checksum and version)."""
    if row.version is None:
        raise NotFound("a draft has no compiled form; publish it first")
    key = (row.checksum, row.version)
    if row.status == "published":
        _keys_by_id[row.id] = key
    with _lock:
        compiled = _compiled.get(key)
        if compiled is not None:
            _compiled.move_to_end(key)
            return compiled
    # Checked once, when it was published: workers only build it (and compile it).
    checked = row.status == "published" and row.checked == check_marker(row.checksum)
    ruleset = load_ruleset_text(
        row.source,
        f"{row.ruleset.name} v{row.version}",
        data_files=row.data_files or {},
        checked=checked,
        stored=_stored_form_of(row) if checked else None,
    )
    ruleset.version = row.version  # the published number is what reports cite
    compiled = compile_ruleset(ruleset)
    with _lock:
        existing = _compiled.get(key)
        if existing is not None:
            compiled.close()
            return existing
        _compiled[key] = compiled
        while len(_compiled) > COMPILED_CACHE_SIZE:
            # Dropped, not closed: an evaluation in another thread may still hold it; its
            # durable rulesets are freed when the last reference goes.
            _compiled.popitem(last=False)
    return compiled


def _pointers() -> dict[str, tuple[int, float]]:
    """Per-app cache: ruleset name -> (active version id, monotonic time it was read)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault("ruleset_pointers", {})


def invalidate(name: str) -> None:
    """Forget which version of `name` is active (this process re-reads it at once)."""
    with _lock:
        _pointers().pop(name, None)


def active_compiled(name: str) -> tuple[RulesetVersion, CompiledRuleset]:
    """The active version of `name` and its compiled form (NotFound when none is active)."""
    refresh = float(current_app.config.get("RULESET_REFRESH_SECONDS", 0.5))
    now = time.monotonic()
    with _lock:
        pointer = _pointers().get(name)
    row: RulesetVersion | None = None
    if pointer is not None and now - pointer[1] < refresh:
        row = db.session.get(RulesetVersion, pointer[0], options=[_light()])
    if row is None:
        row = db.session.scalar(
            select(RulesetVersion)
            .join(Ruleset, Ruleset.active_version_id == RulesetVersion.id)
            .where(Ruleset.name == name)
            .options(_light())
        )
        if row is None:
            raise NotFound(f"there is no active version of the ruleset '{name}'")
        with _lock:
            _pointers()[name] = (row.id, now)
    return row, compiled_version(row)


def version_compiled(name: str, version: int) -> tuple[RulesetVersion, CompiledRuleset]:
    """A given published version of `name` compiled (NotFound when it does not exist)."""
    row = db.session.scalar(
        select(RulesetVersion)
        .join(Ruleset, Ruleset.id == RulesetVersion.ruleset_id)
        .where(Ruleset.name == name, RulesetVersion.version == version)
    )
    if row is None:
        raise NotFound(f"the ruleset '{name}' has no version {version}")
    return row, compiled_version(row)


def compiled_by_id(version_id: int | None) -> CompiledRuleset | None:
    """A published version compiled, by id (None for a draft or an unknown id); no database
    read when this process compiled it already."""
    if not version_id:
        return None
    with _lock:
        key = _keys_by_id.get(version_id)
        compiled = _compiled.get(key) if key is not None else None
        if compiled is not None:
            _compiled.move_to_end(key)  # type: ignore[arg-type]
            return compiled
    row = db.session.get(RulesetVersion, version_id, options=[_light()])
    if row is None or row.version is None:
        return None
    return compiled_version(row)


def version_id_of(name: str, version: int) -> int | None:
    """The id of published version `version` of ruleset `name` (remembered per process)."""
    key = (name, version)
    found = _ids_by_number.get(key)
    if found is not None:
        return found
    found = db.session.scalar(
        select(RulesetVersion.id)
        .join(Ruleset, RulesetVersion.ruleset_id == Ruleset.id)
        .where(
            Ruleset.name == name,
            RulesetVersion.version == version,
            RulesetVersion.status == "published",
        )
    )
    if found is not None:
        _ids_by_number[key] = int(found)
    return found
