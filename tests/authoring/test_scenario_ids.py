"""Scenario text is checked for ids when it is saved: products, risks, derived facts and
answer ids a step names, each with a did-you-mean (a typo used to save as "No problems" and
surface only when run); a yes/no fact is expected as true or false, shown lowercase."""

from __future__ import annotations

from typing import Any

from flask import Flask

from recommender.services import authoring
from recommender.services import scenarios as sc

TYPOS = """Feature: typos
  Scenario: every kind of id misspelt
    Given the answers:
      | answer   | value |
      | chanels  | web   |
    When the recommendation is evaluated
    Then the products include checkuot
    And the risk high_volume_reviw is flagged
    And the derived fact segmnt is enterprise
    And the product stripe_terminal is excluded
"""


def test_saving_scenarios_checks_every_id_with_a_did_you_mean(app: Flask, demo: Any, author: Any) -> None:
    with app.app_context():
        saved = authoring.save_draft("demo", author, scenarios=TYPOS)
    got = [(p.line, p.message) for p in saved.scenario_problems]
    assert got == [
        (5, "unknown answer id 'chanels' (not a question of the questionnaire); did you mean 'channels'?"),
        (7, "unknown product 'checkuot' (not in the ruleset's catalogue); did you mean 'checkout'?"),
        (8, "unknown risk 'high_volume_reviw' (not in the ruleset's risk register); did you mean 'high_volume_review'?"),
        (9, "unknown derived fact 'segmnt' (not declared under derived:); did you mean 'segment'?"),
        (10, "unknown product 'stripe_terminal' (not in the ruleset's catalogue); did you mean 'terminal'?"),
    ]
    # Correct ids save clean.
    fixed = (
        TYPOS.replace("chanels ", "channels").replace("checkuot", "checkout")
        .replace("high_volume_reviw", "high_volume_review").replace("segmnt", "segment")
        .replace("stripe_terminal", "terminal")
    )
    with app.app_context():
        assert authoring.save_draft("demo", author, scenarios=fixed).scenario_problems == []


def test_parse_without_ids_checks_only_the_syntax() -> None:
    _, problems = sc.parse_scenarios(TYPOS, "x.feature")
    assert problems == []


YES_NO = """Feature: yes or no
  Scenario: a platform
    Given the answers:
      | answer | value |
    When the recommendation is evaluated
    Then the derived fact is_platform is maybe true
"""


def test_a_yes_no_fact_asks_for_true_or_false_when_saved_and_when_run() -> None:
    known = sc.Catalogue(frozenset(), frozenset(), frozenset({"is_platform"}), frozenset({"is_platform"}))
    _, problems = sc.parse_scenarios(YES_NO, "x.feature", known)
    assert [(p.line, p.message) for p in problems] == [
        (6, "the derived fact is_platform is yes or no: write true or false, not 'maybe true'")
    ]
    report = sc.run_scenarios(YES_NO, lambda answers: {"derived": {"is_platform": True}}, {})
    (failure,) = report.results[0].failures
    assert failure.message == (
        "the derived fact is_platform is yes or no: write true or false, not 'maybe true' "
        "(it is true here)"
    )
    wrong = sc.run_scenarios(
        YES_NO.replace("maybe true", "false"), lambda answers: {"derived": {"is_platform": True}}, {}
    )
    assert wrong.results[0].failures[0].message == "expected derived fact is_platform = false; got true"


def test_both_scenario_editors_show_the_id_problems(
    app: Flask, demo: Any, author: Any, author_client: Any
) -> None:
    """The whole-text editor and the one-feature editor both list them (one check)."""
    import html

    with app.app_context():
        authoring.save_draft("demo", author, scenarios=TYPOS)
    for url in ("/rulesets/demo/scenarios/all", "/rulesets/demo/scenarios/typos"):
        body = html.unescape(author_client.get(url).get_data(as_text=True))
        assert "unknown product 'checkuot'" in body and "did you mean 'checkout'?" in body, url
