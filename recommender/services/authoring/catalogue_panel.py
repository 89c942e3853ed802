"""The editor's side panel: answer ids and options, products, risks, derived facts, sets."""

from __future__ import annotations

from typing import Any

from recommender.questionnaire.forms import option_pairs
from recommender.services.authoring.sources import _located, questionnaire_for_source


def catalogue(source: str) -> dict[str, Any]:
    """Side-panel data: the questionnaire's answer ids and options, products and risks."""
    located = _located(source, "x")
    data = located.data if located else {}
    questionnaire = questionnaire_for_source(source)
    questions = []
    if questionnaire is not None:
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
