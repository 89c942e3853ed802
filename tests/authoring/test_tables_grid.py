"""The Tables tab: a decision table of the draft as a grid, cells checked by the real loader
with problems at their cell, saving that rewrites only the table's block, roles, CSRF and
bad input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

GRID_RULES = Path(__file__).parent / "data" / "tables" / "grid.yaml"


@pytest.fixture
def grid_ruleset(app: Flask) -> Any:
    from recommender.services import authoring

    with app.app_context():
        row, _ = authoring.import_file(GRID_RULES, None, publish_now=True)
        return row


def _rows(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's two rows as the grid sends them, plus `extra` new ones."""
    return [
        {
            "cells": {"volume": ">= 10000000", "segment": "enterprise"},
            "priority": "",
            "because": {"": "Large volume."},
            "orig": 0,
        },
        {
            "cells": {"model": "saas", "segment": "smb", "product": "billing"},
            "priority": "",
            "because": {},
            "orig": 1,
        },
        *extra,
    ]


def _draft_source(app: Flask, author: Any) -> str:
    from recommender.services import authoring

    with app.app_context():
        draft = authoring.draft_for("grid", author)
        return draft.source if draft is not None else authoring.active_version("grid").source


def test_the_tab_shows_the_table_as_a_grid(grid_ruleset: Any, author_client: FlaskClient) -> None:
    page = author_client.get("/rulesets/grid/tables")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'aria-current="page">Tables</a>' in html
    assert "Segment and plan by volume" in html and "first hit" in html
    assert "&gt;= 10000000" in html and "enterprise" in html
    # Read-only without JavaScript: the table and each row link to the editor at their line.
    line = GRID_RULES.read_text().splitlines().index("  - id: segments") + 1
    assert f'/rulesets/grid/edit#L{line}C1" id="open-in-editor"' in html
    assert re.search(r'/rulesets/grid/edit#L\d+C1" title="Open row 2 in the editor', html)
    assert 'id="grid-data"' in html and "js/tables.js" in html
    # The other tabs link here.
    assert "/rulesets/grid/tables" in author_client.get("/rulesets/grid/edit").get_data(
        as_text=True
    )


def test_a_draft_without_tables_says_where_to_write_one(
    demo: Any, author_client: FlaskClient
) -> None:
    html = author_client.get("/rulesets/demo/tables").get_data(as_text=True)
    assert "This draft has no decision tables" in html


def test_check_reports_a_bad_cell_at_its_row_and_column(
    grid_ruleset: Any, author_client: FlaskClient
) -> None:
    rows = _rows(
        {
            "cells": {"volume": ">= lots", "product": "biling"},
            "priority": "",
            "because": {},
            "orig": None,
        }
    )
    resp = author_client.post("/rulesets/grid/tables/segments/check", json={"rows": rows})
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["ok"] is False
    cells = {(c["row"], c["column"]): c["message"] for c in data["cells"]}
    assert cells[(2, "volume")] == "'>=' needs a number, not lots"
    assert cells[(2, "product")] == "unknown product 'biling' (did you mean 'billing'?)"
    text = next(c["text"] for c in data["cells"] if c["column"] == "product")
    assert 'table segments, row 3, column "Recommend": unknown product' in text
    assert data["others"] == 0


def test_check_finds_overlaps_and_gaps(grid_ruleset: Any, author_client: FlaskClient) -> None:
    data = author_client.post(
        "/rulesets/grid/tables/segments/check", json={"rows": _rows()}
    ).get_json()
    assert data["ok"] is True
    kinds = {f["kind"]: f for f in data["findings"]}
    assert kinds["overlap"]["rows"] == [0, 1]
    assert "rows 1 and 2 can both hold" in kinds["overlap"]["message"]
    assert "no row holds for some answers" in kinds["gap"]["message"]


def test_save_rewrites_only_the_table_block(
    app: Flask, grid_ruleset: Any, author_client: FlaskClient, author: Any
) -> None:
    before = _draft_source(app, author)
    page = author_client.get("/rulesets/grid/tables").get_data(as_text=True)
    checksum = re.search(r'"checksum": "([0-9a-f]+)"', page)
    assert checksum is not None
    new_row = {
        "cells": {"volume": "< 1000", "product": "terminal"},
        "priority": "",
        "because": {"": "Small shops."},
        "orig": None,
    }
    resp = author_client.post(
        "/rulesets/grid/tables/segments",
        json={"rows": _rows(new_row), "checksum": checksum.group(1)},
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["ok"] is True
    after = _draft_source(app, author)
    head, _, tail = before.partition("  - id: segments")
    assert after.startswith(head)  # everything above the table, comments included
    assert after.endswith("# Trailing comment after the table: kept too.\n")
    assert after.count("\n") == before.count("\n") + 3
    assert (
        '      - volume: < 1000\n        product: terminal\n        because: "Small shops."\n'
        in after
    )
    from recommender.engine import load_ruleset_text
    from recommender.engine.loader import find_questionnaire

    form = find_questionnaire(Path(__file__).parent / "data" / "forms", "authoring_demo")
    ruleset = load_ruleset_text(after, "grid.yaml", form)
    assert [r.id for r in ruleset.rules] == [
        "checkout-for-web",
        "segments[1]",
        "segments[2]",
        "segments[3]",
    ]
    # The same checksum again: the draft changed since, so nothing is saved.
    again = author_client.post(
        "/rulesets/grid/tables/segments", json={"rows": _rows(), "checksum": checksum.group(1)}
    )
    assert again.status_code == 409
    assert _draft_source(app, author) == after


def test_saving_unchanged_rows_keeps_the_source_byte_for_byte(
    app: Flask, grid_ruleset: Any, author_client: FlaskClient, author: Any
) -> None:
    before = _draft_source(app, author)
    resp = author_client.post("/rulesets/grid/tables/segments", json={"rows": _rows()})
    assert resp.status_code == 200
    # grid.yaml's table is written in the grid's layout: saving it as it is changes nothing.
    assert _draft_source(app, author) == before


def test_moving_and_deleting_rows(
    app: Flask, grid_ruleset: Any, author_client: FlaskClient, author: Any
) -> None:
    rows = _rows()
    resp = author_client.post("/rulesets/grid/tables/segments", json={"rows": [rows[1], rows[0]]})
    assert resp.status_code == 200
    source = _draft_source(app, author)
    assert source.index("model: saas") < source.index('volume: ">= 10000000"')
    resp = author_client.post("/rulesets/grid/tables/segments", json={"rows": [rows[1]]})
    assert resp.status_code == 200
    assert "10000000" not in _draft_source(app, author).split("tables:")[1]


def test_save_with_a_bad_cell_is_refused_with_the_cell_and_saves_nothing(
    app: Flask, grid_ruleset: Any, author_client: FlaskClient, author: Any
) -> None:
    before = _draft_source(app, author)
    bad = {
        "cells": {"model": "sass", "segment": "mid"},
        "priority": "x",
        "because": {},
        "orig": None,
    }
    resp = author_client.post("/rulesets/grid/tables/segments", json={"rows": _rows(bad)})
    assert resp.status_code == 400
    data = resp.get_json()
    assert data["error"].startswith("Nothing was saved")
    cells = {(c["row"], c["column"]): c["message"] for c in data["cells"]}
    assert "'x' is not a whole number" in cells[(2, "priority")]
    assert "'sass' is not an option" in cells[(2, "model")] and "saas" in cells[(2, "model")]
    assert "'mid' is not an option of derived fact 'segment'" in cells[(2, "segment")]
    assert _draft_source(app, author) == before


@pytest.mark.parametrize(
    "body",
    [
        None,
        {"rows": "all of them"},
        {"rows": [["volume", ">= 1"]]},
        {"rows": [{"cells": {"volumes": "1"}}]},
        {"rows": [{"cells": {"volume": 5}}]},
        {"rows": [{"cells": {}, "because": "text"}]},
        {"rows": [{"cells": {}, "orig": -1}]},
        {"rows": [{"cells": {"volume": "x" * 3000}}]},
    ],
)
def test_bad_input_is_a_400_with_a_message(
    grid_ruleset: Any, author_client: FlaskClient, body: Any
) -> None:
    for url in ("/rulesets/grid/tables/segments/check", "/rulesets/grid/tables/segments"):
        resp = (
            author_client.post(url, json=body)
            if body is not None
            else author_client.post(url, data="not json", content_type="application/json")
        )
        assert resp.status_code == 400, (url, body)
        assert resp.get_json()["error"]


def test_unknown_table_is_a_404(grid_ruleset: Any, author_client: FlaskClient) -> None:
    assert author_client.get("/rulesets/grid/tables?table=nope").status_code == 404
    assert (
        author_client.post("/rulesets/grid/tables/nope/check", json={"rows": []}).status_code == 404
    )


def test_anonymous_is_sent_to_login(grid_ruleset: Any, client: FlaskClient) -> None:
    assert client.get("/rulesets/grid/tables").status_code == 302
    assert client.post("/rulesets/grid/tables/segments/check", json={"rows": []}).status_code in (
        302,
        401,
    )


def test_an_sa_cannot_edit_tables(grid_ruleset: Any, sa_client: FlaskClient) -> None:
    assert sa_client.get("/rulesets/grid/tables").status_code == 403
    assert sa_client.post("/rulesets/grid/tables/segments", json={"rows": []}).status_code == 403


@pytest.fixture
def csrf_on(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_saving_needs_the_csrf_token(
    csrf_on: dict[str, Any], app: Flask, grid_ruleset: Any, client: FlaskClient, author: Any
) -> None:
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
    assert token is not None
    client.post(
        "/login",
        data={
            "email": author.email,
            "password": "correct-horse-battery",
            "csrf_token": token.group(1),
        },
    )
    page = client.get("/rulesets/grid/tables").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert meta is not None
    refused = client.post("/rulesets/grid/tables/segments", json={"rows": _rows()})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    ok = client.post(
        "/rulesets/grid/tables/segments",
        json={"rows": _rows()},
        headers={"X-CSRFToken": meta.group(1)},
    )
    assert ok.status_code == 200


def test_a_draft_that_does_not_read_sends_the_author_to_the_editor(
    grid_ruleset: Any, author_client: FlaskClient
) -> None:
    broken = GRID_RULES.read_text().replace("    hit: first\n", "    hit: first\n   oops: [\n")
    author_client.post("/rulesets/grid/edit", data={"source": broken})
    page = author_client.get("/rulesets/grid/tables")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your draft does not read as YAML" in html and "Open the editor" in html
    resp = author_client.post("/rulesets/grid/tables/segments/check", json={"rows": []})
    assert resp.status_code == 400 and "does not read as YAML" in resp.get_json()["error"]
