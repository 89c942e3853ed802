"""The ruleset editor in Debian's chromium: a check error is shown at its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp/recommender-screenshots")


def test_editor_marks_a_check_error_at_its_line(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
    tmp_path: Path,
) -> None:
    login_page(page, *demo_users["author"])
    page.goto(f"{live_server.url}/rulesets/stripe/edit")
    page.wait_for_selector(".CodeMirror .CodeMirror-linenumber")
    source = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    lines = source.splitlines()
    index = next(i for i, s in enumerate(lines) if s.strip().startswith("when:"))
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines[index] = f"{indent}when: business_modle == saas"
    broken_line = index + 1
    page.evaluate(
        "text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", "\n".join(lines) + "\n"
    )
    page.click("button:has-text('Save and check')")
    page.wait_for_selector(".problem-marker")  # the editor scrolled to the first problem

    info = page.evaluate(
        """line => {
            const cm = document.querySelector('.CodeMirror').CodeMirror;
            const i = cm.lineInfo(line - 1);
            return {marker: !!(i.gutterMarkers && i.gutterMarkers['problem-gutter']),
                    bg: i.bgClass || '', text: i.text,
                    markers: document.querySelectorAll('.problem-marker').length};
        }""",
        broken_line,
    )
    assert info["marker"] and "cm-problem-line" in info["bg"]
    assert info["markers"] == 1 and "business_modle" in info["text"]
    message = page.locator(".cm-problem-message").first.inner_text()
    assert "business_modle" in message
    link = page.locator("a.problem-link").first
    assert link.inner_text().startswith(f"stripe.yaml, line {broken_line},")
    # The problem's line number is visible in the gutter next to the marker.
    row = page.locator(".CodeMirror-code > div", has=page.locator(".problem-marker"))
    assert row.locator(".CodeMirror-linenumber").inner_text() == str(broken_line)

    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setCursor({line: 0, ch: 0})")
    link.click()
    cursor = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getCursor().line")
    assert cursor == broken_line - 1

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(tmp_path / "editor-error.png"), full_page=False)
    page.screenshot(path=str(SCREENSHOT_DIR / "editor-error.png"), full_page=False)


def test_text_over_the_size_limit_is_refused_in_place_and_the_check_reports_failures(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
) -> None:
    login_page(page, *demo_users["author"])
    page.goto(f"{live_server.url}/rulesets/stripe/edit")
    page.wait_for_selector(".CodeMirror .CodeMirror-linenumber")
    limit = int(page.get_attribute("#editor-form", "data-max-bytes") or 0)
    assert limit > 0
    source = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    huge = source + "# padding\n" * (limit // 10 + 1)
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", huge)

    # Check without saving: the server refuses (413); the author is told, nothing breaks.
    page.click("#check-button")
    status = page.locator("#editor-form .editor-status")
    status.wait_for(state="visible")
    assert "The check did not run" in status.inner_text() and "KB limit" in status.inner_text()

    # Save and check: refused before sending; the page and the pasted text stay.
    page.click("button:has-text('Save and check')")
    page.wait_for_function(
        "() => document.querySelector('#editor-form .editor-status').textContent.includes('was not saved')"
    )
    assert page.url.endswith("/rulesets/stripe/edit")
    kept = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue().length")
    assert kept == len(huge)
    assert page.get_attribute("#editor-form .editor-status", "role") == "alert"
