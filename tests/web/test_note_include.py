"""Section notes' "Include in the readout" mark in the workspace: off by default, saved with
the note (autosave and the no-JavaScript form), version-checked like the note, and the only
way a note reaches the readout."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recommender.services import discoveries


def _checkbox(html: str) -> str:
    match = re.search(r'<input type="checkbox" name="notes_include"[^>]*>', html, re.S)
    assert match, "no include checkbox on the section page"
    return match.group(0)


def _notes(app: Flask, discovery_id: int) -> list[dict[str, str]]:
    with app.app_context():
        return discoveries.readout_notes(discovery_id)


def test_the_checkbox_is_off_by_default_and_follows_the_saved_mark(
    app: Flask, sa_client: FlaskClient, discovery_id: int
) -> None:
    page = f"/discoveries/{discovery_id}/sections/company"
    box = _checkbox(sa_client.get(page).get_data(as_text=True))
    assert "checked" not in box
    assert "Include in the readout" in sa_client.get(page).get_data(as_text=True)

    url = f"/discoveries/{discovery_id}/notes/company"
    saved = sa_client.post(url, json={"text": "Adyen contract ends in Q3", "version": 0})
    assert saved.get_json()["include"] is False
    assert _notes(app, discovery_id) == []  # a note is private until marked

    marked = sa_client.post(
        url, json={"text": "Adyen contract ends in Q3", "version": 1, "include": True}
    )
    assert marked.status_code == 200
    assert marked.get_json() == {
        "section_id": "company",
        "version": 2,
        "revision": marked.get_json()["revision"],
        "include": True,
    }
    assert "checked" in _checkbox(sa_client.get(page).get_data(as_text=True))
    assert _notes(app, discovery_id) == [
        {"section_id": "company", "section_title": "Company", "text": "Adyen contract ends in Q3"}
    ]

    # Saving the text alone keeps the mark; unticking takes the note out again.
    kept = sa_client.post(url, json={"text": "Adyen contract ends in Q3.", "version": 2})
    assert kept.get_json()["include"] is True
    off = sa_client.post(
        url, json={"text": "Adyen contract ends in Q3.", "version": 3, "include": False}
    )
    assert off.get_json()["include"] is False and off.get_json()["version"] == 4
    assert _notes(app, discovery_id) == []


def test_the_mark_is_version_checked_like_the_note(
    sa_client: FlaskClient, discovery_id: int
) -> None:
    url = f"/discoveries/{discovery_id}/notes/company"
    assert sa_client.post(url, json={"text": "CFO joins", "version": 0}).status_code == 200
    stale = sa_client.post(url, json={"text": "CFO joins", "version": 0, "include": True})
    assert stale.status_code == 409
    assert "changed these notes" in stale.get_json()["error"]
    # The same mark again changes nothing, whoever set it: no conflict, no new version.
    assert (
        sa_client.post(url, json={"text": "CFO joins", "version": 1, "include": True}).get_json()[
            "version"
        ]
        == 2
    )
    same = sa_client.post(url, json={"text": "CFO joins", "version": 0, "include": True})
    assert same.status_code == 200 and same.get_json()["version"] == 2
    bad = sa_client.post(url, json={"text": "CFO joins", "version": 2, "include": "yes"})
    assert bad.status_code == 400
    assert "true or false" in bad.get_json()["errors"]["notes"]


def test_the_no_javascript_form_saves_the_mark(
    app: Flask, sa_client: FlaskClient, discovery_id: int
) -> None:
    url = f"/discoveries/{discovery_id}/sections/company"
    form = {
        "notes": "Board meets in May",
        "notes_version": "0",
        "notes_include": "1",
        "nav": "stay",
    }
    assert sa_client.post(url, data=form).status_code == 302
    assert [n["text"] for n in _notes(app, discovery_id)] == ["Board meets in May"]
    # An unticked box sends nothing: the note leaves the readout.
    form = {"notes": "Board meets in May", "notes_version": "1", "nav": "stay"}
    assert sa_client.post(url, data=form).status_code == 302
    assert _notes(app, discovery_id) == []
    assert "checked" not in _checkbox(sa_client.get(url).get_data(as_text=True))


def test_readout_notes_come_in_questionnaire_order_without_empty_ones(
    app: Flask, sa_client: FlaskClient, discovery_id: int
) -> None:
    for section, text in (
        ("payments", "Stores open in pop-ups"),
        ("company", "  "),
        ("platform", "Sellers in FR"),
    ):
        sa_client.post(
            f"/discoveries/{discovery_id}/notes/{section}",
            json={"text": text, "version": 0, "include": True},
        )
    assert [n["section_id"] for n in _notes(app, discovery_id)] == ["payments", "platform"]


def test_notes_of_another_discovery_stay_there(
    app: Flask,
    sa_client: FlaskClient,
    sa_user: Any,
    make_discovery: Callable[..., int],
    discovery_id: int,
) -> None:
    other = make_discovery(sa_user, company="Other AG")
    sa_client.post(
        f"/discoveries/{other}/notes/company",
        json={"text": "Not theirs", "version": 0, "include": True},
    )
    assert _notes(app, discovery_id) == []
    assert [n["text"] for n in _notes(app, other)] == ["Not theirs"]
