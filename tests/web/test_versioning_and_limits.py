"""A discovery stays pinned to its questionnaire version; oversized requests lose nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

FORMS = Path(__file__).resolve().parent / "forms"


def _publish_v2(app: Flask, tmp_path: Path) -> None:
    """A new questionnaire version that drops `contact_email` and adds `incorporated`."""
    from recommender.services import questionnaires

    text = (FORMS / "sa_discovery.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 901", "version: 902", 1)
    text = text.replace(
        "      - id: contact_email\n        label: Contact email\n        type: email\n",
        "      - id: incorporated\n        label: Is the company incorporated?\n        type: boolean\n",
    )
    assert "incorporated" in text and "contact_email" not in text
    (tmp_path / "sa_discovery.yaml").write_text(text, encoding="utf-8")
    with app.app_context():
        assert questionnaires.load_directory(tmp_path) == ["sa_discovery v902"]


def test_an_old_discovery_keeps_its_questionnaire_version(
    app: Flask,
    sa_client: FlaskClient,
    sa_user: Any,
    make_discovery: Callable[..., int],
    autosave: Callable[..., Any],
    stored: Callable[[int], dict[str, Any]],
    tmp_path: Path,
) -> None:
    old = make_discovery(sa_user, "Old Co")
    assert autosave(sa_client, old, "contact_email", "cfo@old.example").status_code == 200

    _publish_v2(app, tmp_path)

    # The old discovery still shows and saves the question v2 dropped ...
    page = sa_client.get(f"/discoveries/{old}/sections/company")
    assert page.status_code == 200
    assert b"Contact email" in page.data and b"Is the company incorporated?" not in page.data
    resp = autosave(sa_client, old, "contact_email", "ceo@old.example", version=1)
    assert resp.status_code == 200, resp.get_json()
    assert stored(old)["contact_email"] == "ceo@old.example"
    # ... and refuses the one v2 added, by name.
    resp = autosave(sa_client, old, "incorporated", "yes")
    assert resp.status_code == 400 and "incorporated" in resp.get_json()["error"]

    # A new discovery starts on v2.
    new = make_discovery(sa_user, "New Co")
    page = sa_client.get(f"/discoveries/{new}/sections/company")
    assert b"Is the company incorporated?" in page.data and b"Contact email" not in page.data
    assert autosave(sa_client, new, "incorporated", True).status_code == 200
    assert stored(new)["incorporated"] is True


def test_an_oversized_autosave_is_413_and_loses_nothing(
    sa_client: FlaskClient,
    discovery_id: int,
    autosave: Callable[..., Any],
    stored: Callable[[int], dict[str, Any]],
) -> None:
    # Starting a discovery fills company_name from the account (answer version 1).
    assert autosave(sa_client, discovery_id, "company_name", "Acme", version=1).status_code == 200
    huge = "x" * (600 * 1024)
    resp = autosave(sa_client, discovery_id, "company_name", huge, version=2)
    assert resp.status_code == 413
    assert "too large" in resp.get_json()["error"]
    assert stored(discovery_id) == {"company_name": "Acme"}
    # The same through the no-JavaScript form post.
    resp = sa_client.post(
        f"/discoveries/{discovery_id}/sections/company",
        data={"company_name": huge, "_v_company_name": "2"},
    )
    assert resp.status_code == 413
    assert stored(discovery_id) == {"company_name": "Acme"}
