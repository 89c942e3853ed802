"""Ruleset sources: parse, check and compile a source with its data files (cached per
process), and the questionnaire a source names."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.engine.loader import find_questionnaire, structure_problems
from recommender.engine.model import bundle_checksum
from recommender.errors import (
    DefinitionError,
    Problem,
)
from recommender.extensions import db
from recommender.models import (
    Ruleset,
    RulesetVersion,
)
from recommender.services import questionnaires
from recommender.yamlpos import Located, YamlError, load_yaml

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
    """(rule mapping, line) for each rule in a source, then for each row of its decision
    tables (as the rule `TABLE[n]` it becomes, see table_yaml.row_rules); empty when it
    does not parse."""
    from recommender.services.authoring.table_yaml import row_rules

    located = _located(source, "x")
    if located is None or not isinstance(located.data.get("rules"), list):
        return []
    return [
        (rule, located.pos(("rules", i))[0])
        for i, rule in enumerate(located.data["rules"])
        if isinstance(rule, dict) and isinstance(rule.get("id"), str)
    ] + row_rules(located.data, located)


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


# --------------------------------------------------------------------------- questionnaire


def questionnaire_for_source(source: str) -> Any | None:
    """The questionnaire a ruleset source names: its latest loaded version, else the file
    in FORMS_DIR (None when unknown)."""
    located = _located(source, "x")  # parsed once for all the views of one source
    form_id = located.data.get("questionnaire") if located is not None else None
    if not isinstance(form_id, str):
        return None
    row = questionnaires.latest(form_id)
    if row is not None:
        return questionnaires.questionnaire_for(row)
    return find_questionnaire(current_app.config["FORMS_DIR"], form_id)


def question_types(questionnaire: Any | None) -> dict[str, str]:
    if questionnaire is None:
        return {}
    return {qid: q.type for qid, q in questionnaire.questions.items()}


# --------------------------------------------------------------------------- check + compile


def check_source(
    source: str,
    name: str | None = None,
    path: str | None = None,
    data_files: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of a ruleset source and its data files (`path:line:col: message`, a
    data file's problems at their place in that file); [] when they are valid.

    Remembered per process for the same texts (and questionnaire): checking a large ruleset
    takes seconds, and the editor page, a save and the publish page all ask again."""
    files = _files(name, data_files)
    questionnaire = questionnaire_for_source(source)
    key = (bundle_checksum(source, files), name, path, id(questionnaire))
    found = _PROBLEMS.get(key)
    if found is not None and found[0] is questionnaire:
        return list(found[1])
    problems, ruleset = _check_and_load(source, name, path, questionnaire, data_files=files)
    if ruleset is not None and not problems and path is None:
        _remember_checked((key[0], name, id(questionnaire)), ruleset, questionnaire)
    if ruleset is not None:  # loops, facts read but never derived (the ruleset still loads)
        problems = sorted(set(problems) | set(structure_problems(ruleset)))
    if len(_PROBLEMS) >= 16:
        _PROBLEMS.pop(next(iter(_PROBLEMS)))
    _PROBLEMS[key] = (questionnaire, tuple(problems))
    return problems


#: check_source's answers: (checksum of the texts, name, path, id(questionnaire)) ->
#: (that questionnaire, its problems); the questionnaire is held so its id stays its own.
_PROBLEMS: dict[tuple[str, str | None, str | None, int], tuple[Any, tuple[Any, ...]]] = {}


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
                located.problem(
                    ("questionnaire",), f"unknown questionnaire '{form_id}' (not loaded)"
                )
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
    _remember_checked(key, ruleset, questionnaire)
    return ruleset, questionnaire


def _remember_checked(key: tuple[str, str | None, int], ruleset: Any, questionnaire: Any) -> None:
    """Keep a loaded ruleset for load_checked (check_source loads the same texts first: a
    draft save checks, then reads the ids its scenarios may use)."""
    if key not in _CHECKED and len(_CHECKED) >= 8:
        _CHECKED.pop(next(iter(_CHECKED)))
    _CHECKED[key] = (ruleset, questionnaire)  # holding it keeps its id() unique


# Checked rulesets by (source + data checksum, name, questionnaire object); loaded rulesets are
# plain data, so reusing one for a new compilation is safe.
_CHECKED: dict[tuple[str, str | None, int], tuple[Any, Any]] = {}


@contextmanager
def compiled_source(
    source: str, name: str | None = None, data_files: Mapping[str, str] | None = None
) -> Iterator[tuple[Any, Any]]:
    """Compile a source (with its data files) for one use and free the compilation
    afterwards (durable_rules keeps every compiled ruleset alive in C until it is deleted)."""
    ruleset, questionnaire = load_checked(source, name, data_files)
    compiled = compile_ruleset(ruleset)
    try:
        yield compiled, questionnaire
    finally:
        close = getattr(compiled, "close", None)
        if callable(close):
            close()
