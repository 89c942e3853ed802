"""The SA's keyboard flow on a call, from a QA pass: Enter waits for the answer that reveals
a question and lands in it; text typed in a country box is not lost when leaving the section;
the jump box knows which questions the last answer revealed elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_enter_lands_in_the_question_the_answer_revealed(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Flow Co"))
    page.click("[data-section-link=channels]")
    page.wait_for_url("**/sections/channels")
    assert page.locator("#q-store_count").is_hidden()
    box = page.locator("[data-question=channels] input[value=in_person]")
    box.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # at once: the save that reveals store_count is still out
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'store_count'"
    )
    assert page.locator("#q-store_count").is_visible()


def test_country_text_typed_but_not_added_is_kept_when_leaving(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Leave Co"))
    section = page.url
    page.click("#customer_countries-search")
    page.keyboard.type("France")
    page.keyboard.press("Enter")
    page.keyboard.type("Ital")  # no Enter: the SA moves on to another section
    page.click("[data-section-link=channels]")
    page.wait_for_url("**/sections/channels")
    page.goto(section)
    chips = page.locator("[data-question=customer_countries] .ws-chips li")
    chips.first.wait_for()
    assert [t.split("×")[0].strip() for t in chips.all_inner_texts()] == ["France", "Italy"]


def test_the_jump_box_knows_questions_revealed_on_this_page(
    page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
) -> None:
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Jump Co"))
    with page.expect_response(lambda r: r.url.endswith("/answers") and r.ok):
        page.select_option("#business_model", "marketplace")
    page.keyboard.press("Control+k")
    page.fill("#jump-input", "where are the sellers")
    option = page.locator("#jump-list li").first
    option.wait_for()
    assert "not asked" not in option.inner_text()
