"""Two SAs on one discovery (issue 10), in two browser contexts of Debian's chromium: each page
shows the other's changes without a reload, says who else is there, and a "Keep mine" in one
reaches the other. Polling runs every 300 ms here (the page's data-interval)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


@pytest.fixture
def second_sa(cli: Callable[..., str], unique_name: Callable[[str], str]) -> tuple[str, str, str]:
    """Another SA in the live server's database, made with the CLI: (email, password, name)."""
    email = unique_name("sam").replace(" ", "-") + "@example.com"
    password = "sam-otter-password"
    cli("users", "create", email, "--role", "sa", "--name", "Sam Otter", "--password", password)
    return email, password, "Sam Otter"


@pytest.fixture
def other_page(browser: Any) -> Iterator[Any]:
    """A second browser context (own cookies) and page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    yield pg
    context.close()


def _fast_polling(page: Any) -> None:
    page.locator("#ws-presence").evaluate("el => el.setAttribute('data-interval', '300')")


def _open(page: Any, url: str) -> None:
    page.goto(url)
    _fast_polling(page)


def test_another_sas_change_and_presence_show_without_reload(
    page: Any,
    other_page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    start_discovery: Callable[[Any, str], None],
    unique_name: Callable[[str], str],
    second_sa: tuple[str, str, str],
) -> None:
    from playwright.sync_api import expect

    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Together"))
    base = page.url.rsplit("/sections/", 1)[0]
    _open(page, f"{base}/sections/channels")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    email, password, name = second_sa
    login_page(other_page, email, password)
    _open(other_page, f"{base}/sections/channels")

    # Each sees the other, by name and section.
    expect(page.locator("#ws-presence")).to_contain_text(f"{name} is in Channels", timeout=WAIT_MS)
    expect(other_page.locator("#ws-presence")).to_contain_text("is in Channels", timeout=WAIT_MS)

    # Sam ticks Website; the first page shows it, says who, and counts it.
    other_page.check("#q-channels input[value=web]")
    expect(other_page.locator("#q-channels [data-field-status]")).to_have_attribute(
        "data-state", "saved", timeout=WAIT_MS
    )
    expect(page.locator("#q-channels input[value=web]")).to_be_checked(timeout=WAIT_MS)
    expect(page.locator("#q-channels")).to_contain_text(name, timeout=WAIT_MS)
    expect(page.locator("[data-section-count=channels]")).to_have_text("1/4", timeout=WAIT_MS)

    # A change on another section moves that section's count in the menu.
    before = page.locator("[data-section-count=company]").inner_text()
    _open(other_page, f"{base}/sections/company")
    expect(page.locator("#ws-presence")).to_contain_text(
        f"{name} is in Company and business model", timeout=WAIT_MS
    )
    other_page.select_option("#business_model", "saas")
    expect(page.locator("[data-section-count=company]")).not_to_have_text(before, timeout=WAIT_MS)

    # The question's history, by keyboard: who, and option labels rather than ids.
    toggle = page.locator("#q-channels .ws-history-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#history-channels")).to_contain_text(
        f"{name} answered Website", timeout=WAIT_MS
    )
    page.keyboard.press("Escape")
    expect(page.locator("#history-channels")).to_be_hidden()
    expect(toggle).to_be_focused()

    assert page.evaluate("window.__sameDocument === true")  # never reloaded


@pytest.fixture
def together(
    page: Any,
    other_page: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    start_discovery: Callable[[Any, str], None],
    unique_name: Callable[[str], str],
    second_sa: tuple[str, str, str],
) -> Callable[[str], None]:
    """together(name): the demo SA starts a discovery, the second SA opens its first section in
    the other context, and the first page shows that the second SA is there."""

    def _start(name: str) -> None:
        from playwright.sync_api import expect

        login_page(page, *demo_users["sa"])
        start_discovery(page, unique_name(name))
        _fast_polling(page)
        login_page(other_page, *second_sa[:2])
        _open(other_page, page.url)
        expect(page.locator("#ws-presence")).to_contain_text(second_sa[2], timeout=WAIT_MS)

    return _start


def test_keep_mine_in_one_context_reaches_the_other(
    page: Any, other_page: Any, together: Callable[[str], None]
) -> None:
    from playwright.sync_api import expect

    together("Keep")

    # The first SA edits while offline; meanwhile Sam saves another name.
    page.context.set_offline(True)
    page.fill("#company_name", "Acme Mine")
    page.keyboard.press("Tab")
    expect(page.locator("#q-company_name [data-field-status]")).to_have_attribute(
        "data-state", "failed", timeout=WAIT_MS
    )
    other_page.fill("#company_name", "Acme Theirs")
    other_page.keyboard.press("Tab")
    expect(other_page.locator("#q-company_name [data-field-status]")).to_have_attribute(
        "data-state", "saved", timeout=WAIT_MS
    )

    # Back online the first SA meets a conflict, keeps their own name ...
    page.context.set_offline(False)
    keep = page.locator("#q-company_name").get_by_role("button", name="Keep mine")
    expect(keep).to_be_visible(timeout=WAIT_MS)
    keep.click()
    expect(page.locator("#q-company_name [data-field-status]")).to_have_attribute(
        "data-state", "saved", timeout=WAIT_MS
    )
    expect(page.locator("#company_name")).to_have_value("Acme Mine")

    # ... and Sam's page shows it without a reload.
    expect(other_page.locator("#company_name")).to_have_value("Acme Mine", timeout=WAIT_MS)
    history = other_page.locator("#q-company_name .ws-history-toggle")
    history.click()
    expect(other_page.locator("#history-company_name")).to_contain_text(
        "changed it from Acme Theirs to Acme Mine", timeout=WAIT_MS
    )


def test_keep_mine_for_notes(page: Any, other_page: Any, together: Callable[[str], None]) -> None:
    """Notes edited by two SAs at once: the one who meets the conflict can keep theirs."""
    from playwright.sync_api import expect

    together("Notes")

    page.context.set_offline(True)
    page.fill("#notes", "CFO wants a pilot in France first")
    page.keyboard.press("Tab")
    notes = page.locator("[data-notes]")
    expect(notes.locator("[data-field-status]")).to_have_attribute(
        "data-state", "failed", timeout=WAIT_MS
    )
    other_page.fill("#notes", "Pilot in Germany")
    other_page.keyboard.press("Tab")
    expect(other_page.locator("[data-notes] [data-field-status]")).to_have_attribute(
        "data-state", "saved", timeout=WAIT_MS
    )

    page.context.set_offline(False)
    keep = notes.get_by_role("button", name="Keep mine")
    expect(keep).to_be_visible(timeout=WAIT_MS)
    expect(notes.locator(".field-errors")).to_contain_text("Sam Otter changed these notes")
    keep.click()
    expect(notes.locator("[data-field-status]")).to_have_attribute(
        "data-state", "saved", timeout=WAIT_MS
    )
    expect(page.locator("#notes")).to_have_value("CFO wants a pilot in France first")
    page.reload()
    expect(page.locator("#notes")).to_have_value("CFO wants a pilot in France first")
