"""Ask next: the visible unanswered questions ranked by what their answer could change.

Each question is made unknown in turn (`whatif.WhatIf.reach`: three-valued rule outcomes,
derived and computed facts, answered questions its answer could hide through `show_if`);
`could_change` lists the products and risks that could come or go, an excluded product
included when its exclusion could stop firing, and the design facts (derived facts such as
`segment`, `markets` for the per-market plan) whose value could change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from recommender.engine.data import INPUTS
from recommender.engine.whatif import MARKETS, MARKETS_LABEL, Visibility, WhatIf

if TYPE_CHECKING:
    from recommender.engine.result import ResultBuilder
    from recommender.questionnaire import Questionnaire

CHANGE_KINDS = ("add_products", "remove_products", "add_risks", "remove_risks", "change_facts")


def open_questions(
    builder: ResultBuilder,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    facts: Mapping[str, Any],
    fired: set[int],
    recommended: set[str],
    flagged: set[str],
) -> list[dict[str, Any]]:
    """Visible unanswered questions that could change something, most first.

    Ranked by `score` (products + risks + design facts that could change), then products,
    then risks, then questionnaire order: stable and deterministic.
    """
    whatif = WhatIf(builder, answers, facts, fired, questionnaire)
    askable = _askable(builder, whatif.visibility)
    ranked: list[tuple[tuple[int, int, int, int], dict[str, Any]]] = []
    for order, qid in enumerate(questionnaire.visible_question_ids(dict(answers))):
        if qid in answers or qid not in askable:
            continue
        change = whatif.changes(whatif.reach(qid), recommended, flagged)
        products = len(change["add_products"]) + len(change["remove_products"])
        risks = len(change["add_risks"]) + len(change["remove_risks"])
        design = len(change["change_facts"])
        score = products + risks + design
        if score == 0:
            continue
        question = questionnaire.questions[qid]
        entry = {
            "id": qid,
            "label": getattr(question, "label", qid),
            "could_change": {k: sorted(change[k]) for k in CHANGE_KINDS},
            "score": score,
            "summary": change_summary(builder, change),
        }
        ranked.append(((-score, -products, -risks, order), entry))
    ranked.sort(key=lambda item: item[0])
    return [entry for _, entry in ranked]


def _askable(builder: ResultBuilder, visibility: Visibility | None) -> frozenset[str]:
    """The ids whose answer could change something: read by a rule, by a computed fact or
    the per-market plan, or by a `show_if` (kept on the questionnaire's `Visibility`)."""
    if visibility is not None and visibility.askable is not None:
        return visibility.askable
    plan_inputs = set(INPUTS) if builder.market_data is not None else set()
    readers = visibility.readers if visibility is not None else {}
    askable = frozenset(
        builder.rules_by_field.keys()
        | builder.computed_by_input.keys()
        | plan_inputs
        | readers.keys()
    )
    if visibility is not None:
        visibility.askable = askable
    return askable


def fact_label(builder: ResultBuilder, name: str) -> str:
    """How the panel names a design fact: "the customer segment" for a fact with values,
    “Platform or marketplace” (quoted, without a parenthesis) for a yes/no fact."""
    if name == MARKETS:
        return "the " + MARKETS_LABEL
    fact = builder.ruleset.derived.get(name)
    label = (fact.label if fact is not None else "") or name.replace("_", " ")
    label = label.split(" (", 1)[0].strip() or label
    if fact is not None and fact.type == "boolean":
        return f"“{label}”"
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        label = label[0].lower() + label[1:]
    return "the " + label


def change_summary(builder: ResultBuilder, change: Mapping[str, Any]) -> str:
    """The panel's words for a change: `could change 2 products, 1 risk and the customer
    segment` (empty when nothing could change)."""

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    parts = []
    products = len(change["add_products"]) + len(change["remove_products"])
    risks = len(change["add_risks"]) + len(change["remove_risks"])
    facts = sorted(change["change_facts"])
    if products:
        parts.append(count(products, "product"))
    if risks:
        parts.append(count(risks, "risk"))
    if len(facts) == 1:
        parts.append(fact_label(builder, facts[0]))
    elif facts:
        parts.append(count(len(facts), "design fact"))
    if not parts:
        return ""
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return "could change " + text
