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


def test_ctrl_k_jumps_to_a_question_in_any_section(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
    tmp_path: Path,
) -> None:
    """The header names the shortcut; Ctrl-K opens a labelled dialog that finds questions of
    every section (accents and case ignored), marks the ones not asked, closes with Escape
    (focus goes back), and Enter lands in the question, saving what was pending first."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Jump"))
    hint = page.locator("#jump-open")
    expect(hint).to_be_visible()
    assert "jump to a question" in hint.inner_text()

    page.focus("#company_name")
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Jump to a question")
    expect(dialog).to_be_visible()
    box = page.locator("#jump-input")
    expect(box).to_be_focused()
    page.keyboard.type("NUMBER OF SELLÉRS")
    option = page.locator("#jump-list [role=option]").first
    expect(option).to_contain_text("Number of sellers")
    expect(option).to_contain_text("not asked: depends on an earlier answer")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#company_name")).to_be_focused()

    # Same section: the cursor goes to the question.
    page.keyboard.press("Control+k")
    page.keyboard.type("annual rev")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#annual_revenue_usd")).to_be_focused()

    # Another section, with an answer still waiting for its autosave pause.
    page.keyboard.type("750000")
    page.keyboard.press("Control+k")
    page.keyboard.type("wanted launch")
    page.screenshot(path=str(tmp_path / "jump.png"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sections/timeline#q-go_live_months")
    expect(page.locator("#go_live_months")).to_be_focused()
    page.go_back()
    page.wait_for_url("**/sections/company")
    page.reload()
    assert page.input_value("#annual_revenue_usd") == "750000"


def test_apply_remote_sets_the_field_or_turns_local_edits_into_a_conflict(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """What together.js calls for another SA's change: untouched fields take the value, the
    version and a "Changed by" mark; a field with typed text keeps it and offers "Keep mine"."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Remote"))
    ws = "window.recommenderWorkspace"
    assert page.evaluate(f"{ws}.currentSection") == "company"

    def apply(*args: Any) -> str:
        return str(page.evaluate(f"a => {ws}.applyRemote(...a)", list(args)))

    assert apply("annual_volume_usd", 2500000, 3, "Sam Remote") == "applied"
    assert page.input_value("#annual_volume_usd") == "2500000"
    field = page.locator("[data-question=annual_volume_usd]")
    assert field.get_attribute("data-version") == "3"
    assert field.locator("[data-version-input]").input_value() == "3"
    expect(field.locator("[data-field-status]")).to_have_text("Changed by Sam Remote")
    expect(page.locator("#ws-announce")).to_contain_text("changed by Sam Remote")
    assert apply("annual_volume_usd", 1, 2, "Old news") == "stale"
    assert page.input_value("#annual_volume_usd") == "2500000"

    assert apply("customer_countries", ["FR", "DE"], 2, "Sam Remote") == "applied"
    assert _chips(page, "customer_countries") == ["France", "Germany"]
    assert apply("incorporated", True, 1, "Sam Remote") == "applied"
    assert page.locator("[data-question=incorporated] input[value=true]").is_checked()
    visible = page.evaluate(
        "Array.from(document.querySelectorAll('[data-question]'))"
        ".map(w => w.dataset.question).filter(q => q !== 'climate_commitment')"
    )
    assert apply("offering_types", ["saas"], 1, "Sam Remote", visible) == "applied"
    assert page.locator("[data-question=offering_types] input[value=saas]").is_checked()
    assert page.locator("[data-question=climate_commitment]").is_hidden()

    # A field with local edits: a country added and saved, then text typed but not added.
    page.click("#entity_countries-search")
    page.keyboard.type("France")
    page.keyboard.press("Enter")
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    page.keyboard.type("Spa")
    assert page.evaluate(f"{ws}.isDirty('entity_countries')") is True
    assert page.evaluate(f"{ws}.isDirty('company_name')") is False
    discovery = page.url.split("/discoveries/", 1)[1].split("/", 1)[0]
    token = page.get_attribute("meta[name=csrf-token]", "content")
    resp = page.request.post(  # the other SA's save, through the real endpoint
        f"{live_server.url}/discoveries/{discovery}/answers",
        data={"question_id": "entity_countries", "value": ["IT"], "version": 1},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert resp.ok, resp.text()
    version = resp.json()["version"]
    assert apply("entity_countries", ["IT"], version, "Sam Remote") == "conflict"
    assert _chips(page, "entity_countries") == ["France"]
    assert page.input_value("#entity_countries-search") == "Spa"
    errors = page.locator("#entity_countries-error")
    expect(errors).to_contain_text("Sam Remote changed this answer to “Italy”")
    expect(page.locator("#save-status")).to_contain_text("Conflict")
    page.get_by_role("button", name="Keep mine").click()
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    # (Text left in the box would be added on leaving, as Enter would: clear it first.)
    page.fill("#entity_countries-search", "")
    page.reload()
    assert _chips(page, "entity_countries") == ["France"]
