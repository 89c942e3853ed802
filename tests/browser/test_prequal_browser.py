"""A prospect completes /start on a phone-sized screen (375x800) in Debian's chromium."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    keep = os.environ.get("PREQUAL_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(keep) / f"{name}.png"), full_page=True)


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide at a 375px viewport"


def test_prospect_completes_start_on_a_phone_and_resumes(
    phone: Any, browser: Any, live_server: Any, tmp_path: Path
) -> None:
    page = phone
    company = f"Phone Shop {uuid.uuid4().hex[:8]}"
    page.goto(f"{live_server.url}/start?utm_source=browser-test&ref=bt")
    _no_horizontal_scroll(page)
    page.get_by_role("button", name="Get started").click()

    # Step 1: labels are bound to their inputs, so the accessible names find them.
    page.wait_for_url("**/start/step/1")
    assert page.locator("#pq-progress-label").inner_text() == "Step 1 of 3"
    _no_horizontal_scroll(page)
    page.get_by_label("Which best describes your business?").select_option("saas")
    page.get_by_label("What industry are you in?").select_option("software")
    page.get_by_label("Businesses").check()
    page.get_by_label("Where is your company based?").select_option("US")
    # Countries by type-ahead: a full name, then a prefix; Enter adds each as a chip.
    countries = page.get_by_label("Where are your customers?")
    countries.fill("United States")
    countries.press("Enter")
    countries.fill("germ")
    countries.press("Enter")
    chips = page.locator(".pq-chips li")
    assert chips.count() == 2
    assert chips.nth(1).inner_text().startswith("United States")  # in list order
    assert "Ctrl" not in page.locator("#customer_countries-help").inner_text()
    assert sorted(
        page.locator("#customer_countries-select").evaluate(
            "s => Array.from(s.selectedOptions).map(o => o.value)"
        )
    ) == ["DE", "US"]
    _shot(page, tmp_path, "prequal-step1")
    page.get_by_role("button", name="Continue").click()

    # Step 2 by keyboard alone: Tab between controls, Space to tick, arrows for radios.
    page.wait_for_url("**/start/step/2")
    assert page.locator("#pq-progress-label").inner_text() == "Step 2 of 3"
    page.get_by_label("On my website").focus()
    page.keyboard.press("Space")
    page.get_by_label("Per user or per seat").focus()
    page.keyboard.press("Space")
    page.get_by_label("Roughly how much will you take in payments per year").focus()
    page.keyboard.type("30000000")
    page.get_by_label("Who handles your payments today?").focus()
    page.keyboard.type("Nobody")
    page.get_by_label("One or two developers, part time").focus()
    page.keyboard.press("Space")
    assert page.get_by_label("On my website").is_checked()
    assert page.get_by_label("One or two developers, part time").is_checked()
    page.get_by_label("Roughly how much will you take in payments per year").focus()
    page.keyboard.press("Enter")  # submits the form

    # Step 3: an error first (missing email), linked to its input, then the fix.
    page.wait_for_url("**/start/step/3")
    page.get_by_label("Company name").fill(company)
    page.get_by_label("Your name").fill("Pat Phone")
    page.get_by_role("button", name="See my recommendation").click()
    email = page.get_by_label("Work email")
    assert email.get_attribute("aria-invalid") == "true"
    assert email.get_attribute("aria-describedby") == "contact_email-error"
    assert page.locator("#contact_email-error").is_visible()
    _shot(page, tmp_path, "prequal-step3-error")
    email.fill("pat@phone.example")
    email.press("Enter")

    # Result: tier, reasons, products with rationale, next step, resume link.
    page.wait_for_url("**/start/result")
    _no_horizontal_scroll(page)
    assert page.locator("[data-tier]").get_attribute("data-tier") == "enterprise"
    assert page.locator(".pq-reasons li").count() >= 1
    assert page.locator('[data-product="checkout"]').is_visible()
    assert page.get_by_role("link", name="Book a call").is_visible()
    link = page.get_by_label("Your private link").input_value()
    assert "/start/resume/" in link
    copy = page.get_by_role("button", name="Copy link")
    assert copy.is_visible()  # shown by prequal.js; hidden without JavaScript
    copy.click()
    # The clipboard API answers asynchronously: wait for the status line to say something.
    page.wait_for_function(
        "() => document.querySelector('.pq-copy-status').textContent.trim() !== ''"
    )
    _shot(page, tmp_path, "prequal-result")

    # Later, on another device: the link reopens the answers.
    other = browser.new_context(viewport=PHONE)
    try:
        later = other.new_page()
        later.goto(link)
        later.wait_for_url("**/start/result")
        assert company in later.content()
        later.get_by_role("link", name="Change my answers").click()
        later.wait_for_url("**/start/step/1")
        assert later.get_by_label("Where is your company based?").input_value() == "US"
    finally:
        other.close()
