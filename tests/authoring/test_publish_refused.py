"""A publish refused by the scenarios says which ones: each failing scenario with its feature,
name and failing step message, and each line that does not parse with its line and column,
all linked to their lines in their feature's editor."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recommender.services import authoring

from .conftest import edit_source


def _save_scenarios(app: Flask, author_client: FlaskClient, change: Any) -> str:
    with app.app_context():
        scenarios = authoring.get_or_create_draft("demo", None).scenarios
    text = change(scenarios)
    author_client.post("/rulesets/demo/scenarios", data={"scenarios": text, "action": "save"})
    return str(text)


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_failing_scenarios_are_listed_with_feature_name_step_and_links(
    app: Flask, demo: Any, author_client: FlaskClient
) -> None:
    text = _save_scenarios(
        app,
        author_client,
        lambda s: s.replace("Then the products include checkout", "Then the products include terminal"),
    )
    resp = author_client.post("/rulesets/demo/publish", data={"note": "my note"})
    assert resp.status_code == 422
    body = html.unescape(resp.get_data(as_text=True))
    assert "Publishing refused:</strong>\n    1 of 2 scenarios fails" in body
    scenario_line = _line_of(text, "Scenario: A web seller gets Checkout")
    step_line = _line_of(text, "Then the products include terminal")
    row = re.search(r'<table class="refused-scenarios">.*?</table>', body, re.S)
    assert row is not None
    table = row.group(0)
    assert "<td>Demo ruleset</td>" in table  # the feature
    editor = "/rulesets/demo/scenarios/demo-ruleset"  # the only feature: its lines are the text's
    assert f'<a href="{editor}#L{scenario_line}C1">A web seller gets Checkout</a>' in table
    assert f'<a href="{editor}#L{step_line}C1">line {step_line}</a>: expected products to include terminal' in table
    assert "A large seller gets a fraud team" not in table  # it passes
    assert 'value="my note"' in body  # the note is kept for the next try
    with app.app_context():
        assert [r.version for r in authoring.history("demo")] == [1]
    # The feature's editor opens at a line given in the address.
    page = author_client.get(editor).get_data(as_text=True)
    assert "js/authoring_scenarios.js" in page


def test_scenarios_that_do_not_parse_are_listed_with_line_and_column(
    app: Flask, demo: Any, author_client: FlaskClient
) -> None:
    text = _save_scenarios(
        app,
        author_client,
        lambda s: s + (
            "\nFeature: typo\n  Scenario: t\n    Given the answers:\n      | answer | value |\n"
            "      | channels | web |\n    Whenn the recommendation is evaluated\n"
        ),
    )
    resp = author_client.post("/rulesets/demo/publish", data={"note": "x"})
    assert resp.status_code == 422
    body = html.unescape(resp.get_data(as_text=True))
    # The line within the feature it is in (the appended `typo` feature), linked to its editor.
    line = _line_of(text, "Whenn the recommendation") - _line_of(text, "Feature: typo") + 1
    assert "the scenarios have 1 problem (a part that does not parse is not run)" in body
    match = re.search(rf'<a href="/rulesets/demo/scenarios/typo#L{line}C(\d+)">typo, line {line}, column (\d+)</a>: ([^<]+)', body)
    assert match is not None, body[-2000:]
    assert match.group(1) == match.group(2) and "is not a step" in match.group(3)
    assert "Failing scenarios" not in body  # the scenarios that ran pass


def test_a_refused_rules_edit_still_goes_to_the_editor(app: Flask, demo: Any, author_client: FlaskClient) -> None:
    with app.app_context():
        source = authoring.get_or_create_draft("demo", None).source
    author_client.post("/rulesets/demo/edit", data={"source": edit_source(source, "when: business_model == saas\n", "when: business_model == sass\n")})
    resp = author_client.post("/rulesets/demo/publish", data={"note": "x"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/rulesets/demo/edit")
