"""The workspace's "jump to a question" list: every question of every section, from the
server, with whether it is asked and answered, escaped safely into the page."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

FORMS = Path(__file__).resolve().parent / "forms"


def _index(html: str) -> list[dict[str, Any]]:
    match = re.search(r'<script type="application/json" id="jump-index">(.*?)</script>', html, re.S)
    assert match, "no jump index in the page"
    return list(json.loads(match.group(1)))


def test_the_jump_list_has_every_question_with_section_visibility_and_answers(
    app: Flask, sa_client: FlaskClient, discovery_id: int, autosave: Callable[..., Any]
) -> None:
    from recommender.extensions import db
    from recommender.models import Discovery
    from recommender.services import discoveries

    assert autosave(sa_client, discovery_id, "pays_out_third_parties", "false").status_code == 200
    html = sa_client.get(f"/discoveries/{discovery_id}/sections/payments").get_data(as_text=True)
    items = _index(html)
    with app.app_context():
        q = discoveries.questionnaire_of(db.session.get(Discovery, discovery_id))
        assert [i["id"] for i in items] == list(q.questions)
    by_id = {i["id"]: i for i in items}
    assert by_id["company_name"] == {
        "id": "company_name",
        "label": "Company name",
        "section_id": "company",
        "section_title": "Company",
        "visible": True,
        "answered": True,  # the account's name, filled in when the discovery started
    }
    assert by_id["merchant_of_record"]["section_id"] == "platform"
    assert by_id["merchant_of_record"]["visible"] is False  # show_if: pays_out_third_parties
    assert by_id["store_count"]["visible"] is False
    assert by_id["pays_out_third_parties"]["answered"] is True
    assert by_id["channels"]["answered"] is False


def test_a_label_with_markup_stays_inside_the_json_script(
    app: Flask, sa_client: FlaskClient, sa_user: Any, tmp_path: Path
) -> None:
    """Labels are written with |tojson: '</script>' in a label cannot end the blob."""
    from recommender.extensions import db
    from recommender.models import User
    from recommender.services import accounts, discoveries, questionnaires

    source = (FORMS / "sa_discovery.yaml").read_text()
    hostile = source.replace("version: 901", "version: 902").replace(
        "label: Company name", "label: 'Company </script><script>alert(1)</script> name'"
    )
    assert hostile != source
    (tmp_path / "sa_discovery.yaml").write_text(hostile)
    app.config["FORMS_DIR"] = str(tmp_path)
    with app.app_context():
        questionnaires.load_directory()
        user = db.session.get(User, sa_user.id)
        account = accounts.create_account("Hostile Labels", user)
        did = discoveries.start_discovery(account.id, user).id
    html = sa_client.get(f"/discoveries/{did}/sections/company").get_data(as_text=True)
    blob = html.split('id="jump-index">', 1)[1].split("</script>", 1)[0]
    assert "<" not in blob
    assert _index(html)[0]["label"] == "Company </script><script>alert(1)</script> name"
