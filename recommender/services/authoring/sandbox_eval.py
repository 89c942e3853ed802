"""The sandbox: evaluate a source against the questionnaire rendered as a form, typed
`answer_id: value` lines or a saved discovery/lead (which can also fill the form), with the
full result, the trace and "why not X" for any product."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.errors import (
    InvalidInput,
)
from recommender.questionnaire import MISSING, InvalidAnswer
from recommender.questionnaire.forms import build_section_form, raw_value
from recommender.services import scenarios as scenario_runner
from recommender.services.authoring.sources import _located, compiled_source
from recommender.services.authoring.subjects import subject
from recommender.yamlpos import YamlError, load_yaml


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


# --------------------------------------------------------------------------- the form


@dataclass
class SandboxRun:
    """One sandbox evaluation, for the page: the result and trace (None when the answers
    have errors), the visible answers evaluated, every answer as entered or loaded (the form
    shows them), per-question errors, and the "why not" explanation of a chosen product."""

    result: dict[str, Any] | None
    answers: dict[str, Any]
    entered: dict[str, Any]
    label: str
    questionnaire: Any
    errors: dict[str, str] = field(default_factory=dict)
    why_not: dict[str, Any] | None = None


MODES = ("form", "text", "load")


def run_sandbox(
    name: str,
    source: str,
    *,
    mode: str,
    data_files: Mapping[str, str] | None = None,
    formdata: Any = None,
    answers_text: str = "",
    kind: str | None = None,
    subject_id: int | None = None,
    why_not: str | None = None,
) -> SandboxRun:
    """Evaluate a source (with its data files) in one of three ways: `form` (the
    questionnaire form's fields in `formdata`, each coerced by the questionnaire; invalid
    ones come back in `errors` next to their field), `text` (typed `answer_id: value` lines;
    InvalidInput on errors) or `load` (a saved discovery or lead, whose answers then fill the
    form). With `why_not`, also explain that product ("why not X"), with the same answers
    and the same compiled ruleset."""
    if mode not in MODES:
        raise InvalidInput(f"Unknown sandbox mode '{mode}'.")
    with compiled_source(source, name, data_files) as (compiled, questionnaire):
        errors: dict[str, str] = {}
        q = questionnaire
        if mode == "load":
            if not kind or subject_id is None:
                raise InvalidInput("Choose a saved discovery or lead to load its answers.")
            subj = subject(kind, subject_id)
            entered, label = dict(subj.answers), f"{kind} {subj.label}"
            q = subj.questionnaire or questionnaire
        elif mode == "text":
            entered = parse_sandbox_answers(answers_text, questionnaire)
            label = "typed answers"
        else:
            entered, errors = form_answers(questionnaire, formdata)
            label = "the answers in the form"
        answers = q.visible_answers(entered) if q is not None else dict(entered)
        if errors:
            return SandboxRun(None, answers, entered, label, q, errors)
        result: dict[str, Any] = compiled.evaluate(answers, q).to_dict()
        explanation = None
        if why_not:
            explanation = dict(compiled.why_not(answers, why_not, q))
    return SandboxRun(result, answers, entered, label, q, errors, explanation)


def form_answers(questionnaire: Any, formdata: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed answers from the questionnaire form's fields (named by question id), and a
    message per question whose value the questionnaire refuses. Empty fields are
    unanswered."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if questionnaire is None or formdata is None:
        return answers, errors
    for qid, question in questionnaire.questions.items():
        try:
            value = questionnaire.coerce(qid, raw_value(question, formdata))
        except InvalidAnswer as exc:
            errors[qid] = exc.message
            continue
        if value is not MISSING:
            answers[qid] = value
    return answers, errors


@dataclass
class FormItem:
    question: Any
    field: Any  # the WTForms field, filled with the answer
    hidden: bool  # hidden by its show_if with these answers (then not evaluated)


@dataclass
class FormSection:
    id: str
    title: str
    items: list[FormItem]
    answered: int
    has_errors: bool


def form_sections(
    questionnaire: Any, answers: Mapping[str, Any], errors: Mapping[str, str] | None = None
) -> list[FormSection]:
    """The questionnaire as the sandbox's form: one section each (the workspace's WTForms
    fields, filled with `answers`), every question shown, those its `show_if` hides with
    these answers marked."""
    if questionnaire is None:
        return []
    errors = errors or {}
    visible = set(questionnaire.visible_question_ids(questionnaire.visible_answers(dict(answers))))
    out = []
    for section in questionnaire.sections:
        form = build_section_form(questionnaire, section.id, answers)()
        items = []
        for fld in form:
            question = questionnaire.questions[fld.name]
            if fld.name in errors:
                fld.errors = [errors[fld.name]]
            items.append(FormItem(question, fld, fld.name not in visible))
        out.append(
            FormSection(
                section.id,
                getattr(section, "title", "") or section.id,
                items,
                sum(1 for i in items if i.question.id in answers),
                any(i.question.id in errors for i in items),
            )
        )
    return out


def products_of(source: str) -> list[tuple[str, str]]:
    """(id, name) of the products a source lists, for the "why not" picker."""
    located = _located(source, "x")
    products = located.data.get("products") if located is not None else None
    return [
        (str(p["id"]), str(p.get("name") or p["id"]))
        for p in products or []
        if isinstance(p, dict) and isinstance(p.get("id"), str)
    ]
