"""Questionnaires: load and check forms/*.yaml, coerce answers, decide visibility.

Format: docs/questionnaires.md. No Flask imports (the WTForms glue lives in `forms.py`).
"""

from __future__ import annotations

from recommender.questionnaire.loader import (
    check_paths,
    load_questionnaire,
    load_questionnaire_text,
)
from recommender.questionnaire.model import (
    CONDITION_SETS,
    MISSING,
    TYPES,
    InvalidAnswer,
    Option,
    Question,
    Questionnaire,
    Section,
    coerce_value,
)

__all__ = [
    "CONDITION_SETS",
    "MISSING",
    "TYPES",
    "InvalidAnswer",
    "Option",
    "Question",
    "Questionnaire",
    "Section",
    "check_paths",
    "coerce_value",
    "load_questionnaire",
    "load_questionnaire_text",
]
