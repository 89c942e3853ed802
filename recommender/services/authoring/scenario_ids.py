"""The ids a draft's scenarios may name (products, risks, derived facts, answer ids), for
checking scenario text when it is saved (services/scenarios.parse_scenarios), without
compiling the ruleset."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.errors import DefinitionError, Problem
from recommender.models import RulesetVersion
from recommender.services import scenarios as scenario_runner
from recommender.services.authoring.scenario_runs import SCENARIOS_PATH
from recommender.services.authoring.sources import load_checked, question_types


def scenario_ids(
    name: str, source: str, data_files: Mapping[str, str] | None
) -> tuple[scenario_runner.Catalogue | None, dict[str, str] | None]:
    """(the ruleset's ids, answer id -> question type) of a source with its data files;
    (None, None) when the source has problems (they are reported on their own)."""
    try:
        ruleset, questionnaire = load_checked(source, name, dict(data_files or {}))
    except DefinitionError:
        return None, None
    known = scenario_runner.Catalogue(
        frozenset(ruleset.products),
        frozenset(ruleset.risks),
        frozenset(ruleset.derived),
        frozenset(n for n, f in ruleset.derived.items() if f.type == "boolean"),
    )
    return known, question_types(questionnaire) or None


def scenario_problems(name: str, draft: RulesetVersion, text: str | None = None) -> list[Problem]:
    """The problems of scenario text (the draft's own when `text` is None), ids included,
    checked against the draft's ruleset (a feature editor's text and the whole text alike)."""
    known, types = scenario_ids(name, draft.source, draft.data_files)
    scenarios = draft.scenarios or "" if text is None else text
    return scenario_runner.parse_scenarios(scenarios, SCENARIOS_PATH, known, types)[1]
