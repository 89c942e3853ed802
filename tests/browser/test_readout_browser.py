"""The readout in Debian's chromium: the SA marks a note for the readout, creates the
readout, shares it, and the customer opens the link in another browser context (no login)
and downloads the PDF. Screenshots go to pytest's tmp_path (to look at, never committed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PANEL = "#recommendation-panel"
NOTE = "Adyen contract ends in Q3"
PRIVATE_NOTE = "They will push for a lower rate"
ANSWERS: dict[str, Any] = {
    "hq_country": "FR",
    "business_model": "marketplace",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL", "BE", "IT", "ES"],
    "channels": ["web", "mobile_app", "in_person"],
    "store_count": "200",
    "pays_out_third_parties": True,
    "current_processor": "adyen",
    "saved_cards_count": "2000000",
    "erp": "netsuite",
    "crm": "salesforce",
    "data_warehouse": "snowflake",
    "go_live_months": "6",
}


def autosave(page: Any, answers: dict[str, Any]) -> None:
    """Save answers the way the workspace script does (JSON autosave with the CSRF token)."""
    discovery_id = int(re.search(r"/discoveries/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    statuses = page.evaluate(
        """async ([did, answers]) => {
            const token = document.querySelector('meta[name=csrf-token]').content;
            const out = [];
            for (const [qid, value] of Object.entries(answers)) {
                const r = await fetch(`/discoveries/${did}/answers`, {
                    method: 'POST', credentials: 'same-origin',
                    headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                    body: JSON.stringify({question_id: qid, value: value, version: 0})});
                out.push(r.status);
            }
            return out;
        }""",
        [discovery_id, answers],
    )
    assert set(statuses) == {200}, statuses


def test_the_sa_prepares_and_shares_the_readout(
    page: Any,
    browser: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
    tmp_path: Path,
) -> None:
    login_page(page, *demo_users["sa"])
    company = unique_name("Maison Pop")
    start_discovery(page, company)
    autosave(page, ANSWERS)

    # Two notes: one for the customer (ticked), one that stays with the SA.
    page.goto(page.url.replace("/sections/company", "/sections/channels"))
    page.fill("#notes", PRIVATE_NOTE)
    page.locator("#notes").blur()
    page.wait_for_selector("#save-status[data-state=saved]")
    page.goto(page.url.replace("/sections/channels", "/sections/payments_today"))
    assert not page.is_checked("#notes-include")  # off by default
    page.fill("#notes", NOTE)
    page.check("#notes-include")
    page.locator("#notes").blur()
    page.wait_for_selector("#save-status[data-state=saved]")
    page.reload()
    assert page.is_checked("#notes-include")

    # Create the readout from the panel: the readout document is framed under the toolbar.
    page.locator(f"{PANEL} .rec-panel").wait_for()
    page.click(f"{PANEL} button:has-text('Create readout')")
    page.wait_for_url(re.compile(r"/reports/(new|\d+)$"))
    if page.url.endswith("/reports/new"):  # key questions still open: create anyway
        page.click("button:has-text('Create anyway')")
        page.wait_for_url(re.compile(r"/reports/\d+$"))
    readout = page.frame_locator("#readout-frame")
    assert company in readout.locator("h1").inner_text()
    for section in ("summary", "design", "architecture", "roadmap", "migration", "markets"):
        readout.locator(f"#s-{section}").wait_for()
    assert readout.locator("#s-architecture svg").count() == 1
    assert NOTE in readout.locator("#s-notes").inner_text()
    assert PRIVATE_NOTE not in readout.locator("body").inner_text()
    # The frame grows to the document (one scroll bar: the page's).
    page.wait_for_function(
        "document.getElementById('readout-frame').getBoundingClientRect().height > 3000"
    )
    for label in ("PDF", "One-page summary (PDF)", "Markdown", "JSON", "Share", "Compare"):
        assert page.locator(f"nav.readout-toolbar >> text={label}").count() >= 1, label
    page.screenshot(path=str(tmp_path / "readout.png"))
    page.screenshot(path=str(tmp_path / "readout-full.png"), full_page=True, timeout=60_000)

    # Share: the toolbar opens the folded share panel; the link is shown once.
    assert not page.is_visible("#share-days")
    page.click("nav.readout-toolbar a:has-text('Share')")
    page.select_option("#share-days", "7")
    page.click("form.share-form button[type=submit]")
    url = page.input_value("#share-url")
    assert re.fullmatch(rf"{re.escape(live_server.url)}/r/[A-Za-z0-9_-]{{43}}", url)
    page.frame_locator("#readout-frame").locator("#s-summary").wait_for()
    page.screenshot(path=str(tmp_path / "share.png"))

    # The customer: another context, no cookies, no login.
    customer_context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    try:
        customer = customer_context.new_page()
        customer.set_default_timeout(20_000)
        response = customer.goto(url)
        assert response.status == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert company in customer.locator("h1").inner_text()
        assert "shared copy" in customer.locator(".masthead").inner_text().lower()
        text = customer.locator("body").inner_text()
        assert NOTE in text
        assert PRIVATE_NOTE not in text and "Rule trace" not in text
        customer.screenshot(path=str(tmp_path / "shared.png"))
        customer.screenshot(path=str(tmp_path / "shared-full.png"), full_page=True, timeout=60_000)
        with customer.expect_download(timeout=120_000) as download:
            customer.click(".share-bar a:has-text('Download PDF')")
        assert download.value.suggested_filename == "stripe-solution-design.pdf"
        pdf = tmp_path / "shared.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
    finally:
        customer_context.close()

    # The SA sees the opening, revokes the link, and the customer gets the 410 page.
    page.goto(page.url.split("#", 1)[0])
    row = page.locator("table.share-links tbody tr").first
    assert "1 time" in row.inner_text()
    row.locator("button:has-text('Revoke')").click()
    page.wait_for_selector("table.share-links tbody tr[data-status=revoked]")
    gone_context = browser.new_context()
    try:
        gone = gone_context.new_page()
        response = gone.goto(url)
        assert response.status == 410
        assert (
            "This link has been revoked; ask your Stripe contact for a new one."
            in gone.inner_text("body")
        )
        gone.screenshot(path=str(tmp_path / "revoked.png"))
    finally:
        gone_context.close()
