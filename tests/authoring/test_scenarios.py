"""The stored-scenario runner: parsing with line numbers, the step vocabulary, coverage data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.services import scenarios as sc

DATA = Path(__file__).parent / "data"
TYPES = {
    "business_model": "single",
    "channels": "multi",
    "annual_volume_usd": "money",
    "pays_out_third_parties": "boolean",
    "store_count": "integer",
}


@pytest.fixture(scope="module")
def evaluate() -> Iterator[Any]:
    ruleset = load_ruleset_text((DATA / "rules" / "demo.yaml").read_text(), "demo.yaml")
    compiled = compile_ruleset(ruleset)
    yield lambda answers: compiled.evaluate(answers).to_dict()
    compiled.close()


def test_seed_feature_passes_and_reports_fired_rules(evaluate: Any) -> None:
    report = sc.run_scenarios((DATA / "features" / "demo.feature").read_text(), evaluate, TYPES)
    assert report.problems == []
    assert [r.passed for r in report.results] == [True, True]
    assert report.ok
    assert report.results[0].fired_rules == ["checkout-for-web"]
    assert {"enterprise-volume", "fraud-team-for-enterprise"} <= report.fired_rules()


def test_failing_expectation_names_its_line_and_what_was_found(evaluate: Any) -> None:
    text = """Feature: f
  Scenario: wrong
    Given the answers:
      | answer   | value |
      | channels | web   |
    When the recommendation is evaluated
    Then the products include terminal
    And the risk high_volume_review is flagged
    And the product checkout is excluded
    And the derived fact segment is enterprise
"""
    report = sc.run_scenarios(text, evaluate, TYPES)
    (result,) = report.results
    assert not result.passed and not report.ok
    lines = [f.line for f in result.failures]
    assert lines == [7, 8, 9, 10]
    assert "got checkout" in result.failures[0].message
    assert "not derived" in result.failures[3].message


def test_syntax_errors_and_unknown_steps_are_problems_at_their_line() -> None:
    text = "Feature: f\n  Scenario: s\n    Given the answers:\n      | answer | value |\n    Then the moon is blue\n  nonsense here\n"
    _, problems = sc.parse_scenarios(text, "x.feature")
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(6, "Gherkin")]
    _, problems = sc.parse_scenarios(text.replace("  nonsense here\n", ""), "x.feature")
    assert [(p.line, p.message) for p in problems] == [(5, "unknown step 'Then the moon is blue'")]


def test_several_features_outlines_and_backgrounds(evaluate: Any) -> None:
    text = """Feature: one
  Background:
    Given the answers:
      | answer         | value |
      | business_model | saas  |

  Scenario Outline: channel <ch>
    Given the answers:
      | answer   | value |
      | channels | <ch>  |
    Then the products include <p>

    Examples:
      | ch            | p                 |
      | web           | billing, checkout |
      | web, no_code  | billing           |

@tagged
Feature: two
  Scenario: marketplace
    Given the answers:
      | answer         | value       |
      | business_model | marketplace |
    Then the risk connect_platform_liability is flagged with severity medium
"""
    report = sc.run_scenarios(text, evaluate, TYPES)
    assert report.problems == []
    assert [(r.name, r.line, r.passed) for r in report.results] == [
        ("channel web (ch=web, p=billing, checkout)", 15, True),
        ("channel web, no_code (ch=web, no_code, p=billing)", 16, True),
        ("marketplace", 20, True),
    ]
    assert report.results[2].feature == "two"


def test_typed_values_from_table_cells() -> None:
    answers, errors = sc.answers_from_table(
        [
            ["answer", "value"],
            ["channels", "web, in_person"],
            ["pays_out_third_parties", "true"],
            ["annual_volume_usd", "1_500_000.5"],
            ["store_count", "3"],
            ["business_model", "saas"],
            ["nope", "x"],
        ],
        TYPES,
    )
    assert answers == {
        "channels": ["web", "in_person"],
        "pays_out_third_parties": True,
        "annual_volume_usd": 1500000.5,
        "store_count": 3,
        "business_model": "saas",
    }
    assert errors == ["unknown answer id 'nope'"]
    _, errors = sc.answers_from_table([["store_count", "2.5"], ["pays_out_third_parties", "yes"]], TYPES)
    assert len(errors) == 2


def test_evaluation_error_is_a_failure_not_a_crash() -> None:
    def broken(_: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    report = sc.run_scenarios(
        "Feature: f\n  Scenario: s\n    When the recommendation is evaluated\n", broken, TYPES
    )
    assert not report.ok
    assert report.results[0].failures[0].message == "evaluation failed: boom"


def test_gherkin_syntax_errors_are_explained_in_the_authors_words() -> None:
    text = (
        "Feature: f\n  Scenario: s\n    Given the answers:\n      | answer | value |\n"
        "      | channels | web |\n    Whenn the recommendation is evaluated\n"
    )
    _, problems = sc.parse_scenarios(text, "x.feature")
    assert [(p.line, p.col) for p in problems] == [(6, 5)]
    message = problems[0].message
    assert "#EOF" not in message and "#StepLine" not in message
    assert "'Whenn the recommendation is evaluated' is not a step" in message
    assert "Given, When, Then, And or But" in message
    _, problems = sc.parse_scenarios("Scenario: s\n    Given x\n", "x.feature")
    assert problems[0].message == "Gherkin: expected a 'Feature:' line before 'Scenario: s'"
    _, problems = sc.parse_scenarios('Feature: f\n  Scenario: s\n    Given a\n      """\n      text\n', "x.feature")
    assert "#" not in problems[0].message and '"""' in problems[0].message


def test_a_number_cell_that_is_not_a_number_says_so() -> None:
    _, errors = sc.answers_from_table([["annual_volume_usd", "lots"], ["store_count", ""]], TYPES)
    assert errors == [
        "answer 'annual_volume_usd': 'lots' is not a number (write 12000000, 12_000_000 or 0.75)",
        "answer 'store_count': '' is not a number (write 12000000, 12_000_000 or 0.75)",
    ]
