"""Rulesets: load and check rules/*.yaml, compile them to durable_rules, evaluate answers.

No Flask imports here; only `recommender.engine.durable` touches durable_rules.
"""

from __future__ import annotations

from recommender.engine.compiler import CompiledCache, CompiledRuleset, compile_ruleset
from recommender.engine.durable import EngineError, FactError
from recommender.engine.loader import (
    check_ruleset_paths,
    load_ruleset,
    load_ruleset_text,
    questionnaire_id_of,
)
from recommender.engine.model import Bundle, DerivedFact, Effect, Product, Risk, Rule, Ruleset
from recommender.engine.result import MAX_ROUNDS, ChainError, Result

__all__ = [
    "MAX_ROUNDS",
    "Bundle",
    "ChainError",
    "CompiledCache",
    "CompiledRuleset",
    "DerivedFact",
    "Effect",
    "EngineError",
    "FactError",
    "Product",
    "Result",
    "Risk",
    "Rule",
    "Ruleset",
    "check_ruleset_paths",
    "compile_ruleset",
    "load_ruleset",
    "load_ruleset_text",
    "questionnaire_id_of",
]
