"""The ruleset editor's file selector in Debian's chromium: a data file's problem is marked at
its line in that file, and a problem link from the rules opens the data file at its line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PM = "payment_methods.yaml"


def _cm(page: Any, script: str, arg: Any = None) -> Any:
    return page.evaluate(f"arg => {{ const cm = document.querySelector('.CodeMirror').CodeMirror; {script} }}", arg)


def test_a_data_file_is_edited_in_the_same_editor_with_problems_at_their_line(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
) -> None:
    # The admin's own draft: the editor tests of the author's draft are not disturbed.
    login_page(page, *demo_users["admin"])
    page.goto(f"{live_server.url}/rulesets/stripe/edit")
    page.wait_for_selector(".CodeMirror .CodeMirror-linenumber")
    page.click(f".file-tabs a[data-file='{PM}']")
    page.wait_for_url(f"**/rulesets/stripe/edit?file={PM}")
    page.wait_for_selector(".CodeMirror .CodeMirror-linenumber")
    assert page.get_attribute(f".file-tabs a[data-file='{PM}']", "aria-current") == "page"
    text = _cm(page, "return cm.getValue();")
    assert text.startswith("#") and "kind: payment_methods" in text
    lines = text.splitlines()
    index = next(i for i, s in enumerate(lines) if s.strip().startswith("buyer_countries:"))
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines[index] = f"{indent}buyer_countries: [QQ]"
    broken_line = index + 1
    _cm(page, "cm.setValue(arg);", "\n".join(lines) + "\n")
    page.click("button:has-text('Save and check')")
    page.wait_for_selector(".problem-marker")

    info = _cm(
        page,
        "const i = cm.lineInfo(arg - 1); return {marker: !!(i.gutterMarkers && i.gutterMarkers['problem-gutter']), text: i.text};",
        broken_line,
    )
    assert info["marker"] and "QQ" in info["text"]
    assert page.locator(f".file-tabs a[data-file='{PM}'] .badge").inner_text() != ""
    link = page.locator("a.problem-link", has_text=f"{PM}, line {broken_line},")
    assert "unknown country code 'QQ'" in page.locator("#problems li", has=link).inner_text()

    # From the rules, the problem's link opens the data file with the cursor on its line.
    page.click(".file-tabs a[data-file='']")
    page.wait_for_url("**/rulesets/stripe/edit")
    page.wait_for_selector(".CodeMirror .CodeMirror-linenumber")
    page.locator("a.problem-link", has_text=f"{PM}, line {broken_line},").click()
    page.wait_for_url(f"**/rulesets/stripe/edit?file={PM}#L{broken_line}C*")
    page.wait_for_selector(".CodeMirror .CodeMirror-linenumber")
    assert _cm(page, "return cm.getCursor().line;") == broken_line - 1

    # Discard the draft: the next test starts from the active version.
    page.goto(f"{live_server.url}/rulesets/stripe")
    page.click("button:has-text('Discard draft')")
    page.wait_for_selector("text=Draft discarded.")
