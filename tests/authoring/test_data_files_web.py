"""The workbench edits a ruleset's data files in the same editor: a file selector, problems
listed per file that link to their file and line, versions and diffs per data file."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recommender.services import authoring

PM = "payment_methods.yaml"
MARKETS = "markets.yaml"
BOLETO_ACCOUNTS = "    account_countries: [BR]\n"


def _page(resp: Any) -> str:
    assert resp.status_code == 200, resp.status_code
    return str(resp.get_data(as_text=True))


def _textarea(page: str) -> str:
    match = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no editor textarea"
    return html.unescape(match.group(1))


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert match, name
    return html.unescape(match.group(1))


def test_the_editor_has_a_file_selector_for_the_data_files(shop: Any, author_client: FlaskClient) -> None:
    page = _page(author_client.get("/rulesets/shop/edit"))
    tabs = re.search(r'<nav class="toolbar wb-tabs file-tabs".*?</nav>', page, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r'data-file="([^"]*)"', tabs) == ["", PM, MARKETS]
    assert 'aria-current="page" data-file=""' in tabs
    assert _textarea(page).startswith("# A small ruleset with data files")
    assert _hidden(page, "file") == ""

    page = _page(author_client.get(f"/rulesets/shop/edit?file={PM}"))
    assert _textarea(page).startswith("kind: payment_methods")
    assert _hidden(page, "file") == PM
    assert f'aria-current="page" data-file="{PM}"' in page
    assert _hidden(page, "checksum") == authoring.checksum(_textarea(page))
    assert author_client.get("/rulesets/shop/edit?file=nope.yaml").status_code == 404


def test_a_ruleset_without_data_files_has_no_file_selector(demo: Any, author_client: FlaskClient) -> None:
    assert "file-tabs" not in _page(author_client.get("/rulesets/demo/edit"))


def test_saving_a_data_file_with_an_unknown_country_makes_a_draft_and_lists_the_problem_at_its_file_and_line(
    app: Flask, shop: Any, author: Any, author_client: FlaskClient
) -> None:
    page = _page(author_client.get(f"/rulesets/shop/edit?file={PM}"))
    broken = _textarea(page).replace(BOLETO_ACCOUNTS, "    account_countries: [BR, XX]\n", 1)
    with app.app_context():
        assert authoring.draft_for("shop", author) is not None  # opening the editor made one
    page = _page(
        author_client.post(
            "/rulesets/shop/edit",
            data={"source": broken, "file": PM, "checksum": _hidden(page, "checksum")},
        )
    )
    line = broken.splitlines().index("    account_countries: [BR, XX]") + 1
    col = broken.splitlines()[line - 1].index("XX") + 1
    # In this file: a link that jumps within the editor, titled file:line:col.
    assert (
        f'<a href="#source" class="problem-link" data-line="{line}" data-col="{col}" '
        f'title="{PM}:{line}:{col}">{PM}, line {line}, column {col}</a>: unknown country code'
    ) in page
    assert "Draft saved with" in page
    assert _textarea(page) == broken and _hidden(page, "file") == PM
    # Only the data file's own problem: the rules reading its facts are not blamed too.
    assert page.count('class="problem-link"') == 1
    with app.app_context():
        draft = authoring.draft_for("shop", author)
        assert draft.data_files[PM] == broken
        assert draft.source == authoring.active_version("shop").source
    # The ruleset tab opens the rules, still with the data file's problem listed.
    page = _page(author_client.get("/rulesets/shop/edit"))
    assert f'href="/rulesets/shop/edit?file={PM}#L{line}C{col}"' in page
    resp = author_client.post("/rulesets/shop/publish", data={"note": "x"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/rulesets/shop/edit")
    with app.app_context():
        assert authoring.active_version("shop").version == 1


def test_check_without_saving_checks_the_file_with_the_draft(shop: Any, author_client: FlaskClient) -> None:
    page = _page(author_client.get(f"/rulesets/shop/edit?file={MARKETS}"))
    text = _textarea(page).replace("    currency: BRL\n", "    currency: BRX\n", 1)
    data = author_client.post("/rulesets/shop/check", data={"source": text, "file": MARKETS}).json
    assert data["ok"] is False
    (mine,) = [p for p in data["problems"] if p["here"]]
    assert mine["file"] == MARKETS and "unknown currency code 'BRX'" in mine["message"]
    assert mine["line"] == text.splitlines().index("    currency: BRX") + 1
    assert author_client.post("/rulesets/shop/check", data={"source": _textarea(page), "file": MARKETS}).json["ok"]
    # Nothing was saved.
    assert "BRX" not in _textarea(_page(author_client.get(f"/rulesets/shop/edit?file={MARKETS}")))


def test_a_stale_save_keeps_the_authors_text_and_saves_nothing(
    app: Flask, shop: Any, author: Any, author_client: FlaskClient
) -> None:
    page = _page(author_client.get(f"/rulesets/shop/edit?file={PM}"))
    opened = _hidden(page, "checksum")
    with app.app_context():  # saved from another window meanwhile
        authoring.save_draft_file("shop", author, PM, _textarea(page) + "# other window\n")
    mine = _textarea(page) + "# mine\n"
    page = _page(author_client.post("/rulesets/shop/edit", data={"source": mine, "file": PM, "checksum": opened}))
    assert "changed since you opened it" in page and _textarea(page) == mine
    with app.app_context():
        assert authoring.draft_for("shop", author).data_files[PM].endswith("# other window\n")
    # Saving again (with the checksum of what is stored now) replaces it.
    page = _page(author_client.post("/rulesets/shop/edit", data={"source": mine, "file": PM, "checksum": _hidden(page, "checksum")}))
    assert "Draft saved" in page
    with app.app_context():
        assert authoring.draft_for("shop", author).data_files[PM] == mine


def test_sa_cannot_save_data_files(shop: Any, sa_client: FlaskClient) -> None:
    assert sa_client.post("/rulesets/shop/edit", data={"source": "x", "file": PM}).status_code == 403
    assert sa_client.post("/rulesets/shop/check", data={"source": "x", "file": PM}).status_code == 403
    export = sa_client.get(f"/rulesets/shop/export?version=1&file={PM}")
    assert export.status_code == 200 and export.data.startswith(b"kind: payment_methods")
    assert 'filename="shop-v1-payment_methods.yaml"' in export.headers["Content-Disposition"]


def test_impact_publish_versions_and_rollback_show_the_data_change(
    app: Flask, shop: Any, author_client: FlaskClient, make_shop_discovery: Callable[..., int]
) -> None:
    us = make_shop_discovery({"hq_country": "US", "customer_countries": ["BR"]}, "US seller")
    page = _page(author_client.get(f"/rulesets/shop/edit?file={PM}"))
    # Boleto for US accounts too; the scenario saying a US seller does not get it is updated.
    changed = _textarea(page).replace(BOLETO_ACCOUNTS, "    account_countries: [BR, US]\n", 1)
    page = _page(author_client.post("/rulesets/shop/edit", data={"source": changed, "file": PM}))
    assert "No problems" in page
    impact = author_client.get("/rulesets/shop/impact?format=json").json
    assert [(c["id"], c["products_added"]) for c in impact["changed"]] == [(us, ["boleto"])]
    assert impact["edits"]["data"] == [PM]
    impact_page = _page(author_client.get("/rulesets/shop/impact"))
    assert "US seller" in impact_page and f"data file <code>{PM}</code> changed" in impact_page
    assert f"boleto-when-eligible (via {PM})" in impact_page
    scenarios = html.unescape(
        re.search(r'<textarea id="scenarios-text"[^>]*>\n?(.*?)</textarea>', _page(author_client.get("/rulesets/shop/scenarios/all")), re.S).group(1)  # type: ignore[union-attr]
    )
    scenarios = scenarios.replace("gets Pix, not Boleto", "gets Pix and Boleto").replace(
        "    Then the products include checkout, pix\n    And the products exclude boleto\n",
        "    Then the products include checkout, pix, boleto\n",
    )
    page = _page(author_client.post("/rulesets/shop/scenarios", data={"scenarios": scenarios, "action": "run"}))
    assert "2 passed, 0 failed" in page

    publish = _page(author_client.get("/rulesets/shop/publish"))
    assert f"+++ draft {PM}" in publish and "+    account_countries: [BR, US]" in publish
    resp = author_client.post("/rulesets/shop/publish", data={"note": "boleto for US accounts"})
    assert resp.status_code == 302

    overview = _page(author_client.get("/rulesets/shop"))
    rows = re.findall(r'<td class="data-changes">(.*?)</td>', overview, re.S)
    assert len(rows) == 2
    assert f"<code>{PM}</code>" in rows[0] and MARKETS not in rows[0]  # v2: payment methods changed
    assert "added" in rows[1]  # v1 brought both files
    assert f"+++ shop v2 {PM}" in overview  # the audit diff
    version = _page(author_client.get("/rulesets/shop/versions/2"))
    assert f"Data file <code>{PM}</code>" in version and "account_countries: [BR, US]" in version

    resp = author_client.post("/rulesets/shop/rollback", data={"to": "1", "note": "back to v1"})
    assert resp.status_code == 302
    with app.app_context():
        active = authoring.active_version("shop")
        assert active.version == 3
        assert active.data_files[PM] == authoring.get_version("shop", 1).data_files[PM]
