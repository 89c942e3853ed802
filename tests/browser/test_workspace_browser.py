"""The SA workspace in a real browser: autosave, conditional questions, keyboard flow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sa_answers_sees_saved_and_conditional_question_and_resumes(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    tmp_path: Path,
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    company = unique_name("Acme")
    start_discovery(page, company)
    assert page.input_value("#company_name") == company

    page.fill("#annual_volume_usd", "2,000,000")
    status = page.locator("#save-status")
    status.filter(has_text="Saved").wait_for()
    assert (
        page.locator("[data-question=annual_volume_usd] [data-field-status]").inner_text()
        == "Saved"
    )
    page.screenshot(path=str(tmp_path / "company.png"), full_page=True)

    # Move on with the section menu; the conditional question appears without a reload.
    page.click("[data-section-link=channels]")
    page.wait_for_url("**/sections/channels")
    store_count = page.locator("[data-question=store_count]")
    assert store_count.is_hidden()
    page.check("[data-question=channels] input[value=in_person]")
    store_count.wait_for(state="visible")
    status.filter(has_text="Saved").wait_for()
    page.fill("#store_count", "12")
    page.keyboard.press("Enter")  # Enter moves on instead of submitting
    assert page.url.endswith("/sections/channels")
    status.filter(has_text="Saved").wait_for()
    page.screenshot(path=str(tmp_path / "channels.png"), full_page=True)

    # Leave and resume: everything is still there.
    page.reload()
    assert page.locator("[data-question=channels] input[value=in_person]").is_checked()
    assert page.input_value("#store_count") == "12"
    assert page.locator("[data-question=store_count]").is_visible()
    page.goto(f"{live_server.url}/discoveries?q={company}")
    assert page.locator("table.ws-table").inner_text().count(company) == 1
    page.click(f'table.ws-table a:has-text("{company}")')
    page.wait_for_url("**/sections/company")
    assert page.input_value("#annual_volume_usd") == "2000000"


def test_invalid_value_shows_the_message_at_the_field(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Initech"))
    page.fill("#annual_volume_usd", "a lot")
    error = page.locator("#annual_volume_usd-error")
    error.wait_for(state="visible")
    assert "Enter an amount" in error.inner_text()
    assert page.locator("#save-status").inner_text().startswith("Not saved")
    # The message is announced with the field, and only while it is shown.
    field = page.locator("#annual_volume_usd")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby") or ""
    assert described.split() == ["annual_volume_usd-help", "annual_volume_usd-error"]
    page.fill("#annual_volume_usd", "1.5M")
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    assert error.is_hidden()
    assert field.get_attribute("aria-invalid") is None
    assert field.get_attribute("aria-describedby") == "annual_volume_usd-help"


def test_country_type_ahead_by_keyboard(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Globex"))
    search = page.locator("#customer_countries-search")
    search.fill("Germany")
    search.press("Enter")
    search.fill("fr")
    search.press("Enter")
    search.fill("nether")  # a name prefix picks the first country it starts
    search.press("Enter")
    chips = page.locator("[data-question=customer_countries] .ws-chips li")
    assert chips.count() == 3
    assert chips.nth(2).inner_text().startswith("Netherlands")
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    page.click("button[aria-label='Remove Germany']")
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    page.reload()
    assert (
        page.locator("[data-question=customer_countries] .ws-chips li")
        .all_inner_texts()[0]
        .startswith("France")
    )
    assert page.locator("[data-question=customer_countries] .ws-chips li").count() == 2


def test_country_typed_then_tabbed_away_is_kept_and_a_cleared_mistake_is_forgotten(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """A full country name typed and left with Tab is added and saved (not silently dropped);
    partial text left behind is flagged at the field; a no-match message goes away once the
    SA clears the text, so moving on does not ask "Leave anyway?" about nothing."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Hooli"))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    status = page.locator("#save-status")

    page.click("#customer_countries-search")
    page.keyboard.type("France")
    page.keyboard.press("Tab")
    chips = page.locator("[data-question=customer_countries] .ws-chips li")
    chips.first.wait_for()
    assert chips.first.inner_text().startswith("France")
    status.filter(has_text="Saved").wait_for()

    page.click("#customer_countries-search")
    page.keyboard.type("ger")
    page.keyboard.press("Tab")
    error = page.locator("#customer_countries-error")
    error.wait_for(state="visible")
    assert "ger" in error.inner_text()
    assert status.inner_text().startswith("Not saved")

    page.fill("#entity_countries-search", "zzz")
    page.press("#entity_countries-search", "Enter")
    page.locator("#entity_countries-error").wait_for(state="visible")
    page.fill("#entity_countries-search", "")
    page.fill("#customer_countries-search", "")
    page.locator("#entity_countries-error").wait_for(state="hidden")
    assert error.is_hidden()
    assert not status.inner_text().startswith("Not saved")

    page.click("#next-button")
    page.wait_for_url("**/sections/channels")
    assert dialogs == []
    page.goto(page.url.replace("/sections/channels", "/sections/company"))
    assert chips.count() == 1
    assert chips.first.inner_text().startswith("France")


def test_keyboard_flow_lands_in_the_first_field_of_the_next_section(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """Enter on the last field (or the Next button) moves to the next section with the cursor
    in its first question, so the SA keeps typing instead of tabbing through the menus; an
    "ask next" link lands in the question it names."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Keys"))
    page.goto(page.url.replace("/sections/company", "/sections/finance_stack"))
    page.focus("#notes")
    page.keyboard.press("Tab")  # Include in the readout
    assert page.evaluate("document.activeElement.id") == "notes-include"
    page.keyboard.press("Tab")  # Back
    page.keyboard.press("Tab")  # Save
    page.keyboard.press("Tab")  # Next
    assert page.evaluate("document.activeElement.id") == "next-button"
    page.keyboard.press("Enter")
    page.wait_for_url("**/sections/embedded_finance")
    expect(page.locator("#offers_cards-0")).to_be_focused()
    page.keyboard.press("Space")
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    assert page.locator("#offers_cards-0").is_checked()

    # A plain reload keeps the browser's own focus behaviour (nothing is forced).
    page.reload()
    assert page.evaluate("document.activeElement === document.body")

    page.goto(page.url.replace("/sections/embedded_finance", "/sections/timeline#q-go_live_months"))
    expect(page.locator("#go_live_months")).to_be_focused()

    # Enter on a drop-down moves on too (it used to do nothing there).
    page.goto(page.url.split("/sections/", 1)[0] + "/sections/company")
    page.focus("#industry")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#offering_types-0")).to_be_focused()  # "What do they sell?" (v2)
    page.locator("#save-status").filter(has_text="Saved").wait_for()
    assert page.input_value("#industry") != ""


def test_session_ended_mid_call_keeps_the_answer_and_retry_saves_after_logging_in(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """When the session ends (the CSRF check fails because the session is gone), the answer is
    "Failed" with a log-in hint, not "Not saved — check the answer" (which invited a reload
    that loses it); after logging in again in another tab, Retry saves it with a fresh token."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Expiry"))
    section_url = page.url.replace("/sections/company", "/sections/timeline")
    page.goto(section_url)
    page.locator("#recommendation-panel .rec-panel").wait_for()
    page.context.clear_cookies()

    page.fill("#go_live_months", "9")
    page.keyboard.press("Tab")
    status = page.locator("#save-status")
    status.filter(has_text="Failed").wait_for()
    assert "log in again" in page.locator("#go_live_months-error").inner_text()

    other = page.context.new_page()
    login_page(other, *demo_users["sa"])
    other.close()
    status.locator("button", has_text="Retry now").click()
    status.filter(has_text="Saved").wait_for()
    page.goto(section_url)
    assert page.input_value("#go_live_months") == "9"


def test_country_type_ahead_knows_what_people_say_and_ignores_accents(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """Typing "UK" gives the United Kingdom (it used to add Ukraine), "USA" and "Turkey" are found,
    and accents do not matter ("cote" finds Côte d'Ivoire)."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Aliases"))
    search = page.locator("#customer_countries-search")
    for typed in ("UK", "usa", "Turkey", "cote", "vietnam"):
        search.fill(typed)
        search.press("Enter")
    chips = page.locator("[data-question=customer_countries] .ws-chips li")
    texts = [t.rstrip("×").strip() for t in chips.all_inner_texts()]
    assert texts == ["Côte d'Ivoire", "Türkiye", "United Kingdom", "United States", "Viet Nam"]
    page.locator("#save-status").filter(has_text="Saved").wait_for()


def test_offline_mid_call_shows_failed_and_saves_by_itself_when_back_online(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """The connection drops: the answer stays in the field marked Failed; when the browser is
    back online it is saved without the SA having to notice and press Retry."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Offline"))
    section_url = page.url.replace("/sections/company", "/sections/timeline")
    page.goto(section_url)
    page.locator("#recommendation-panel .rec-panel").wait_for()
    status = page.locator("#save-status")

    page.context.set_offline(True)
    page.fill("#go_live_months", "5")
    page.fill("#notes", "Wants to launch before the holidays")
    status.filter(has_text="Failed").wait_for()
    assert "your answer is kept here" in page.locator("#go_live_months-error").inner_text()
    assert page.input_value("#go_live_months") == "5"

    page.context.set_offline(False)
    status.filter(has_text="Saved").wait_for()
    page.goto(section_url)
    assert page.input_value("#go_live_months") == "5"
    assert page.input_value("#notes") == "Wants to launch before the holidays"


def test_server_unreachable_for_a_while_then_saves_by_itself(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """The server is down for a moment (the browser still thinks it is online): the answer is
    Failed, kept in the field, and saved by a retry in the background once the server answers."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Outage"))
    section_url = page.url.replace("/sections/company", "/sections/timeline")
    page.goto(section_url)
    page.locator("#recommendation-panel .rec-panel").wait_for()
    status = page.locator("#save-status")

    page.route("**/answers", lambda route: route.abort("connectionrefused"))
    page.fill("#go_live_months", "11")
    status.filter(has_text="Failed").wait_for()
    page.unroute("**/answers")
    status.filter(has_text="Saved").wait_for(timeout=20_000)
    page.goto(section_url)
    assert page.input_value("#go_live_months") == "11"


def test_a_paste_too_large_to_send_is_a_message_at_the_field_not_a_retry_loop(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Huge"))
    page.fill("#company_name", "x" * (600 * 1024))
    error = page.locator("#company_name-error")
    error.wait_for(state="visible")
    assert "too large" in error.inner_text()
    assert page.locator("#save-status").inner_text().startswith("Not saved")
    assert page.locator("#save-status button").count() == 0  # no "Retry now": retrying cannot help


def test_a_conflict_offers_keep_mine_and_nothing_typed_is_lost(
    browser: Any,
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    """Two SAs on one discovery: the stale one sees who changed what, and can keep theirs."""
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Initech"))
    url = page.url
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page2 = other.new_page()
        page2.set_default_timeout(10_000)
        login_page(page2, *demo_users["admin"])
        page2.goto(url)  # loaded while the volume is unanswered

        page.fill("#annual_volume_usd", "2,000,000")
        page.locator("#save-status").filter(has_text="Saved").wait_for()

        page2.fill("#annual_volume_usd", "3,000,000")
        field = page2.locator("[data-question=annual_volume_usd]")
        expect(field.locator(".field-errors")).to_contain_text("changed 'Annual payment volume")
        keep = field.get_by_role("button", name="Keep mine")
        keep.click()
        page2.locator("#save-status").filter(has_text="Saved").wait_for()

        page.reload()
        assert page.input_value("#annual_volume_usd") == "3000000"
    finally:
        other.close()
