"""The SA on a call, by keyboard: several countries in a row (workspace and /start share one
component), Ctrl-K to jump to any question, and the workspace API another SA's changes
arrive through (`window.recommenderWorkspace.applyRemote`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _chips(page: Any, qid: str) -> list[str]:
    texts = page.locator(f"[data-question={qid}] .ws-chips li").all_inner_texts()
    return [t.replace("×", "").strip() for t in texts]


def test_several_countries_in_a_row_by_keyboard_on_the_workspace(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
    tmp_path: Path,
) -> None:
    """France Enter, Neth Enter, Italy Enter: three chips, saved, the cursor still in the box,
    nothing typed into the next question or the notes; Backspace takes back Italy, Tab moves
    on to the next question."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Keys"))
    box = page.locator("#customer_countries-search")
    box.click()
    for typed in ("France", "Neth", "Italy"):
        page.keyboard.type(typed)
        page.keyboard.press("Enter")
    assert _chips(page, "customer_countries") == ["France", "Italy", "Netherlands"]
    expect(box).to_be_focused()
    expect(box).to_have_value("")
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    assert page.input_value("#annual_volume_usd") == ""
    assert page.input_value("#notes") == ""
    live = page.locator("[data-question=customer_countries] [data-country-status]")
    expect(live).to_have_text("Italy added")
    assert live.get_attribute("aria-live") == "polite"
    page.screenshot(path=str(tmp_path / "countries.png"), full_page=True)

    page.keyboard.press("Backspace")  # the one added last, not the last in the list
    assert _chips(page, "customer_countries") == ["France", "Netherlands"]
    expect(live).to_have_text("Italy removed")
    page.keyboard.press("Tab")  # on to what follows the box (not back into the chips)
    assert box.evaluate(
        "b => b !== document.activeElement"
        " && !!(b.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    page.locator("#save-status").filter(has_text="Saved").wait_for()

    page.reload()
    assert _chips(page, "customer_countries") == ["France", "Netherlands"]
    assert page.input_value("#annual_volume_usd") == ""

    # An empty box and Enter still moves on, as in every other field.
    page.locator("#customer_countries-search").click()
    page.keyboard.press("Enter")
    expect(page.locator("#annual_volume_usd")).to_be_focused()


def test_several_countries_in_a_row_on_start(browser: Any, live_server: Any) -> None:
    """/start uses the same box: Enter adds and keeps the cursor, Backspace takes back the
    last one, and an empty box with Enter submits the step as before."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/start")
        page.get_by_role("button", name="Get started").click()
        page.wait_for_url("**/start/step/1")
        page.get_by_label("Which best describes your business?").select_option("saas")
        page.get_by_label("What industry are you in?").select_option("software")
        page.get_by_label("Businesses").check()
        page.get_by_label("Where is your company based?").select_option("US")
        box = page.get_by_label("Where are your customers?")
        box.click()
        for typed in ("France", "Neth", "Italy", "germ"):
            page.keyboard.type(typed)
            page.keyboard.press("Enter")
        expect(box).to_be_focused()
        page.keyboard.press("Backspace")  # Germany
        chips = [t.replace("×", "").strip() for t in page.locator(".pq-chips li").all_inner_texts()]
        assert chips == ["France", "Italy", "Netherlands"]
        page.keyboard.press("Enter")  # empty box: submits the step
        page.wait_for_url("**/start/step/2")
        page.go_back()
        page.wait_for_url("**/start/step/1")
        page.reload()
        assert sorted(
            page.locator("#customer_countries-select").evaluate(
                "s => Array.from(s.selectedOptions).map(o => o.value)"
            )
        ) == ["FR", "IT", "NL"]
    finally:
        context.close()
