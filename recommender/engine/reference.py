"""Plain-Python reference evaluator: the same Result, with `conditions.evaluate` deciding
which rules fire instead of durable_rules. Used by tests and benchmarks only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from recommender.engine import cond, whynot
from recommender.engine.model import Ruleset
from recommender.engine.result import Fire, Result, ResultBuilder, drop_unanswered

if TYPE_CHECKING:
    from recommender.questionnaire import Questionnaire


class ReferenceEvaluator:
    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.builder = ResultBuilder(ruleset)

    def fire(self, facts: Mapping[str, Any], dependent_only: bool = False) -> list[int]:
        facts = drop_unanswered(facts)
        sets = self.ruleset.sets
        dependent = self.builder.dependent
        return [
            i
            for i, r in enumerate(self.ruleset.rules)
            if (not dependent_only or i in dependent) and cond.evaluate(r.condition, facts, sets)
        ]

    def evaluate(
        self,
        answers: Mapping[str, Any],
        questionnaire: Questionnaire | None = None,
        *,
        open_questions: bool = True,
    ) -> Result:
        answers = self.builder.augment(answers)
        return self.builder.build(answers, self.fire, questionnaire, open_questions)

    def why_not(
        self,
        answers: Mapping[str, Any],
        product_id: str,
        questionnaire: Questionnaire | None = None,
    ) -> dict[str, Any]:
        """`CompiledRuleset.why_not` with plain-Python rule matching."""
        return whynot.why_not(self.builder, answers, product_id, questionnaire, self._fire_for)

    def _fire_for(self, answers: Mapping[str, Any]) -> Fire:
        return self.fire


def evaluate(
    ruleset: Ruleset, answers: Mapping[str, Any], questionnaire: Questionnaire | None = None
) -> Result:
    """Evaluate `answers` with plain Python (the semantics' definition)."""
    return ReferenceEvaluator(ruleset).evaluate(answers, questionnaire)
