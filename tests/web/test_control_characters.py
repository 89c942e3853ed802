"""NUL characters (pasted from a PDF, or sent by a tampered request) are refused at the field
or dropped from names and searches: PostgreSQL cannot store them in text or JSON, so before
this check such a save was a 500 in production, and on SQLite it stored junk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

NUL = "\x00"


def test_autosave_refuses_text_with_a_nul_at_the_field(
    sa_client: FlaskClient,
    discovery_id: int,
    autosave: Callable[..., Any],
    stored: Callable[[int], dict[str, Any]],
) -> None:
    before = stored(discovery_id)
    resp = autosave(sa_client, discovery_id, "company_name", f"Acme{NUL} Corp", version=1)
    assert resp.status_code == 400
    assert "company_name" in resp.get_json()["errors"]
    assert stored(discovery_id) == before


def test_section_form_refuses_a_nul_at_the_field_and_keeps_the_rest(
    sa_client: FlaskClient, discovery_id: int, stored: Callable[[int], dict[str, Any]]
) -> None:
    resp = sa_client.post(
        f"/discoveries/{discovery_id}/sections/company",
        data={
            "company_name": f"Bad{NUL}name",
            "_v_company_name": "1",
            "business_model": "saas",
            "_v_business_model": "0",
            "notes": f"note{NUL}",
            "notes_version": "0",
            "nav": "next",
        },
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="company_name-error"' in html and "character" in html
    assert 'id="notes-error" role="alert" hidden' not in html
    answers = stored(discovery_id)
    assert answers["company_name"] == "Acme GmbH"
    assert answers["business_model"] == "saas"


def test_notes_autosave_refuses_a_nul(sa_client: FlaskClient, discovery_id: int) -> None:
    url = f"/discoveries/{discovery_id}/notes/company"
    resp = sa_client.post(url, json={"text": f"CFO{NUL}", "version": 0})
    assert resp.status_code == 400
    assert resp.get_json()["errors"]["notes"]
    page = sa_client.get(f"/discoveries/{discovery_id}/sections/company").get_data(as_text=True)
    assert NUL not in page


def test_account_names_titles_and_searches_drop_nul_characters(
    sa_client: FlaskClient, questionnaire_loaded: None
) -> None:
    resp = sa_client.post("/accounts", data={"name": f"Nul{NUL} Industries", "start": "1"})
    assert resp.status_code == 302
    listing = sa_client.get("/accounts").get_data(as_text=True)
    assert "Nul Industries" in listing and NUL not in listing
    assert sa_client.get(f"/accounts?q=Nul{NUL}").status_code == 200
    dashboard = sa_client.get(f"/discoveries?q=Nul{NUL}")
    assert dashboard.status_code == 200
    assert "Nul Industries" in dashboard.get_data(as_text=True)
