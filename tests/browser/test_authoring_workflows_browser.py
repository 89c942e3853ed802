"""The rule author's workflows in Debian's chromium: rolling back asks for a confirmation
with the impact of going back and a note; a second submit publishes nothing.

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
title: Rollback test
questionnaire: sa_discovery
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
  - id: enterprise-volume
    when: annual_volume_usd >= {threshold}
    derive:
      - fact: segment
        value: enterprise
  - id: fraud-team-for-enterprise
    when: segment == enterprise
    recommend:
      - product: radar_fraud_teams
        because: "Enterprise volume."
"""




def _discovery(live_server: Any, company: str, volume: int) -> int:
    """A saved discovery of the sa_discovery questionnaire with an annual volume, written to
    the live server's database through the app's models."""
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
            discovery = Discovery(account_id=account.id, questionnaire_version_id=row.id, owner_id=owner.id)
            session.add(discovery)
            session.flush()
            session.add(Answer(discovery_id=discovery.id, question_id="annual_volume_usd", value=volume))
            did = discovery.id
        db.engine.dispose()
    return int(did)


@pytest.fixture
def small_ruleset(cli: Callable[..., str], tmp_path: Path) -> str:
    """A ruleset of its own: version 1 puts the enterprise bar at 10M, version 2 (active)
    at 5M."""
    name = f"rollback_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.yaml"
    path.write_text(RULES.format(name=name, threshold="10_000_000"))
    cli("rules", "import", str(path), "--publish")
    path.write_text(RULES.format(name=name, threshold="5_000_000"))
    cli("rules", "import", str(path), "--publish")
    return name


def test_rollback_confirmation_needs_a_note_and_publishes_once(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    small_ruleset: str,
    cli: Callable[..., str],
) -> None:
    name = small_ruleset
    company = unique_name("Mid Co")
    did = _discovery(live_server, company, 7_000_000)

    login_page(page, *demo_users["author"])
    page.goto(f"{live_server.url}/rulesets/{name}")
    page.get_by_role("link", name="Roll back to version 1").click()
    page.wait_for_url(f"**/rulesets/{name}/rollback/1")
    page.wait_for_selector("#rollback-form")
    versions = page.locator(".rollback-versions tbody tr")
    assert re.search(r"Active now\s+v2", versions.nth(0).inner_text())
    assert re.search(r"Going back to\s+v1", versions.nth(1).inner_text())
    row = page.locator(f"#impact-table tr[data-id='{did}']")
    assert company in row.inner_text()
    assert "Customer segment: Enterprise → not set" in row.inner_text()
    assert "− Radar for Fraud Teams" in row.inner_text()
    assert row.locator("a").first.get_attribute("href") == f"/discoveries/{did}"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "rollback-confirm.png"), full_page=True)

    # The browser asks for the note first; without that check the server refuses (400).
    assert page.locator("#note").evaluate("el => el.required")
    page.locator("#note").evaluate("el => el.removeAttribute('required')")
    with page.expect_navigation() as refused:
        page.click("#rollback-form button[type=submit]")
    assert refused.value.status == 400
    assert "Write a note" in page.locator("#note-error").inner_text()
    assert page.locator("#note").get_attribute("aria-invalid") == "true"

    # A second tab holds the same confirmation: its submit comes after the first one.
    second = page.context.new_page()
    second.goto(f"{live_server.url}/rulesets/{name}/rollback/1")
    second.wait_for_selector("#rollback-form")

    page.fill("#note", "the fraud team is not ready")
    page.click("#rollback-form button[type=submit]")
    page.wait_for_url(f"**/rulesets/{name}")
    assert "Version 1 is active again as version 3." in page.locator(".flash").first.inner_text()
    newest = page.locator("table.versions tbody tr").first
    assert newest.locator("td").first.inner_text().startswith("v3")
    assert "the fraud team is not ready" in newest.inner_text()
    assert "— the fraud team is not ready" in page.locator(".audit-entry summary").first.inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "rollback-done.png"), full_page=False)

    second.fill("#note", "clicked twice")
    second.click("#rollback-form button[type=submit]")
    second.wait_for_url(f"**/rulesets/{name}")
    flash = second.locator(".flash").first.inner_text()
    assert "Version 1 is already active (as version 3); nothing was published." in flash
    assert second.locator("table.versions tbody tr").count() == 3
    second.screenshot(path=str(SCREENSHOT_DIR / "rollback-twice.png"), full_page=False)
    history = cli("rules", "history", name)
    assert history.splitlines()[0].startswith("* v3")


def test_sandbox_form_prefilled_from_a_discovery_with_why_not(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    small_ruleset: str,
) -> None:
    name = small_ruleset
    company = unique_name("Sandbox Co")
    did = _discovery(live_server, company, 7_000_000)
    login_page(page, *demo_users["author"])
    page.goto(f"{live_server.url}/rulesets/{name}/sandbox")
    page.check("input[name=which][value=active]")
    page.select_option("#subject", f"discovery:{did}")
    page.select_option("#why_not", "radar_fraud_teams")
    page.click("button:has-text('Load its answers')")
    page.wait_for_selector("#sandbox-result")
    assert company in page.locator("#sandbox-result h2").inner_text()
    assert page.locator("#sandbox-why-not").get_attribute("data-status") == "recommended"
    # The form holds the discovery's answers; change one and evaluate again.
    page.locator("#sec-company > summary").click()
    assert page.input_value("#annual_volume_usd") == "7000000"
    page.fill("#annual_volume_usd", "1000")
    page.click("button:has-text('Evaluate these answers')")
    page.wait_for_selector("#sandbox-why-not")
    why = page.locator("#sandbox-why-not")
    assert why.get_attribute("data-status") == "not_recommended"
    assert "Why not Radar for Fraud Teams?" in why.inner_text()
    assert page.input_value("#annual_volume_usd") == "1000"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "sandbox-why-not.png"), full_page=False)
