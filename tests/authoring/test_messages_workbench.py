"""The workbench problems list speaks the author's language too: YAML layout in plain words,
did-you-mean for ids, derived-fact loops and facts never derived; the editor page carries the
outline, find bar and "rules that read this answer" controls."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recommender.services import authoring

from .conftest import edit_source

JARGON = re.compile(r"block end|mapping start|scanner|while parsing|expected <|/rules/\d|\^\[")


def _draft(app: Flask) -> str:
    with app.app_context():
        return str(authoring.get_or_create_draft("demo", None).source)


def _check(client: FlaskClient, source: str) -> list[dict[str, Any]]:
    resp = client.post("/rulesets/demo/check", data={"source": source})
    assert resp.status_code == 200
    return list(resp.json["problems"])


def test_the_check_reports_layout_names_and_loops_in_plain_words(
    app: Flask, demo: Any, author_client: FlaskClient
) -> None:
    source = _draft(app)
    lines = source.splitlines()

    # An indentation slip.
    when = next(i for i, s in enumerate(lines) if s == "    when: channels contains web")
    shifted = source.replace(
        "    when: channels contains web\n", "      when: channels contains web\n", 1
    )
    problems = _check(author_client, shifted)
    assert [(p["line"], p["col"]) for p in problems] == [(when + 1, 7)]
    assert "indented further than the one above it" in problems[0]["message"]

    # A tab.
    problems = _check(
        author_client,
        source.replace("    when: channels contains web\n", "\twhen: channels contains web\n", 1),
    )
    assert [(p["line"], p["col"]) for p in problems] == [(when + 1, 1)]
    assert problems[0]["message"].startswith("use spaces, not tabs")

    # A misspelt product, with the one meant.
    problems = _check(
        author_client,
        edit_source(source, "      - product: billing\n", "      - product: biling\n"),
    )
    assert (
        len(problems) == 1
        and "unknown product 'biling' (did you mean 'billing'?)" in problems[0]["message"]
    )

    # A loop: the enterprise segment derived from itself; reported, so publishing waits.
    looping = edit_source(
        source,
        "when: annual_volume_usd >= 10_000_000",
        "when: annual_volume_usd >= 10_000_000 or segment == enterprise",
    )
    problems = _check(author_client, looping)
    text = "    when: annual_volume_usd >= 10_000_000 or segment == enterprise"
    line = looping.splitlines().index(text) + 1
    assert [(p["line"], p["col"]) for p in problems] == [(line, text.index("segment") + 1)]
    assert "reads 'segment' and derives 'segment' itself" in problems[0]["message"]
    author_client.post("/rulesets/demo/edit", data={"source": looping})
    author_client.post("/rulesets/demo/publish", data={"note": "loop"})
    with app.app_context():
        assert authoring.active_version("demo").version == 1

    # A derived fact read but never derived.
    never = edit_source(
        source,
        "    derive:\n      - fact: segment\n        value: enterprise\n",
        "    recommend:\n      - product: payment_links\n",
    )
    problems = _check(author_client, never)
    assert len(problems) == 1, problems
    assert "reads the derived fact 'segment', but no rule derives it" in problems[0]["message"]
    for p in problems:
        assert not JARGON.search(p["message"])


def test_the_editor_page_has_the_outline_find_bar_and_reader_buttons(
    app: Flask, demo: Any, author_client: FlaskClient
) -> None:
    html = author_client.get("/rulesets/demo/edit").get_data(as_text=True)
    assert 'id="outline-search"' in html and 'id="outline"' in html
    assert 'id="find-input"' in html and 'id="find-next"' in html and 'id="find-prev"' in html
    assert 'data-reads="annual_volume_usd"' in html and 'data-reads="segment"' in html
    assert "css/editor.css" in html
    # The find bar sits outside the editor form: Enter in it never submits the draft.
    form = re.search(r'<form method="post"[^>]*id="editor-form".*?</form>', html, re.S)
    assert form is not None and 'id="find-input"' not in form.group(0)
