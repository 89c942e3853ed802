"""The live panel as the SA's co-pilot in Debian's chromium at 1280×800 (a laptop on a call):
the three questions to ask next are in view at the top of the panel on a half-done
discovery, "why not Terminal?" is explained in place, an answer that adds a product is
highlighted and announced in the live region, Alt+1 goes to the first question, and folded
details stay as the SA left them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PANEL = "#recommendation-panel"
#: 12 answers of a marketplace-free French web shop: half a discovery.
HALF: dict[str, Any] = {
    "hq_country": "FR",
    "business_model": "direct_sales",
    "industry": "retail",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL"],
    "channels": ["web"],
    "annual_volume_usd": "30000000",
    "avg_transaction_usd": "80",
    "pricing_models": ["one_time"],
    "dev_capacity": "small",
    "erp": "netsuite",
    "crm": "salesforce",
}


@pytest.fixture
def laptop(browser: Any) -> Iterator[Any]:
    """A page in a 1280×800 window."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


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


def test_the_sa_on_a_call_with_the_co_pilot(
    laptop: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    unique_name: Callable[[str], str],
    start_discovery: Callable[[Any, str], None],
    tmp_path: Path,
) -> None:
    page = laptop
    login_page(page, *demo_users["sa"])
    start_discovery(page, unique_name("Co-pilot Co"))
    autosave(page, HALF)
    page.goto(page.url.replace("/sections/company", "/sections/channels"))
    page.locator(f"{PANEL} .rec-panel").wait_for()

    # The three questions to ask next are in view at the top of the panel, no scrolling.
    links = page.locator(f"{PANEL} .rec-ask-next a[data-ask-rank]")
    assert links.count() == 3
    panel_box = page.locator(f"{PANEL} .rec-panel").bounding_box()
    assert (
        page.evaluate("document.querySelector('#recommendation-panel .rec-panel').scrollTop") == 0
    )
    assert page.evaluate("window.scrollY") == 0
    for i in range(3):
        box = links.nth(i).bounding_box()
        assert box is not None and panel_box is not None
        assert panel_box["y"] <= box["y"] and box["y"] + box["height"] <= 800, (i, box)
    page.screenshot(path=str(tmp_path / "copilot-top.png"))

    # "Why not Terminal?": explained in place, with the answer that would bring it.
    page.select_option(f"{PANEL} #why-not-product", "terminal")
    page.click(f"{PANEL} .rec-why-not button")
    explanation = page.locator(f"{PANEL} .why-not[data-why-not-product=terminal]")
    explanation.wait_for()
    assert "Why not Stripe Terminal?" in explanation.inner_text()
    assert "In person" in explanation.locator(".why-not-if").inner_text()
    assert explanation.locator("a[data-why-question=channels]").count() >= 1
    page.wait_for_function(
        "() => document.getElementById('rec-live').textContent.includes('Stripe Terminal')"
    )

    # Open the risks; answer in person: Terminal comes, highlighted and announced politely.
    page.click(f"{PANEL} details[data-remember=risks] > summary")
    page.check("[data-question=channels] input[value=in_person]")
    added = page.locator(f"{PANEL} .rec-changed [data-added-product=terminal]")
    added.wait_for()
    assert "Stripe Terminal" in added.inner_text()
    assert "rec-flash" in (added.get_attribute("class") or "")
    highlight = added.evaluate("el => getComputedStyle(el).backgroundColor")
    assert highlight not in ("rgba(0, 0, 0, 0)", "transparent")
    assert "Sales channels" in page.locator(f"{PANEL} .rec-changed").inner_text()
    live = page.locator("#rec-live")
    assert live.get_attribute("aria-live") == "polite"
    page.wait_for_function(
        "() => document.getElementById('rec-live').textContent.includes('Added: Stripe Terminal')"
    )
    assert page.locator(f"{PANEL} #rec-live").count() == 0  # outside the swapped fragment
    # The risks stayed open across the refresh.
    assert page.locator(f"{PANEL} details[data-remember=risks]").get_attribute("open") is not None
    page.screenshot(path=str(tmp_path / "copilot-changed.png"))

    # Alt+1 goes to the first question to ask.
    first = page.locator(f"{PANEL} a[data-ask-rank='1']")
    href = first.get_attribute("href")
    assert href is not None and "#q-" in href
    question_id = href.split("#q-", 1)[1]
    page.keyboard.press("Alt+1")
    page.wait_for_url(f"**{href}")
    page.wait_for_function(
        "qid => document.activeElement && document.activeElement.closest('#q-' + qid)",
        arg=question_id,
    )
