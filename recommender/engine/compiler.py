"""Compile a checked Ruleset to durable_rules and evaluate answer sets with it."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from recommender.engine import cond
from recommender.engine.durable import RuleShards, normalise_facts
from recommender.engine.model import Ruleset
from recommender.engine.result import Result, ResultBuilder

if TYPE_CHECKING:
    from recommender.questionnaire import Questionnaire


class CompiledRuleset:
    """A ruleset compiled into durable shards. Thread safe; frees its shards when collected."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        compiled = [
            (rule.id, cond.to_durable(rule.condition, ruleset.sets)) for rule in ruleset.rules
        ]
        self.shards = RuleShards(compiled, label=ruleset.name) if compiled else None
        # Rules durable cannot take (DNF explosion) are decided by conditions.evaluate.
        self.python_rules = list(self.shards.unsupported) if self.shards is not None else []
        self.builder = ResultBuilder(ruleset)

    @property
    def name(self) -> str:
        return self.ruleset.name

    @property
    def version(self) -> int:
        return self.ruleset.version

    def fire(self, facts: Mapping[str, Any]) -> list[int]:
        """Indexes of the rules whose condition holds for `facts` (typed answers + derived)."""
        if self.shards is None:
            return []
        fired = self.shards.fired(normalise_facts(facts), normalised=True)
        if self.python_rules:
            rules, sets = self.ruleset.rules, self.ruleset.sets
            extra = [i for i in self.python_rules if cond.evaluate(rules[i].condition, facts, sets)]
            if extra:
                fired = sorted(fired + extra)
        return fired

    def evaluate(
        self,
        answers: Mapping[str, Any],
        questionnaire: Questionnaire | None = None,
        *,
        open_questions: bool = True,
    ) -> Result:
        """Evaluate typed, visible answers (FactError for values the engine must not see)."""
        normalise_facts(answers)  # fail early, before any rule fires
        return self.builder.build(answers, self.fire, questionnaire, open_questions)

    def close(self) -> None:
        """Free the durable rulesets now (otherwise done when garbage collected)."""
        if self.shards is not None:
            self.shards.close()


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    """Compile through the durable wrapper (shards, guards and warm-up included)."""
    return CompiledRuleset(ruleset)


class CompiledCache:
    """Compiled rulesets keyed by (name, version, checksum); one live compilation per name.

    Replacing a name's entry drops the old compilation; its durable rulesets are freed
    (delete_ruleset) as soon as no evaluation still holds it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, tuple[tuple[str, int, str], CompiledRuleset]] = {}

    def get(self, ruleset: Ruleset) -> CompiledRuleset:
        key = (ruleset.name, ruleset.version, ruleset.checksum)
        with self._lock:
            entry = self._by_name.get(ruleset.name)
            if entry is not None and entry[0] == key:
                return entry[1]
        compiled = compile_ruleset(ruleset)
        with self._lock:
            entry = self._by_name.get(ruleset.name)
            if entry is not None and entry[0] == key:
                compiled.close()
                return entry[1]
            self._by_name[ruleset.name] = (key, compiled)
        return compiled

    def keys(self) -> list[tuple[str, int, str]]:
        with self._lock:
            return [key for key, _ in self._by_name.values()]

    def clear(self) -> None:
        with self._lock:
            self._by_name.clear()
