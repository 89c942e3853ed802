"""The ruleset editor's outline, find bar, error jumps and "rules that read this answer", in
Debian's chromium against the default ruleset (rules/stripe.yaml, 2,000+ lines)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp/recommender-screenshots")
CM = "document.querySelector('.CodeMirror').CodeMirror"
THRESHOLD = re.compile(r"\b50_?000_?000\b|\b50,000,000\b")


def _open_editor(page: Any, live_server: Any, login_page: Callable[..., None], users: Any) -> str:
    """Log in as the author and open the editor on a fresh draft (other tests of the session
    may have left a draft with errors, which the editor would scroll to)."""
    login_page(page, *users["author"])
    page.goto(f"{live_server.url}/rulesets/stripe")
    discard = page.locator("button:has-text('Discard draft')")
    if discard.count():
        discard.first.click()
        page.wait_for_load_state()
    page.goto(f"{live_server.url}/rulesets/stripe/edit")
    page.wait_for_selector("#outline a.outline-link")
    return str(page.evaluate(f"{CM}.getValue()"))


def _item_id_above(lines: list[str], index: int) -> tuple[str, int]:
    """The `- id:` of the list item that line `index` belongs to, and its line (0-based)."""
    for i in range(index, -1, -1):
        m = re.match(r"\s*- (?:\{\s*)?id:\s*([\w-]+)", lines[i])
        if m:
            return m.group(1), i
    raise AssertionError(f"no item above line {index + 1}")


def _threshold_rule(source: str) -> tuple[str, int, str]:
    """(rule id, its 0-based line, the outline entry holding the number) for the rule with the
    $50M enterprise volume threshold, held in its condition or in a parameter it reads."""
    lines = source.splitlines()
    holder = next(
        i for i, s in enumerate(lines) if THRESHOLD.search(s) and not s.strip().startswith("#")
    )
    holder_id, _ = _item_id_above(lines, holder)
    section = next(s for s in reversed(lines[:holder]) if re.match(r"[a-z_]+:", s))
    if section.startswith("rules:"):
        rule_id, rule_line = _item_id_above(lines, holder)
        return rule_id, rule_line, holder_id
    reader = next(i for i, s in enumerate(lines) if f"${holder_id}" in s and "when" in s)
    rule_id, rule_line = _item_id_above(lines, reader)
    return rule_id, rule_line, holder_id


def _in_view(page: Any, line: int) -> bool:
    """True when the 0-based `line` is drawn inside the editor's visible area, left edge shown."""
    return bool(
        page.evaluate(
            """line => {
                const cm = document.querySelector('.CodeMirror').CodeMirror;
                const info = cm.getScrollInfo();
                const top = cm.heightAtLine(line, 'local');
                return top >= info.top && top + cm.defaultTextHeight() <= info.top + info.clientHeight
                    && info.left === 0;
            }""",
            line,
        )
    )


def _cursor(page: Any) -> dict[str, int]:
    return dict(
        page.evaluate(
            f"(() => {{ const c = {CM}.getCursor(); return {{line: c.line, ch: c.ch}}; }})()"
        )
    )


def test_outline_search_goes_to_the_enterprise_threshold_rule(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
) -> None:
    source = _open_editor(page, live_server, login_page, demo_users)
    rule_id, rule_line, holder = _threshold_rule(source)
    assert not _in_view(page, rule_line)  # far below the first screen

    # The outline lists the sections of the file, rules grouped under their headings.
    sections = page.locator("#outline > details > summary").all_inner_texts()
    assert any(s.startswith("Products") for s in sections)
    assert any(s.startswith("Rules") for s in sections)
    assert page.locator("#outline details details summary").count() >= 3  # rule groups

    # By text: the number as an author types it, without separators.
    search = page.locator("#outline-search")
    search.fill("50000000")
    first = page.locator("#outline a.outline-first")
    assert first.inner_text() == holder
    assert holder in page.locator("#outline-status").inner_text()

    # By id: the rule itself; Enter goes there and shows it.
    search.fill(rule_id)
    assert page.locator("#outline a.outline-first").inner_text() == rule_id
    search.press("Enter")
    page.wait_for_function(f"{CM}.getCursor().line === {rule_line}")
    assert _in_view(page, rule_line)
    assert rule_id in page.locator(".CodeMirror-code").inner_text()

    # Clicking an entry goes there too (from the top of the file).
    page.evaluate(f"{CM}.scrollTo(0, 0); {CM}.setCursor({{line: 0, ch: 0}})")
    search.fill("")
    products = page.locator("#outline details[data-key='products']")
    products.locator("summary").first.click()  # products are grouped by family
    family = products.locator("details").nth(1)
    family.locator("summary").click()
    link = family.locator("a.outline-link").last
    target = int(link.get_attribute("data-line") or 0) - 1
    link.click()
    page.wait_for_function(f"{CM}.getCursor().line === {target}")
    assert _in_view(page, target)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "editor-outline.png"), full_page=False)


def test_find_bar_finds_text_off_screen(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
) -> None:
    source = _open_editor(page, live_server, login_page, demo_users)
    lines = source.splitlines()
    # The last rule's id: near the end of the file, far off the first screen.
    last_id, _ = _item_id_above(lines, len(lines) - 1)
    expected = source.lower().count(last_id.lower())
    first_hit = next(i for i, s in enumerate(lines) if last_id.lower() in s.lower())
    assert not _in_view(page, first_hit)
    # CodeMirror has not drawn it, so the page itself does not contain the text.
    assert last_id not in page.locator(".CodeMirror-code").inner_text()

    page.locator(".CodeMirror textarea").focus()
    page.keyboard.press("Control+f")
    assert page.evaluate("document.activeElement.id") == "find-input"
    page.keyboard.type(last_id)
    page.wait_for_function(f"{CM}.getCursor().line === {first_hit}")
    assert page.locator("#find-count").inner_text() == f"1 of {expected}"
    assert _in_view(page, first_hit)
    assert last_id in page.locator(".CodeMirror-code").inner_text()
    assert page.locator(".cm-find-current").count() >= 1
    selection = page.evaluate(f"{CM}.getSelection()")
    assert selection.lower() == last_id.lower()

    if expected > 1:
        page.locator("#find-next").click()
        assert page.locator("#find-count").inner_text() == f"2 of {expected}"
    page.locator("#find-prev").click()
    assert page.locator("#find-count").inner_text() == f"1 of {expected}"

    # Digits match across the separators authors write in numbers.
    page.locator("#find-input").fill("100000000")
    count = page.locator("#find-count").inner_text()
    assert count.endswith(f"of {len(re.findall(r'100_?000_?000', source))}"), count

    page.locator("#find-input").fill("no such text anywhere 42")
    assert page.locator("#find-count").inner_text() == "No matches"


def test_jumping_to_an_error_on_a_long_line_shows_the_start_of_the_line(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
) -> None:
    source = _open_editor(page, live_server, login_page, demo_users)
    lines = source.splitlines()
    index = next(i for i, s in enumerate(lines) if s.strip().startswith("when:") and i > 1500)
    padding = " and ".join(f"annual_volume_usd >= {n}" for n in range(1, 12))
    lines[index] = f"{lines[index]} and {padding} and business_modle == saas"
    column = lines[index].index("business_modle") + 1
    assert column > 250
    page.evaluate(
        "text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)",
        "\n".join(lines) + "\n",
    )
    page.click("button:has-text('Save and check')")
    page.wait_for_selector(".problem-marker")
    link = page.locator("a.problem-link", has_text=f"line {index + 1}, column {column}")
    assert link.count() == 1
    # Scrolled away (down and sideways) before clicking the error.
    page.evaluate(
        f"{CM}.scrollTo(900, 0); {CM}.setCursor({{line: 0, ch: 0}}, null, {{scroll: false}})"
    )
    link.click()
    page.wait_for_function(f"{CM}.getCursor().line === {index}")
    assert _cursor(page) == {"line": index, "ch": column - 1}
    assert page.evaluate(f"{CM}.getScrollInfo().left") == 0
    assert _in_view(page, index)
    # The start of the line is on screen: its first characters are drawn at the left.
    start = lines[index].strip()[:12]
    row = page.locator(".CodeMirror-line", has_text=start).first
    box = row.bounding_box()
    wrapper = page.locator(".CodeMirror").bounding_box()
    assert box is not None and wrapper is not None and box["x"] < wrapper["x"] + 80
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "editor-long-line-error.png"), full_page=False)


def test_rules_that_read_an_answer_link_to_their_conditions(
    page: Any,
    live_server: Any,
    login_page: Callable[..., None],
    demo_users: dict[str, tuple[str, str]],
) -> None:
    source = _open_editor(page, live_server, login_page, demo_users)
    rule_id, rule_line, _ = _threshold_rule(source)
    lines = source.splitlines()
    readers = {
        _item_id_above(lines, i)[0]
        for i, s in enumerate(lines)
        if re.match(r"\s*when:.*\bannual_volume_usd\b", s)
    }
    button = page.locator("button.readers-toggle[data-reads='annual_volume_usd']")
    button.click()
    listed = page.locator("button.readers-toggle[data-reads='annual_volume_usd'] + ul.readers a")
    names = set(listed.all_inner_texts())
    assert readers <= names, readers - names
    assert re.search(rf"\({len(names)}\)$", button.inner_text())
    link = listed.filter(has_text=re.compile(rf"^{re.escape(rule_id)}$")).first
    link.click()
    when_line = next(
        i for i in range(rule_line, rule_line + 10) if lines[i].strip().startswith("when:")
    )
    page.wait_for_function(f"{CM}.getCursor().line === {when_line}")
    assert _cursor(page)["ch"] == lines[when_line].index("annual_volume_usd")
    assert _in_view(page, when_line)
