"""Evaluate answers or a discovery with the active (or a given) published ruleset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from recommender.engine import Result
from recommender.extensions import db
from recommender.models import Answer, Discovery
from recommender.services import rulesets

DEFAULT_RULESET = "stripe"


def evaluate_answers(
    questionnaire: Any,
    answers: Mapping[str, Any],
    ruleset_name: str = DEFAULT_RULESET,
    version: int | None = None,
) -> Result:
    """Evaluate the visible answers of `questionnaire` (hidden answers are dropped first)."""
    if version is None:
        _, compiled = rulesets.active_compiled(ruleset_name)
    else:
        _, compiled = rulesets.version_compiled(ruleset_name, version)
    visible = questionnaire.visible_answers(dict(answers))
    return compiled.evaluate(visible, questionnaire)


def evaluate_discovery(discovery: Discovery) -> Result:
    """Evaluate a discovery's stored answers with its pinned questionnaire version."""
    from recommender.services import questionnaires

    questionnaire = questionnaires.questionnaire_for(discovery.questionnaire_version)
    rows = db.session.scalars(select(Answer).where(Answer.discovery_id == discovery.id))
    answers = {row.question_id: row.value for row in rows if row.value is not None}
    return evaluate_answers(questionnaire, answers)
