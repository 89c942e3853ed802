"""Load and check questionnaire definitions (forms/*.yaml).

Shape is checked with forms/questionnaire.schema.json, then the semantics: unique ids, option
values, show_if conditions (syntax, known ids and options, no self-reference, no cycles),
bounds, patterns and defaults. Every problem is a `Problem(path, line, col, message)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from recommender.conditions import (
    ConditionSyntaxError,
    check,
    parse,
    position_in_source,
    referenced_fields,
)
from recommender.conditions.ast import KEYWORDS
from recommender.errors import DefinitionError, Problem
from recommender.questionnaire.model import (
    CHOICE_TYPES,
    CONDITION_SETS,
    NUMBER_TYPES,
    TEXT_TYPES,
    InvalidAnswer,
    Questionnaire,
    coerce_value,
)
from recommender.schemawords import schema_problems
from recommender.yamlpos import Located, YamlError, load_yaml

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "forms" / "questionnaire.schema.json"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of a questionnaire file."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _schema_problems(located: Located) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(schema())
    return schema_problems(located, validator.iter_errors(located.data))


class _Checker:
    """Semantic checks of a schema-valid definition."""

    def __init__(self, located: Located, source: str) -> None:
        self.located = located
        self.source = source
        self.problems: list[Problem] = []

    def add(self, where: tuple[Any, ...], message: str, at_key: bool = False) -> None:
        self.problems.append(self.located.problem(where, message, at_key=at_key))

    def condition_problem(self, where: tuple[Any, ...], line: int, col: int, msg: str) -> None:
        vline, vcol = self.located.pos(where)
        aline, acol = position_in_source(self.source, vline, vcol, line, col)
        self.problems.append(Problem(self.located.path, aline, acol, f"show_if: {msg}"))

    def run(self) -> Questionnaire | None:
        data = self.located.data
        section_ids: dict[str, int] = {}
        question_where: dict[str, tuple[Any, ...]] = {}
        for si, section in enumerate(data["sections"]):
            if section["id"] in section_ids:
                line = self.located.pos(("sections", section_ids[section["id"]], "id"))[0]
                self.add(
                    ("sections", si, "id"),
                    f"duplicate section id '{section['id']}' (first used on line {line})",
                )
            section_ids.setdefault(section["id"], si)
            for qi, question in enumerate(section["questions"]):
                where = ("sections", si, "questions", qi)
                if question["id"] in question_where:
                    line, _ = self.located.pos(question_where[question["id"]] + ("id",))
                    self.add(
                        where + ("id",),
                        f"duplicate question id '{question['id']}' (first used on line {line})",
                    )
                    continue
                question_where[question["id"]] = where
                self.question(where, question)
        if self.problems:
            return None
        # Conditions: syntax first, then ids/options against the questionnaire's fields.
        questionnaire = Questionnaire.from_dict(_unparsed(data, keep_show_if=False))
        fields = questionnaire.field_specs()
        parsed: dict[tuple[Any, ...], Any] = {}
        for si, section in enumerate(data["sections"]):
            targets: list[tuple[tuple[Any, ...], Any]] = [
                (("sections", si, "show_if"), section.get("show_if"))
            ]
            targets += [
                (("sections", si, "questions", qi, "show_if"), question.get("show_if"))
                for qi, question in enumerate(section["questions"])
            ]
            for where, text in targets:
                if text is None:
                    continue
                try:
                    node = parse(text)
                except ConditionSyntaxError as exc:
                    self.condition_problem(where, exc.line, exc.col, exc.message)
                    continue
                parsed[where] = node
                for p in check(node, fields, CONDITION_SETS):
                    self.condition_problem(where, p.line, p.col, p.message)
        self.self_references(parsed)
        if self.problems:
            return None
        q = Questionnaire.from_dict(data)
        self.cycles(q, question_where)
        return None if self.problems else q

    def question(self, where: tuple[Any, ...], question: dict[str, Any]) -> None:
        kind = question["type"]
        qid = question["id"]
        before = len(self.problems)
        options = question.get("options")
        if kind in CHOICE_TYPES and not options:
            self.add(where + ("type",), f"a {kind} question needs options")
        if options and kind not in CHOICE_TYPES:
            self.add(
                where + ("options",),
                "options are only allowed on single and multi questions",
                at_key=True,
            )
        seen: dict[str, int] = {}
        for oi, option in enumerate(options or []):
            value = option["value"]
            if value in seen:
                line = self.located.pos(where + ("options", seen[value], "value"))[0]
                self.add(
                    where + ("options", oi, "value"),
                    f"duplicate option value '{value}' (first used on line {line})",
                )
            if value in KEYWORDS:
                self.add(
                    where + ("options", oi, "value"),
                    f"'{value}' is a condition keyword and cannot be an option value",
                )
            seen.setdefault(value, oi)
        for key in ("min", "max"):
            if key in question and kind not in NUMBER_TYPES | TEXT_TYPES:
                self.add(
                    where + (key,),
                    f"'{key}' only applies to number and text questions",
                    at_key=True,
                )
        if kind in TEXT_TYPES:
            for key in ("min", "max"):
                value = question.get(key)
                if value is not None and (value < 0 or not float(value).is_integer()):
                    self.add(
                        where + (key,),
                        f"'{key}' of a text question is a length: a whole number of 0 or more",
                    )
        low, high = question.get("min"), question.get("max")
        if low is not None and high is not None and low > high:
            self.add(where + ("max",), f"max ({high}) is smaller than min ({low})")
        if "pattern" in question:
            if kind not in ("text", "long_text"):
                self.add(
                    where + ("pattern",), "'pattern' only applies to text questions", at_key=True
                )
            else:
                try:
                    re.compile(question["pattern"])
                except re.error as exc:
                    self.add(
                        where + ("pattern",),
                        f"the pattern is not a valid regular expression: {exc}",
                    )
        if "default" in question and len(self.problems) == before:
            probe = Questionnaire.from_dict(
                {
                    "id": "probe",
                    "version": 1,
                    "title": "probe",
                    "sections": [
                        {"id": "s", "title": "s", "questions": [_without(question, "show_if")]}
                    ],
                }
            )
            try:
                coerce_value(probe.question(qid), question["default"])
            except InvalidAnswer as exc:
                self.add(where + ("default",), f"default does not fit the question: {exc.message}")

    def self_references(self, parsed: dict[tuple[Any, ...], Any]) -> None:
        data = self.located.data
        for where, node in parsed.items():
            refs = referenced_fields(node)
            section = data["sections"][where[1]]
            if len(where) == 3:  # a section's show_if
                own = {q["id"] for q in section["questions"]} & refs
                for qid in sorted(own):
                    self.add(
                        where,
                        f"the section's show_if refers to '{qid}', a question of the same section",
                    )
            else:
                qid = section["questions"][where[3]]["id"]
                if qid in refs:
                    self.add(where, f"the show_if of '{qid}' refers to '{qid}' itself")

    def cycles(self, q: Questionnaire, question_where: dict[str, tuple[Any, ...]]) -> None:
        graph = {
            qid: sorted(d for d in q.dependencies(qid) if d in q.questions) for qid in q.questions
        }
        state: dict[str, int] = {}
        stack: list[str] = []
        reported: set[frozenset[str]] = set()

        def visit(qid: str) -> None:
            state[qid] = 1
            stack.append(qid)
            for dep in graph[qid]:
                if state.get(dep) == 1:
                    cycle = stack[stack.index(dep) :] + [dep]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        start = cycle[0]
                        where = question_where[start]
                        own = q.questions[start].show_if is not None
                        path = " -> ".join(cycle)
                        self.add(
                            where + ("show_if",) if own else where + ("id",),
                            f"show_if dependencies form a cycle: {path}",
                        )
                elif not state.get(dep):
                    visit(dep)
            stack.pop()
            state[qid] = 2

        for qid in graph:
            if not state.get(qid):
                visit(qid)


def _without(d: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != key}


def _unparsed(data: dict[str, Any], keep_show_if: bool = True) -> dict[str, Any]:
    """The definition, optionally without show_if (to get field specs before parsing them)."""
    if keep_show_if:
        return data
    return {
        **data,
        "sections": [
            {
                **_without(s, "show_if"),
                "questions": [_without(q, "show_if") for q in s["questions"]],
            }
            for s in data["sections"]
        ],
    }


def _load(text: str, path: str) -> tuple[Questionnaire | None, list[Problem]]:
    try:
        located = load_yaml(text, path)
    except YamlError as exc:
        return None, [exc.problem]
    if not isinstance(located.data, dict):
        return None, [
            Problem(
                path,
                1,
                1,
                "a questionnaire file is made of 'key: value' lines: id:, version:, title: "
                "and sections:",
            )
        ]
    problems = _schema_problems(located)
    if problems:
        return None, sorted(problems)
    checker = _Checker(located, text)
    q = checker.run()
    return q, sorted(set(checker.problems))


def load_questionnaire_text(text: str, path: str = "<string>") -> Questionnaire:
    """Load a questionnaire from YAML text; raise DefinitionError listing every problem."""
    q, problems = _load(text, path)
    if problems or q is None:
        raise DefinitionError(problems or [Problem(path, 1, 1, "invalid questionnaire")])
    return q


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load a questionnaire file; raise DefinitionError listing every problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(
            [Problem(str(path), 1, 1, f"cannot read file: {exc.strerror}")]
        ) from None
    return load_questionnaire_text(text, str(path))


def check_paths(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in the given questionnaire files (a missing file is a problem too)."""
    problems: list[Problem] = []
    for path in paths:
        try:
            load_questionnaire(path)
        except DefinitionError as exc:
            problems.extend(exc.problems)
    return problems
