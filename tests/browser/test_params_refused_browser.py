"""The Parameters form in Debian's chromium: a value that would make a rule impossible
("Dispute rate worth watching" above "High dispute rate") is refused on the page itself,
with an error summary at the top linking to the field, the field focused and the typed
value kept; nothing is saved."""

from __future__ import annotations

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
title: Refused parameters test
questionnaire: sa_discovery
params:
  # Fraud
  - id: dispute_rate_high
    label: High dispute rate
    type: percent
    value: 0.75
    min: 0
    max: 100
  - id: dispute_rate_watch
    label: Dispute rate worth watching
    type: percent
    value: 0.5
    min: 0
    max: 100
products:
  - id: radar_fraud_teams
    name: Radar for Fraud Teams
    family: fraud
risks:
  - id: high_dispute_rate
    title: High dispute rate
    severity: high
    mitigation: Watch the dispute rate.
rules:
  - id: fraud-teams
    when: dispute_rate_pct >= $dispute_rate_high
    recommend:
      - product: radar_fraud_teams
  - id: dispute-rate-watch
    when: dispute_rate_pct >= $dispute_rate_watch and dispute_rate_pct < $dispute_rate_high
    flag:
      - risk: high_dispute_rate
        severity: medium
"""


@pytest.fixture
def watch_ruleset(cli: Callable[..., str], tmp_path: Path) -> str:
    name = f"refused_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.yaml"
    path.write_text(RULES.format(name=name))
    cli("rules", "import", str(path), "--publish")
    return name


def test_an_impossible_band_is_refused_at_the_field_which_gets_the_focus(
    page: Any,
    live_server: Any,
    login_page: Callable[[Any, str, str], None],
    demo_users: dict[str, tuple[str, str]],
    watch_ruleset: str,
) -> None:
    login_page(page, *demo_users["author"])
    page.goto(f"{live_server.url}/rulesets/{watch_ruleset}/params")
    page.fill("#param-dispute_rate_watch", "0.9")
    page.click("#params-form button[type=submit]")
    summary = page.locator("#params-error-summary")
    summary.wait_for()
    assert "Dispute rate worth watching" in summary.inner_text()
    field = page.locator("#field-dispute_rate_watch")
    assert (
        "“Dispute rate worth watching” (0.9%) is above “High dispute rate” (0.75%): the rule "
        "dispute-rate-watch can never apply; make it lower than 0.75%." in field.inner_text()
    )
    assert page.evaluate("document.activeElement.id") == "param-dispute_rate_watch"
    assert page.input_value("#param-dispute_rate_watch") == "0.9"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "params-refused.png"), full_page=True)
    # The summary's link leads to the field.
    summary.locator("a").first.click()
    assert page.url.endswith("#param-dispute_rate_watch")
