"""The live recommendation panel and the readout it creates in a real browser (Debian's
chromium)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PANEL = "#recommendation-panel"


def create_readout(page: Any) -> None:
    """Press "Create readout" in the panel, then "Create anyway" past the key questions still open
    (a discovery in these tests has some)."""
    page.click(f"{PANEL} button:has-text('Create readout')")
    page.wait_for_url("**/reports/new")
    assert page.locator("[data-key-question]").count() > 0
    page.click("button:has-text('Create anyway')")
    page.wait_for_url(re.compile(r"/reports/\d+$"))


def test_panel_follows_answers_without_reload_and_report_prints(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    tmp_path: Path,
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    company = unique_name("Panel Co")
    start_discovery(page, company)

    # The panel loads beside the form.
    page.locator(f"{PANEL} .rec-panel").wait_for()
    page.click("[data-section-link=channels]")
    page.wait_for_url("**/sections/channels")
    panel = page.locator(f"{PANEL} .rec-panel")
    panel.wait_for()
    assert page.locator(f"{PANEL} [data-product=terminal]").count() == 0
    page.evaluate("window.__sameDocument = true")

    # Answering a question that adds a product changes the panel, without a reload.
    page.check("[data-question=channels] input[value=in_person]")
    terminal = page.locator(f"{PANEL} li[data-product=terminal]")
    terminal.wait_for(state="attached")  # in the folded "Products"
    assert "Stripe Terminal" in (terminal.text_content() or "")
    assert page.evaluate("window.__sameDocument") is True
    # The details are folded; opened, they stay open across the next refresh.
    page.click(f"{PANEL} details[data-remember=bundles] > summary")
    bundles = page.locator(f"{PANEL} .rec-bundles")
    assert "Unified in-person and online commerce" in bundles.inner_text()
    revision = page.get_attribute(f"{PANEL} .rec-panel", "data-revision")
    page.check("[data-question=channels] input[value=mobile_app]")
    page.wait_for_function(
        "r => document.querySelector('#recommendation-panel .rec-panel').dataset.revision !== r",
        arg=revision,
    )
    assert bundles.is_visible()
    page.screenshot(path=str(tmp_path / "panel.png"), full_page=True, timeout=60_000)

    # "Ask next" links lead to the question's block in its section.
    link = page.locator(f"{PANEL} .rec-ask-next a").first
    href = link.get_attribute("href")
    assert href is not None and "#q-" in href
    question_id = href.split("#q-", 1)[1]
    link.click()
    page.wait_for_url(f"**{href}")
    assert page.locator(f"#q-{question_id}").count() == 1

    # Create a readout from the panel: the page frames the readout document.
    page.locator(f"{PANEL} .rec-panel").wait_for()
    create_readout(page)
    readout = page.frame_locator("#readout-frame")
    assert company in readout.locator("h1").inner_text()
    assert "Stripe Terminal" in readout.locator("#s-design").inner_text()
    assert "In person" in readout.locator("#s-appendix").inner_text()
    # Screenshots are for a person debugging a failure; a long readout is slow to capture
    # on a loaded machine, so they get time and only the viewport.
    page.screenshot(path=str(tmp_path / "report.png"), timeout=60_000)
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden()
    assert page.locator("nav.readout-toolbar").is_hidden()
    assert page.locator("#readout-frame").is_visible()
    page.screenshot(path=str(tmp_path / "report-print.png"), timeout=60_000)


def test_create_report_right_after_typing_saves_first_and_does_not_ask_to_leave(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """Clicking "Create readout" (or an "ask next" link) while an answer still waits for its
    autosave saves it first, then goes on: no "Leave site?" prompt, and the snapshot has it."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Snap Co"))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.locator(f"{PANEL} .rec-panel").wait_for()

    page.fill("#annual_revenue_usd", "7,300,000")  # still inside the autosave pause
    section_url = page.url
    create_readout(page)
    assert dialogs == []
    assert "$7,300,000" in page.frame_locator("#readout-frame").locator("#s-appendix").inner_text()

    page.goto(section_url)
    page.wait_for_url("**/sections/company")
    page.locator(f"{PANEL} .rec-panel").wait_for()
    page.fill("#avg_transaction_usd", "42")
    link = page.locator(f"{PANEL} .rec-ask-next a:not([href*='/sections/company'])").first
    href = link.get_attribute("href")
    assert href is not None and "/sections/" in href
    link.click()
    page.wait_for_url(f"**{href.split('#', 1)[0]}*")
    assert dialogs == []
    page.goto(f"{live_server.url}{href.split('/sections/', 1)[0]}/sections/company")
    assert page.input_value("#avg_transaction_usd") == "42"


def test_an_answer_refreshes_the_panel_in_one_round_trip(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """The autosave's answer carries the refreshed panel: no second request for it."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Trip Co"))
    page.click("[data-section-link=channels]")
    page.wait_for_url("**/sections/channels")
    page.locator(f"{PANEL} .rec-panel").wait_for()
    page.wait_for_load_state("networkidle")
    panel_gets: list[str] = []
    page.on(
        "request",
        lambda r: (
            panel_gets.append(r.url) if r.url.split("?")[0].endswith("/recommendation") else None
        ),
    )
    revision = page.get_attribute(f"{PANEL} .rec-panel", "data-revision")
    page.check("[data-question=channels] input[value=in_person]")
    page.wait_for_function(
        "r => document.querySelector('#recommendation-panel .rec-panel').dataset.revision !== r",
        arg=revision,
    )
    page.locator(f"{PANEL} li[data-product=terminal]").wait_for(state="attached")
    assert "Stripe Terminal" in page.locator(f"{PANEL} .rec-changed").inner_text()
    assert panel_gets == []
