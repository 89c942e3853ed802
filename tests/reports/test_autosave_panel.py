"""An autosave that says what the panel showed gets the refreshed panel back in its answer
(one round trip per answer), the same fragment the panel GET renders."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

pytestmark = pytest.mark.usefixtures("loaded")


def _save(client: FlaskClient, did: int, qid: str, value: object, version: int, **extra: object):
    return client.post(
        f"/discoveries/{did}/answers",
        json={"question_id": qid, "value": value, "version": version, **extra},
    )


def test_the_autosave_brings_the_refreshed_panel_when_asked(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    did = make_discovery({"hq_country": "DE", "customer_countries": ["DE"]})
    before = sa_client.get(f"/discoveries/{did}/recommendation").get_data(as_text=True)
    shown = re.search(r'data-products="([^"]*)"', before)
    assert shown is not None and "terminal" not in shown.group(1)

    # Without `panel`: the answer as before, no fragment.
    plain = _save(sa_client, did, "business_model", "marketplace", 0)
    assert plain.status_code == 200 and "panel_html" not in plain.get_json()

    resp = _save(
        sa_client,
        did,
        "channels",
        ["web", "in_person"],
        0,
        panel={"prev_products": shown.group(1), "prev_risks": ""},
    )
    data = resp.get_json()
    assert resp.status_code == 200
    html = data["panel_html"]
    assert f'data-revision="{data["revision"]}"' in html
    assert 'data-product="terminal"' in html
    # "Changed by your last answer" names the answer and what it added.
    assert "Sales channels" in html and "Stripe Terminal" in html and "data-announce" in html
    # The same fragment the GET gives for the same state.
    again = sa_client.get(
        f"/discoveries/{did}/recommendation",
        query_string={"prev_products": shown.group(1), "prev_risks": "", "changed": "channels"},
    ).get_data(as_text=True)
    assert again == html


@pytest.mark.parametrize("panel", [{"prev_products": ["x"] * 5}, {"prev_risks": "y" * 100_000}, {}])
def test_odd_panel_parameters_are_ignored(
    sa_client: FlaskClient, make_discovery: Callable[..., int], panel: dict[str, object]
) -> None:
    did = make_discovery()
    resp = _save(sa_client, did, "hq_country", "FR", 0, panel=panel)
    assert resp.status_code == 200
    assert "rec-panel" in resp.get_json()["panel_html"]


def test_a_refused_answer_brings_no_panel(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    did = make_discovery()
    resp = _save(sa_client, did, "annual_volume_usd", "lots", 0, panel={"prev_products": ""})
    assert resp.status_code == 400
    assert "panel_html" not in (resp.get_json() or {})
