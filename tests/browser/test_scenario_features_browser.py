"""Scenarios feature by feature in Debian's chromium: add two features, open one in its own
editor, break a step, save and run it, and follow the failure's link to its line; the
features list shows the run and links the failure to the same line.

The test imports its own small ruleset (a unique name, on the sa_discovery questionnaire)
into the session's live database, so other browser tests keep the default ruleset as is.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp/recommender-screenshots")

RULES = """\
name: {name}
version: 1
title: Scenario features test
questionnaire: sa_discovery
products:
  - id: checkout
    name: Stripe Checkout
    family: payments
  - id: terminal
    name: Stripe Terminal
    family: payments
rules:
  - id: checkout-for-web
    when: channels contains web
    recommend:
      - product: checkout
        because: "Sells on the web."
  - id: terminal-in-person
    when: channels contains in_person
    recommend:
      - product: terminal
        because: "Sells in person."
"""

WEB = """\
Feature: Web sellers
  Sellers on the web.

  Scenario: A web seller gets Checkout
    Given the answers:
      | answer   | value |
      | channels | web   |
    When the recommendation is evaluated
    Then the products include checkout
    And the products exclude terminal
"""

STORES = """\
Feature: Store sellers

  Scenario: A store gets Terminal
    Given the answers:
      | answer   | value     |
      | channels | in_person |
    When the recommendation is evaluated
    Then the products include terminal
"""


@pytest.fixture
def small_ruleset(cli: Callable[..., str], tmp_path: Path) -> str:
    name = f"features_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.yaml"
    path.write_text(RULES.format(name=name))
    cli("rules", "import", str(path), "--publish")
    return name


def _set_text(page: Any, text: str) -> None:
    page.evaluate(
        "t => document.querySelector('.CodeMirror[data-editor-for=\"scenarios-text\"]').CodeMirror.setValue(t)",
        text,
    )


def _cursor_line(page: Any) -> int:
    return int(page.evaluate(
        "() => document.querySelector('.CodeMirror[data-editor-for=\"scenarios-text\"]').CodeMirror.getCursor().line"
    )) + 1


def test_open_a_feature_break_a_step_run_it_and_follow_the_failure_to_its_line(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    small_ruleset: str,
) -> None:
    name = small_ruleset
    base = f"{live_server.url}/rulesets/{name}/scenarios"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    login_page(page, *demo_users["author"])

    # Two features, added one after the other.
    for text in (WEB, STORES):
        page.goto(base)
        page.get_by_role("link", name="Add a feature").click()
        page.wait_for_url(f"{base}/new")
        _set_text(page, text)
        with page.expect_navigation():
            page.get_by_role("button", name="Add the feature").click()
    assert page.url == f"{base}/store-sellers"

    page.goto(base)
    rows = page.locator("table.scenario-features tbody tr")
    assert rows.count() == 2
    assert "2 features, 2 scenarios" in page.locator("main").inner_text()

    # Open the first feature: only its text is in the editor.
    page.get_by_role("link", name="Web sellers", exact=True).first.click()
    page.wait_for_url(f"{base}/web-sellers")
    value = page.evaluate(
        "() => document.querySelector('.CodeMirror[data-editor-for=\"scenarios-text\"]').CodeMirror.getValue()"
    )
    assert value == WEB and "Store sellers" not in value

    # Break a step, save and run only this feature.
    broken = WEB.replace("Then the products include checkout", "Then the products include terminal")
    _set_text(page, broken)
    with page.expect_navigation() as ran:
        page.get_by_role("button", name="Save and run this feature").click()
    assert ran.value.status == 200
    results = page.locator("#scenario-results")
    assert "0 passed, 1 failed" in results.inner_text()
    failure = results.locator("li.fail ul a.problem-link").first
    line = broken.splitlines().index("    Then the products include terminal") + 1
    assert failure.inner_text() == f"line {line}"
    assert "expected products to include terminal" in results.locator("li.fail ul li").first.inner_text()
    assert "A store gets Terminal" not in results.inner_text()  # only this feature ran
    page.screenshot(path=str(SCREENSHOT_DIR / "scenario-feature-failed.png"), full_page=True)

    # The failure's link puts the cursor on its line.
    failure.click()
    assert _cursor_line(page) == line

    # The features list: Run for this feature, the failure links to the same line.
    page.goto(base)
    page.get_by_role("button", name="Run Web sellers").click()
    page.wait_for_load_state()
    row = page.locator("tr#feature-web-sellers")
    assert "0 passed, 1 failed" in row.inner_text()
    assert "not run since its last change" in page.locator("tr#feature-store-sellers").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "scenario-features-list.png"), full_page=True)
    link = page.locator("#scenario-results").get_by_role("link", name=f"line {line}")
    assert link.get_attribute("href") == f"/rulesets/{name}/scenarios/web-sellers#L{line}C1"
    link.click()
    page.wait_for_url(f"{base}/web-sellers#L{line}C1")
    page.wait_for_function(
        "() => { const w = document.querySelector('.CodeMirror[data-editor-for=\"scenarios-text\"]');"
        " return w && w.CodeMirror && w.CodeMirror.hasFocus(); }"
    )
    assert _cursor_line(page) == line

    # The other feature was not touched.
    page.goto(f"{base}/store-sellers")
    stored = page.evaluate(
        "() => document.querySelector('.CodeMirror[data-editor-for=\"scenarios-text\"]').CodeMirror.getValue()"
    )
    assert stored == STORES, json.dumps(stored)
