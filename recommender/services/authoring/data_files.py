"""The data files of a ruleset version, as the workbench sees them (docs/data-tables.md).

A ruleset names its data files under `data:` (kind -> file name); every ruleset version keeps
their texts in `ruleset_versions.data_files` (file name -> YAML text), so they are edited,
checked, previewed, published and rolled back together with the ruleset. This module holds
the plain functions about those files (which files a source names, which file names an author
may save, per-file diffs and what changed between versions); `recommender.services.authoring`
does the database work with them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from recommender.engine.loader import data_file_names
from recommender.errors import InvalidInput


@dataclass(frozen=True)
class DataFile:
    """One file of a draft or version, for the editor's file selector."""

    name: str
    kind: str | None  # the `data:` key that names it; None when the source no longer names it
    text: str
    stored: bool  # False: named by the source but not written yet


def named_files(source: str) -> dict[str, str]:
    """File name -> kind, for each data file the ruleset source names (in source order)."""
    return {name: kind for kind, name in data_file_names(source).items()}


def files_of(source: str, stored: Mapping[str, str] | None) -> list[DataFile]:
    """The data files of a draft or version: those its source names (missing ones empty),
    then stored files the source no longer names."""
    stored = stored or {}
    named = named_files(source)
    out = [DataFile(name, kind, stored.get(name, ""), name in stored) for name, kind in named.items()]
    out += [DataFile(name, None, stored[name], True) for name in sorted(stored) if name not in named]
    return out


def published_files(source: str, stored: Mapping[str, str] | None) -> dict[str, str]:
    """The data files a published version keeps: those its source names."""
    named = named_files(source)
    return {name: text for name, text in (stored or {}).items() if name in named}


def check_file_name(source: str, stored: Mapping[str, str] | None, file_name: str) -> str:
    """`file_name` when an author may save it in this draft (a file the ruleset names under
    `data:`, or one stored already); InvalidInput otherwise."""
    file_name = (file_name or "").strip()
    if file_name in (stored or {}) or file_name in named_files(source):
        if not safe_file_name(file_name):
            raise InvalidInput(f"'{file_name}' is not a file name a data file can have.")
        return file_name
    named = ", ".join(named_files(source)) or "none"
    raise InvalidInput(
        f"'{file_name}' is not a data file of this ruleset (its data: names {named}); "
        "name it under data: in the ruleset first."
    )


def safe_file_name(name: str) -> bool:
    """A relative path below the ruleset's folder (no `..`, not absolute), ending in .yaml."""
    path = PurePosixPath(name)
    return (
        bool(name)
        and "\\" not in name
        and not path.is_absolute()
        and ".." not in path.parts
        and name.endswith((".yaml", ".yml"))
    )


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff of two texts with the given headers ("" when they are equal)."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), old_label, new_label
        )
    )


def files_diff(
    old: Mapping[str, str] | None, new: Mapping[str, str] | None, old_label: str, new_label: str
) -> str:
    """A unified diff per data file that differs (`<label> <file name>` headers), in name
    order; a file only on one side diffs against nothing."""
    old, new = old or {}, new or {}
    parts = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name, ""), new.get(name, "")
        if before == after:
            continue
        parts.append(
            unified_diff(
                before,
                after,
                f"{old_label} {name}" if name in old else "(none)",
                f"{new_label} {name}" if name in new else "(none)",
            )
        )
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


def changed_files(old: Mapping[str, str] | None, new: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """(file name, added | removed | changed) for each data file that differs, in name order."""
    old, new = old or {}, new or {}
    out = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            out.append((name, "added"))
        elif name not in new:
            out.append((name, "removed"))
        elif old[name] != new[name]:
            out.append((name, "changed"))
    return out
