"""Scenarios stored with a ruleset version, run against a source (and the coverage view)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from recommender.errors import (
    RecommenderError,
)
from recommender.services import scenarios as scenario_runner
from recommender.services.authoring.sources import compiled_source, question_types, rules_of

SCENARIOS_PATH = "scenarios.feature"


class ScenariosFailed(RecommenderError):
    """Publishing refused: some stored scenarios fail (or do not parse)."""

    status = 422

    def __init__(self, report: scenario_runner.RunReport) -> None:
        self.report = report
        self.problems = list(report.problems)
        lines = [str(p) for p in report.problems]
        for r in report.results:
            if not r.passed:
                for f in r.failures:
                    lines.append(f"{SCENARIOS_PATH}:{f.line}: scenario '{r.name}': {f.message}")
        super().__init__("Publishing refused: scenarios fail.\n" + "\n".join(lines))


def run_scenarios(
    name: str, source: str, scenarios: str, data_files: Mapping[str, str] | None = None
) -> scenario_runner.RunReport:
    """Run stored scenarios against a source with its data files (DefinitionError when
    either is broken)."""
    return run_texts(name, source, [scenarios], data_files)[0]


def run_texts(
    name: str, source: str, texts: list[str], data_files: Mapping[str, str] | None = None
) -> list[scenario_runner.RunReport]:
    """Run several scenario texts (the features of a draft, each on its own, with lines
    counted from its own first line) against one compiled source."""
    with compiled_source(source, name, data_files) as (compiled, questionnaire):

        def evaluate(answers: dict[str, Any]) -> dict[str, Any]:
            result: dict[str, Any] = compiled.evaluate(answers, questionnaire).to_dict()
            return result

        visible = questionnaire.visible_answers if questionnaire is not None else None
        ruleset = compiled.ruleset
        known = scenario_runner.Catalogue(
            frozenset(ruleset.products), frozenset(ruleset.risks), frozenset(ruleset.derived)
        )
        types = question_types(questionnaire)
        return [
            scenario_runner.run_scenarios(text, evaluate, types, visible, SCENARIOS_PATH, known)
            for text in texts
        ]


@dataclass
class Coverage:
    rules: list[tuple[str, int]]  # (rule id, line) in file order
    fired: dict[str, list[str]]  # rule id -> scenario names that fired it
    report: scenario_runner.RunReport

    @property
    def unfired(self) -> list[tuple[str, int]]:
        return [(rid, line) for rid, line in self.rules if not self.fired.get(rid)]


def coverage(
    name: str, source: str, scenarios: str, data_files: Mapping[str, str] | None = None
) -> Coverage:
    report = run_scenarios(name, source, scenarios, data_files)
    fired: dict[str, list[str]] = {}
    for result in report.results:
        for rule in result.fired_rules:
            fired.setdefault(rule, []).append(result.name)
    rules = [(rule["id"], line) for rule, line in rules_of(source)]
    return Coverage(rules, fired, report)
