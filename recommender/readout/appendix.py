"""Appendix: the answers the design rests on (never internal derived facts), the open
questions, and the rules trace."""

from __future__ import annotations

from typing import Any

from recommender.questionnaire.forms import display_value
from recommender.readout.context import Context
from recommender.readout.text import capitalise, show_value


def key_labels(ctx: Context) -> dict[str, str]:
    return {
        q["id"]: str(q["label"])
        for area in ctx.design.data["key_questions"]
        for q in area["questions"]
    }


def answer_rows(ctx: Context) -> list[dict]:
    """Answered questions in questionnaire order with their labels and display values."""
    q = ctx.questionnaire
    if q is not None:
        return [
            {"id": qid, "label": question.label, "value": display_value(question, ctx.answers[qid])}
            for qid, question in q.questions.items()
            if qid in ctx.answers
        ]
    derived = set(ctx.derived)
    labels = key_labels(ctx)
    return [
        {
            "id": qid,
            "label": labels.get(qid, capitalise(qid.replace("_", " "))),
            "value": capitalise(show_value(qid, value, ctx.design.labels.get(qid))),
        }
        for qid, value in ctx.answers.items()
        if qid not in derived
    ]


def build(ctx: Context) -> dict[str, Any]:
    return {
        "answers": answer_rows(ctx),
        "open_questions": [
            {"id": o["id"], "label": o.get("label", o["id"])}
            for o in ctx.result.get("open_questions", [])
        ],
        "trace": list(ctx.result.get("trace", [])),
    }
