"""Rulesets and their published versions: lookups, history, audit log, export."""

from __future__ import annotations

from sqlalchemy import select

from recommender.errors import (
    NotFound,
)
from recommender.models import (
    AuditEntry,
    Ruleset,
    RulesetVersion,
    User,
)
from recommender.services.authoring import data_files as authoring_data
from recommender.services.authoring.sources import _session


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


def user_name(user_id: int | None) -> str:
    if user_id is None:
        return "command line"
    user = _session().get(User, user_id)
    return user.name if user else f"user {user_id}"
