"""The workbench's Parameters form in Debian's chromium: an out-of-range value is shown at its
field (nothing saved, the typed text kept), a valid change saves the draft with only that
value line changed, and the impact preview then lists the discovery whose segment moves.

The test imports its own small ruleset (a unique name, on the sa_discovery questionnaire)
into the session's live database, so other browser tests keep the default ruleset as is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp/recommender-screenshots")

RULES = """\
name: {name}
version: 1
title: Parameters test
questionnaire: sa_discovery
params:
  # Customer segment
  - id: enterprise_volume
    label: Enterprise payment volume
    type: money
    unit: USD per year
    value: 50_000_000  # tuned with the sales team
    min: 1_000_000
    max: 1_000_000_000
    description: From this annual payment volume on, the customer is an enterprise.
  # Fraud
  - id: dispute_rate_high
    label: High dispute rate
    type: percent
    value: 0.75
    min: 0
    max: 100
    description: From this dispute rate on, Radar for Fraud Teams is recommended.
derived:
  segment:
    type: single
    options: [enterprise, mid_market]
    label: Customer segment
products:
  - id: radar_fraud_teams
    name: Radar for Fraud Teams
    family: fraud
rules:
  - id: segment-enterprise-threshold
    when: annual_volume_usd >= $enterprise_volume
    derive:
      - fact: segment
        value: enterprise
  - id: fraud-teams
    when: dispute_rate_pct >= $dispute_rate_high
    recommend:
      - product: radar_fraud_teams
"""




def _discovery(live_server: Any, company: str, volume: int) -> int:
    from recommender import create_app
    from recommender.extensions import db
    from recommender.models import Account, Answer, Discovery, User
    from recommender.services import questionnaires

    app = create_app({"DATABASE_URL": live_server.db_url, "SECRET_KEY": "browser-test-secret"})
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "sa@example.com"))
        row = questionnaires.latest("sa_discovery")
        with db.transaction() as session:
            account = Account(name=company, created_by_id=owner.id)
            session.add(account)
            session.flush()
            discovery = Discovery(
                account_id=account.id, questionnaire_version_id=row.id, owner_id=owner.id
            )
            session.add(discovery)
            session.flush()
            session.add(
                Answer(discovery_id=discovery.id, question_id="annual_volume_usd", value=volume)
            )
            did = discovery.id
        db.engine.dispose()
    return int(did)


def _draft_source(live_server: Any, name: str) -> str:
    from recommender import create_app
    from recommender.extensions import db
    from recommender.models import Ruleset, RulesetVersion

    app = create_app({"DATABASE_URL": live_server.db_url, "SECRET_KEY": "browser-test-secret"})
    with app.app_context():
        ruleset = db.session.scalar(sa.select(Ruleset).where(Ruleset.name == name))
        row = db.session.scalar(
            sa.select(RulesetVersion).where(
                RulesetVersion.ruleset_id == ruleset.id, RulesetVersion.status == "draft"
            )
        )
        source = row.source if row is not None else ""
        db.engine.dispose()
    return str(source)


@pytest.fixture
def tuned_ruleset(cli: Callable[..., str], tmp_path: Path) -> str:
    name = f"params_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.yaml"
    path.write_text(RULES.format(name=name))
    cli("rules", "import", str(path), "--publish")
    return name


def test_parameters_form_checks_values_at_their_field_and_saves_a_draft(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    tuned_ruleset: str,
) -> None:
    name = tuned_ruleset
    company = unique_name("Growing Co")
    did = _discovery(live_server, company, 30_000_000)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    login_page(page, *demo_users["author"])
    page.goto(f"{live_server.url}/rulesets/{name}")
    page.get_by_role("link", name="Parameters").click()
    page.wait_for_url(f"**/rulesets/{name}/params")
    groups = page.locator("fieldset.param-group legend")
    assert groups.all_inner_texts() == ["Customer segment", "Fraud"]
    volume = page.get_by_label("Enterprise payment volume")
    assert volume.input_value() == "50,000,000"
    field = page.locator("#field-enterprise_volume")
    assert "From this annual payment volume on" in field.inner_text()
    assert "at least $1,000,000" in field.inner_text()

    # Out of range: refused at the field, the typed text kept, nothing saved.
    volume.fill("500")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Save to my draft").click()
    assert refused.value.status == 400
    field = page.locator("#field-enterprise_volume")
    assert field.locator(".field-errors").inner_text() == "$500 is below the minimum, $1,000,000."
    assert page.get_by_label("Enterprise payment volume").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Enterprise payment volume").input_value() == "500"
    page.screenshot(path=str(SCREENSHOT_DIR / "params-error.png"), full_page=True)
    assert "value: 500" not in _draft_source(live_server, name)

    # A valid value: the draft gets it, on the same line with its comment.
    page.get_by_label("Enterprise payment volume").fill("25,000,000")
    with page.expect_navigation() as saved:
        page.get_by_role("button", name="Save to my draft").click()
    assert saved.value.status == 200
    assert (
        "Draft saved with new values for Enterprise payment volume"
        in page.locator(".flash").first.inner_text()
    )
    assert page.get_by_label("Enterprise payment volume").input_value() == "25,000,000"
    page.screenshot(path=str(SCREENSHOT_DIR / "params-saved.png"), full_page=True)
    source = _draft_source(live_server, name)
    assert "    value: 25_000_000  # tuned with the sales team\n" in source
    assert source.replace("25_000_000", "50_000_000") == RULES.format(name=name)

    # The impact preview of the draft lists the discovery whose segment changes.
    page.get_by_role("link", name="Preview the impact").click()
    page.wait_for_url(f"**/rulesets/{name}/impact**")
    row = page.locator(f"tr[data-id='{did}']")
    assert company in row.inner_text()
    assert re.search(r"Customer segment: not set → Enterprise", row.inner_text())
