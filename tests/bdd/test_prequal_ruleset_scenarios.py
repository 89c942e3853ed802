"""Runs features/ruleset/prequalification.feature against rules/prequalification.yaml.

Same step vocabulary as the default ruleset's scenarios (tests/bdd/ruleset_steps.py); the
fixtures the steps ask for are bound here to the pre-qualification questionnaire and ruleset.
"""

from __future__ import annotations

from typing import Any

import pytest
import recommender_tests_ruleset_steps as steps  # noqa: E402 (registered by conftest.py)
from pytest_bdd import scenarios

from recommender.engine import compile_ruleset, load_ruleset
from recommender.questionnaire import load_questionnaire

steps.install_steps()

scenarios("ruleset/prequalification.feature")


@pytest.fixture(scope="module")
def sa_questionnaire() -> Any:
    return load_questionnaire(steps.ROOT / "forms" / "prequalification.yaml")


@pytest.fixture(scope="module")
def prequal_ruleset(sa_questionnaire: Any) -> Any:
    return load_ruleset(steps.ROOT / "rules" / "prequalification.yaml", sa_questionnaire)


@pytest.fixture(scope="module")
def stripe_catalogue(prequal_ruleset: Any) -> Any:
    return steps.Catalogue.of(prequal_ruleset)


@pytest.fixture(scope="module")
def compiled_stripe(prequal_ruleset: Any) -> Any:
    return compile_ruleset(prequal_ruleset)
