"""The sandbox: evaluate a source against typed answers or a saved discovery/lead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.errors import (
    InvalidInput,
)
from recommender.questionnaire import MISSING
from recommender.services import scenarios as scenario_runner
from recommender.services.authoring.sources import compiled_source
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
