"""Evaluate answers or a discovery with the active (or a given) published ruleset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from recommender.engine import CompiledRuleset, Result
from recommender.errors import NotFound
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
    """Evaluate the visible answers of `questionnaire` (hidden answers are dropped first;
    a `None` value is unanswered)."""
    compiled = _compiled(ruleset_name, version)
    visible = questionnaire.visible_answers(dict(answers))
    return compiled.evaluate(visible, questionnaire)


def _compiled(ruleset_name: str, version: int | None) -> CompiledRuleset:
    """The active (None) or a given published version, compiled (NotFound when missing)."""
    if version is None:
        return rulesets.active_compiled(ruleset_name)[1]
    return rulesets.version_compiled(ruleset_name, version)[1]


def evaluate_discovery(discovery: Discovery) -> Result:
    """Evaluate a discovery's stored answers with its pinned questionnaire version."""
    from recommender.services import questionnaires

    questionnaire = questionnaires.questionnaire_for(discovery.questionnaire_version)
    return evaluate_answers(questionnaire, _stored_answers(discovery))


def _stored_answers(discovery: Discovery) -> dict[str, Any]:
    """A discovery's stored answers (a stored null is unanswered: left out)."""
    rows = db.session.scalars(select(Answer).where(Answer.discovery_id == discovery.id))
    return {row.question_id: row.value for row in rows if row.value is not None}


def why_not(
    questionnaire: Any,
    answers: Mapping[str, Any],
    product_id: str,
    ruleset_name: str = DEFAULT_RULESET,
    version: int | None = None,
) -> dict[str, Any]:
    """Why not X, for the visible answers of `questionnaire` with the active (None) or a
    given published version: see `CompiledRuleset.why_not`. NotFound (404) with a clear
    message for a product that is not in that version's catalogue."""
    compiled = _compiled(ruleset_name, version)
    visible = questionnaire.visible_answers(dict(answers))
    explained = compiled.why_not(visible, product_id, questionnaire)
    if explained["status"] == "unknown":
        raise NotFound(explained["summary"])
    return explained


def why_not_discovery(discovery: Discovery, product_id: str) -> dict[str, Any]:
    """`why_not` for a discovery's stored answers with its pinned questionnaire version and
    the active ruleset (what its panel shows)."""
    from recommender.services import questionnaires

    questionnaire = questionnaires.questionnaire_for(discovery.questionnaire_version)
    return why_not(questionnaire, _stored_answers(discovery), product_id)
