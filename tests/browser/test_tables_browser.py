"""The decision table grid in chromium: a cell with an error shows it at that cell; a row is
added from the keyboard and saved into the draft; rows move with labelled buttons."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _discard(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/rulesets/stripe")
    discard = page.locator("button:has-text('Discard draft')")
    if discard.count():
        discard.first.click()


@pytest.fixture
def grid_page(
    page: Any, live_server: Any, login_page: Callable[..., None], demo_users: Any
) -> Iterator[Any]:
    """The author's fresh draft of the default ruleset, its local-methods table in the grid;
    the draft is discarded afterwards (other browser tests edit the same author's draft)."""
    login_page(page, *demo_users["author"])
    _discard(page, live_server)
    page.goto(f"{live_server.url}/rulesets/stripe/tables?table=local-methods")
    page.wait_for_selector("#decision-grid tbody input")
    yield page
    page.evaluate("window.onbeforeunload = null")
    page.on("dialog", lambda d: d.accept())
    _discard(page, live_server)


def test_a_cell_with_an_error_shows_it_at_that_cell(grid_page: Any, tmp_path: Any) -> None:
    page = grid_page
    cell = page.locator("#cell-1-method")
    assert cell.input_value() == "pix"
    cell.fill("pixx")
    cell.press("Enter")
    problem = page.locator('tr[data-row="1"] td[data-column="method"] .cell-problem')
    problem.wait_for()
    assert problem.inner_text() == "unknown product 'pixx' (did you mean 'pix'?)"
    assert cell.get_attribute("aria-invalid") == "true"
    described = cell.get_attribute("aria-describedby")
    assert described and page.locator(f"#{described}").inner_text() == problem.inner_text()
    # Only that cell: the row's other cells and the other rows have no problem.
    assert page.locator("#decision-grid .cell-problem").count() == 1
    # Enter went to the cell below.
    assert page.evaluate("document.activeElement.id") == "cell-2-method"
    assert "1 problem in this table" in page.locator("#grid-status").inner_text()
    page.screenshot(path=str(tmp_path / "cell-error.png"))
    # Saving is refused and says so.
    page.click("#save-grid")
    page.wait_for_selector("#grid-status:has-text('Nothing was saved')")
    # Fixing the cell clears the problem.
    cell.fill("pix")
    cell.press("Enter")
    page.wait_for_selector("#grid-status:has-text('no problems')")
    assert page.locator("#decision-grid .cell-problem").count() == 0


def test_add_a_row_from_the_keyboard_and_save(grid_page: Any, live_server: Any) -> None:
    page = grid_page
    rows = page.locator("#decision-grid tbody tr").count()
    page.click("#add-row")
    # The new row's first cell has the focus; Tab goes from cell to cell.
    assert page.evaluate("document.activeElement.id") == f"cell-{rows}-eligible"
    page.keyboard.type("contains ideal")
    page.keyboard.press("Tab")
    page.keyboard.type("contains ideal")
    page.keyboard.press("Tab")
    page.keyboard.type("ideal")
    assert page.evaluate("document.activeElement.id") == f"cell-{rows}-method"
    page.click("#save-grid")
    page.wait_for_selector("#grid-status:has-text('Saved to your draft')")
    # The draft has it: a reload shows one row more, its cells as typed.
    page.reload()
    page.wait_for_selector("#decision-grid tbody input")
    assert page.locator("#decision-grid tbody tr").count() == rows + 1
    assert page.locator(f"#cell-{rows}-method").input_value() == "ideal"
    assert page.locator(f"#cell-{rows}-wanted").input_value() == "contains ideal"
    # ... and so does the editor, in the table's block.
    page.goto(f"{live_server.url}/rulesets/stripe/edit")
    source = page.locator("#source").input_value()
    assert (
        "      - eligible: contains ideal\n        wanted: contains ideal\n        method: ideal\n"
        in source
    )


def test_rows_move_and_delete_with_labelled_buttons(grid_page: Any) -> None:
    page = grid_page
    first = page.locator("#cell-0-method").input_value()
    second = page.locator("#cell-1-method").input_value()
    page.get_by_role("button", name="Move row 1 down").click()
    assert page.locator("#cell-0-method").input_value() == second
    assert page.locator("#cell-1-method").input_value() == first
    # The focus stays on the moved row's button, so it can keep moving from the keyboard.
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move row 2 down"
    count = page.locator("#decision-grid tbody tr").count()
    page.get_by_role("button", name="Delete row 2").click()
    assert page.locator("#decision-grid tbody tr").count() == count - 1
    page.wait_for_selector("#grid-status:has-text('Checked')")
