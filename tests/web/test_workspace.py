"""The SA workspace through the Flask test client: pages, autosave, validation, conflicts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

Save = Callable[..., Any]


def _page(client: FlaskClient, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _block(html: str, question_id: str) -> str:
    """The HTML of one question's wrapper."""
    match = re.search(
        rf'<div class="field ws-q[^"]*"[^>]*data-question="{question_id}".*?</ul>\s*</div>',
        html,
        re.S,
    )
    assert match, f"no field for {question_id}"
    return match.group(0)


# ---------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/discoveries"),
        ("post", "/discoveries"),
        ("get", "/accounts"),
        ("post", "/accounts"),
        ("get", "/accounts/1"),
        ("get", "/discoveries/1"),
        ("get", "/discoveries/1/sections/company"),
        ("post", "/discoveries/1/sections/company"),
        ("post", "/discoveries/1/answers"),
        ("post", "/discoveries/1/notes/company"),
        ("post", "/discoveries/1/status"),
    ],
)
def test_every_workspace_page_needs_a_login(client: FlaskClient, method: str, url: str) -> None:
    resp = getattr(client, method)(url)
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_all_roles_may_use_the_workspace(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    for role in ("sa", "author", "admin"):
        login(make_user(role))
        assert client.get("/discoveries").status_code == 200
        client.post("/logout")


# ---------------------------------------------------------------------------- dashboard


def test_dashboard_lists_discoveries_and_searches_by_company(
    sa_client: FlaskClient, sa_user: Any, make_discovery: Callable[..., int], autosave: Save
) -> None:
    first = make_discovery(sa_user, "Acme GmbH")
    make_discovery(sa_user, "Globex <script>alert(1)</script>")
    autosave(sa_client, first, "annual_volume_usd", "2000000")

    html = _page(sa_client, "/discoveries")
    assert "Acme GmbH" in html
    assert "Globex &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "In progress" in html
    assert sa_user.email in html  # owner
    # company_name is prefilled from the account; plus the volume: 2 of 12 visible.
    assert "2 of 12 answered" in html

    html = _page(sa_client, "/discoveries?q=acme")
    assert "Acme GmbH" in html and "Globex" not in html.split("All discoveries")[1]
    html = _page(sa_client, "/discoveries?q=%25")  # LIKE wildcards are literal
    assert "No discovery for a company matching" in html


def test_create_account_then_start_discovery(
    sa_client: FlaskClient, questionnaire_loaded: None
) -> None:
    resp = sa_client.post("/accounts", data={"name": "  Initech   Ltd "})
    assert resp.status_code == 302
    account_url = resp.headers["Location"]
    assert "Initech Ltd" in _page(sa_client, account_url)

    dup = sa_client.post("/accounts", data={"name": "initech ltd"})
    assert dup.status_code == 400
    assert "already exists" in dup.get_data(as_text=True)
    assert sa_client.post("/accounts", data={"name": "   "}).status_code == 400

    account_id = int(account_url.rsplit("/", 1)[1])
    resp = sa_client.post("/discoveries", data={"account_id": account_id, "title": "Kick-off"})
    assert resp.status_code == 302
    resp = sa_client.get(resp.headers["Location"])
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/sections/company")
    assert "Kick-off" in _page(sa_client, account_url)
    assert "Initech Ltd" in _page(sa_client, "/accounts?q=INITECH")


def test_new_account_can_start_a_discovery_at_once(
    sa_client: FlaskClient, questionnaire_loaded: None
) -> None:
    resp = sa_client.post("/accounts", data={"name": "Umbrella", "start": "1"})
    assert resp.status_code == 302
    assert re.search(r"/discoveries/\d+$", resp.headers["Location"])
    html = _page(sa_client, sa_client.get(resp.headers["Location"]).headers["Location"])
    assert 'value="Umbrella"' in html  # company_name prefilled


def test_starting_a_discovery_for_a_missing_account_is_404(
    sa_client: FlaskClient, questionnaire_loaded: None
) -> None:
    assert sa_client.post("/discoveries", data={"account_id": "999"}).status_code == 404
    assert sa_client.post("/discoveries", data={"account_id": "x"}).status_code == 400


# ---------------------------------------------------------------------------- section page


def test_section_page_shows_every_question_menu_notes_and_panel(
    sa_client: FlaskClient, discovery_id: int
) -> None:
    html = _page(sa_client, f"/discoveries/{discovery_id}/sections/payments")
    for qid in (
        "channels",
        "store_count",
        "annual_volume_usd",
        "dispute_rate_pct",
        "go_live_months",
    ):
        assert f'data-question="{qid}"' in html
    assert re.search(r'data-question="store_count"[^>]*hidden', html)  # conditional, not yet shown
    assert not re.search(r'data-question="annual_volume_usd"[^>]*hidden', html)
    assert 'type="checkbox"' in _block(html, "channels")
    assert 'inputmode="decimal"' in _block(html, "annual_volume_usd")
    assert 'inputmode="numeric"' in _block(html, "go_live_months")
    assert '<textarea id="notes" name="notes"' in html
    assert '<aside id="recommendation-panel"' in html
    assert re.search(r'data-section-count="company"[^>]*>1/6<', html)  # company_name prefilled
    assert re.search(r'data-section-count="payments"[^>]*>0/4<', html)
    assert "Back: Company" in html and "Next: Platform" in html
    assert "js/workspace.js" in html

    company = _page(sa_client, f"/discoveries/{discovery_id}/sections/company")
    assert "<select" in _block(company, "business_model")  # 7 options: a drop-down
    assert 'value="">— choose —' in _block(company, "business_model")
    assert "multiple" in _block(company, "customer_countries")
    assert ">Germany<" in _block(company, "hq_country")
    platform = _page(sa_client, f"/discoveries/{discovery_id}/sections/platform")
    assert 'type="radio"' in _block(platform, "pays_out_third_parties")
    assert "<textarea" in _block(platform, "integration_notes")


def test_discovery_redirects_to_first_section_and_unknown_ones_are_404(
    sa_client: FlaskClient, discovery_id: int
) -> None:
    resp = sa_client.get(f"/discoveries/{discovery_id}")
    assert resp.headers["Location"].endswith(f"/discoveries/{discovery_id}/sections/company")
    assert sa_client.get(f"/discoveries/{discovery_id}/sections/nope").status_code == 404
    assert sa_client.get("/discoveries/9999").status_code == 404
    assert (
        sa_client.post(
            "/discoveries/9999/answers", json={"question_id": "x", "value": 1, "version": 0}
        ).status_code
        == 404
    )


# ---------------------------------------------------------------------------- autosave


def test_autosave_stores_typed_values_and_bumps_versions(
    sa_client: FlaskClient,
    discovery_id: int,
    autosave: Save,
    stored: Callable[[int], dict[str, Any]],
) -> None:
    resp = autosave(sa_client, discovery_id, "annual_volume_usd", "2,000,000")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["version"] == 1
    assert body["revision"] == 1
    assert body["progress"]["answered"] == 2
    assert body["progress"]["sections"]["payments"] == {"answered": 1, "visible": 4}
    assert "annual_volume_usd" in body["visible"] and "store_count" not in body["visible"]

    body = autosave(sa_client, discovery_id, "annual_volume_usd", 2500000, version=1).get_json()
    assert body["version"] == 2 and body["revision"] == 2
    autosave(sa_client, discovery_id, "customer_countries", ["US", "DE", "DE"])
    autosave(sa_client, discovery_id, "pays_out_third_parties", "true")
    autosave(sa_client, discovery_id, "dispute_rate_pct", "0.4")
    autosave(sa_client, discovery_id, "customer_type", ["businesses", "consumers"])
    answers = stored(discovery_id)
    assert answers["annual_volume_usd"] == 2500000
    assert answers["customer_countries"] == ["DE", "US"]
    assert answers["pays_out_third_parties"] is True
    assert answers["dispute_rate_pct"] == 0.4
    assert answers["customer_type"] == ["consumers", "businesses"]  # option order

    html = _page(sa_client, f"/discoveries/{discovery_id}/sections/payments")
    assert 'value="2500000"' in _block(html, "annual_volume_usd")
    assert 'data-version="2"' in _block(html, "annual_volume_usd")


def test_an_empty_value_clears_the_answer_with_a_version_check(
    sa_client: FlaskClient,
    discovery_id: int,
    autosave: Save,
    stored: Callable[[int], dict[str, Any]],
) -> None:
    autosave(sa_client, discovery_id, "go_live_months", "6")
    assert autosave(sa_client, discovery_id, "go_live_months", "", version=0).status_code == 409
    resp = autosave(sa_client, discovery_id, "go_live_months", "", version=1)
    assert resp.status_code == 200
    assert resp.get_json()["version"] == 0
    assert "go_live_months" not in stored(discovery_id)
    # Unanswered again: the next answer starts from version 0.
    assert (
        autosave(sa_client, discovery_id, "go_live_months", "7", version=0).get_json()["version"]
        == 1
    )


def test_conditional_question_appears_and_hidden_answers_stay_stored(
    sa_client: FlaskClient,
    discovery_id: int,
    autosave: Save,
    stored: Callable[[int], dict[str, Any]],
) -> None:
    body = autosave(sa_client, discovery_id, "channels", ["web", "in_person"]).get_json()
    assert "store_count" in body["visible"]
    assert body["progress"]["sections"]["payments"] == {"answered": 1, "visible": 5}
    autosave(sa_client, discovery_id, "store_count", "12")

    body = autosave(sa_client, discovery_id, "channels", ["web"], version=1).get_json()
    assert "store_count" not in body["visible"]
    assert body["progress"]["sections"]["payments"] == {"answered": 1, "visible": 4}
    assert stored(discovery_id)["store_count"] == 12  # kept, only hidden
    html = _page(sa_client, f"/discoveries/{discovery_id}/sections/payments")
    block = _block(html, "store_count")
    assert re.search(r'data-question="store_count"[^>]*hidden', block)
    assert 'value="12"' in block

    body = autosave(sa_client, discovery_id, "channels", ["in_person"], version=2).get_json()
    assert "store_count" in body["visible"]
    assert body["progress"]["sections"]["payments"]["answered"] == 2


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("store_count", "twelve"),  # not a number
        ("go_live_months", "3.5"),  # integer expected
        ("go_live_months", ["3", "4"]),  # a list where one value is expected
        ("go_live_months", True),  # wrong JSON type
        ("annual_volume_usd", "-5"),  # out of range
        ("annual_volume_usd", "nan"),
        ("dispute_rate_pct", "150"),  # a percentage above 100
        ("business_model", "pyramid_scheme"),  # unknown option (tampered)
        ("customer_type", ["consumers", "robots"]),
        ("customer_type", [1, 2]),  # wrong item type
        ("hq_country", "XX"),
        ("customer_countries", ["DE", "ZZ"]),
        ("pays_out_third_parties", "maybe"),
        ("contact_email", "not-an-email"),
        ("company_name", "x" * 100_000),  # oversized
        ("company_name", {"nested": "object"}),
    ],
)
def test_invalid_values_are_refused_at_the_field_and_nothing_is_stored(
    sa_client: FlaskClient,
    discovery_id: int,
    autosave: Save,
    stored: Callable[[int], dict[str, Any]],
    question_id: str,
    value: Any,
) -> None:
    before = stored(discovery_id)
    version = 1 if question_id in before else 0
    resp = autosave(sa_client, discovery_id, question_id, value, version=version)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["errors"][question_id]
    assert body["error"] == body["errors"][question_id]
    assert stored(discovery_id) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"question_id": "__class__", "value": "x", "version": 0},
        {"question_id": "evil_field", "value": "x", "version": 0},
        {"question_id": "go_live_months", "value": "3", "version": "one"},
        {"question_id": "go_live_months", "value": "3", "version": -1},
        {"question_id": 7, "value": "3", "version": 0},
        ["not", "an", "object"],
    ],
)
def test_tampered_autosave_requests_are_400_not_500(
    sa_client: FlaskClient, discovery_id: int, stored: Callable[[int], dict[str, Any]], payload: Any
) -> None:
    before = stored(discovery_id)
    resp = sa_client.post(f"/discoveries/{discovery_id}/answers", json=payload)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"]
    if isinstance(payload, dict) and payload["question_id"] == "evil_field":
        assert "evil_field" in body["error"] and "evil_field" in body["errors"]
    assert stored(discovery_id) == before


def test_a_stale_version_is_a_conflict_naming_who_changed_what(
    app: Flask,
    discovery_id: int,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    autosave: Save,
    stored: Callable[[int], dict[str, Any]],
) -> None:
    from recommender.extensions import db
    from recommender.models import User

    sam = make_user("sa", email="sam@example.com")
    with app.app_context():
        db.session.get(User, sam.id).display_name = "Sam"
        db.session.commit()
    kim = make_user("sa", email="kim@example.com")
    sam_client, kim_client = app.test_client(), app.test_client()
    login(sam, the_client=sam_client)
    login(kim, the_client=kim_client)

    # Both loaded the page while the volume was unanswered (version 0).
    assert autosave(sam_client, discovery_id, "annual_volume_usd", "2000000").status_code == 200
    resp = autosave(kim_client, discovery_id, "annual_volume_usd", "500", version=0)
    assert resp.status_code == 409
    message = resp.get_json()["error"]
    assert re.fullmatch(
        r"Sam changed 'Annual volume' to \$2,000,000 at \d\d:\d\d UTC — reload to see it\.", message
    ), message
    assert stored(discovery_id)["annual_volume_usd"] == 2000000
    # The 409 names the current version, so Kim's "Keep mine" can overwrite knowingly.
    assert resp.get_json()["current_version"] == 1

    # After a reload (or "Keep mine") Kim has version 1 and wins; Sam's stale version conflicts.
    assert (
        autosave(kim_client, discovery_id, "annual_volume_usd", "500", version=1).status_code == 200
    )
    resp = autosave(sam_client, discovery_id, "annual_volume_usd", "", version=1)
    assert resp.status_code == 409
    assert "kim@example.com changed 'Annual volume' to $500" in resp.get_json()["error"]
    resp = autosave(kim_client, discovery_id, "annual_volume_usd", "", version=2)
    assert resp.status_code == 200
    resp = autosave(sam_client, discovery_id, "annual_volume_usd", "9", version=2)
    assert resp.status_code == 409
    assert resp.get_json()["error"].startswith("kim@example.com cleared 'Annual volume' at ")
    assert resp.get_json()["current_version"] == 0


def test_saving_the_value_that_is_already_stored_is_not_a_conflict(
    sa_client: FlaskClient, discovery_id: int, autosave: Save
) -> None:
    autosave(sa_client, discovery_id, "hq_country", "DE")
    resp = autosave(sa_client, discovery_id, "hq_country", "DE", version=0)
    assert resp.status_code == 200
    assert resp.get_json()["version"] == 1


# ---------------------------------------------------------------------------- no-JS submit


def test_section_form_without_javascript_saves_and_moves_on(
    sa_client: FlaskClient, discovery_id: int, stored: Callable[[int], dict[str, Any]]
) -> None:
    url = f"/discoveries/{discovery_id}/sections/payments"
    resp = sa_client.post(
        url,
        data={
            "channels": ["web", "in_person"],
            "_v_channels": "0",
            "store_count": "",
            "annual_volume_usd": "1200000",
            "dispute_rate_pct": "",
            "go_live_months": "3",
            "notes": "Wants to launch before Black Friday.",
            "notes_version": "0",
            "nav": "next",
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/discoveries/{discovery_id}/sections/platform")
    answers = stored(discovery_id)
    assert answers["channels"] == ["web", "in_person"]
    assert answers["annual_volume_usd"] == 1200000
    assert answers["go_live_months"] == 3
    assert "store_count" not in answers
    html = _page(sa_client, url)
    assert "Wants to launch before Black Friday." in html
    assert not re.search(r'data-question="store_count"[^>]*hidden', html)  # now visible

    back = sa_client.post(
        url, data={"channels": ["web", "in_person"], "_v_channels": "1", "nav": "back"}
    )
    assert back.headers["Location"].endswith("/sections/company")


def test_section_form_with_errors_saves_the_valid_fields_and_shows_messages(
    sa_client: FlaskClient, discovery_id: int, stored: Callable[[int], dict[str, Any]]
) -> None:
    url = f"/discoveries/{discovery_id}/sections/payments"
    resp = sa_client.post(
        url,
        data={
            "channels": ["web", "teleport"],
            "annual_volume_usd": "lots",
            "go_live_months": "4",
            "notes": "call notes <b>bold</b>",
            "notes_version": "0",
            "nav": "next",
        },
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert stored(discovery_id).get("go_live_months") == 4
    assert "channels" not in stored(discovery_id)
    volume = _block(html, "annual_volume_usd")
    assert 'value="lots"' in volume  # what was typed stays in the field
    assert re.search(
        r'<ul class="field-errors" id="annual_volume_usd-error" role="alert"\s*>\s*<li>.+</li>',
        volume,
    )
    assert 'aria-invalid="true"' in volume
    assert re.search(
        r'id="channels-error" role="alert"\s*>\s*<li>.+</li>', _block(html, "channels")
    )
    assert "call notes &lt;b&gt;bold&lt;/b&gt;" in html


def test_section_form_reports_conflicts_per_field(
    sa_client: FlaskClient,
    discovery_id: int,
    autosave: Save,
    stored: Callable[[int], dict[str, Any]],
) -> None:
    autosave(sa_client, discovery_id, "go_live_months", "6")
    resp = sa_client.post(
        f"/discoveries/{discovery_id}/sections/payments",
        data={
            "go_live_months": "9",
            "_v_go_live_months": "0",
            "annual_volume_usd": "10",
            "nav": "next",
        },
    )
    assert resp.status_code == 400
    assert "changed &#39;Months to launch&#39; to 6" in _block(
        resp.get_data(as_text=True), "go_live_months"
    )
    assert stored(discovery_id)["go_live_months"] == 6
    assert stored(discovery_id)["annual_volume_usd"] == 10


# ---------------------------------------------------------------------------- notes


def test_notes_autosave_with_versions(sa_client: FlaskClient, discovery_id: int) -> None:
    url = f"/discoveries/{discovery_id}/notes/company"
    resp = sa_client.post(url, json={"text": "CFO joins next call", "version": 0})
    assert resp.status_code == 200
    assert resp.get_json()["version"] == 1
    conflict = sa_client.post(url, json={"text": "other", "version": 0})
    assert conflict.status_code == 409
    assert "changed these notes" in conflict.get_json()["error"]
    assert sa_client.post(url, json={"text": "x" * 20_001, "version": 1}).status_code == 400
    assert sa_client.post(url, json={"text": 5, "version": 1}).status_code == 400
    assert (
        sa_client.post(
            f"/discoveries/{discovery_id}/notes/nope", json={"text": "a", "version": 0}
        ).status_code
        == 400
    )
    # The conflict names the stored version, so "Keep mine" can save over it knowingly.
    assert conflict.get_json()["current_version"] == 1
    assert "keep yours" in conflict.get_json()["error"]
    html = _page(sa_client, f"/discoveries/{discovery_id}/sections/company")
    assert "CFO joins next call</textarea>" in html
    assert sa_client.post(url, json={"text": "", "version": 1}).get_json()["version"] == 2


def test_keep_mine_saves_notes_over_a_colleagues(sa_client: FlaskClient, discovery_id: int) -> None:
    url = f"/discoveries/{discovery_id}/notes/company"
    assert sa_client.post(url, json={"text": "theirs", "version": 0}).status_code == 200
    stale = sa_client.post(url, json={"text": "mine", "version": 0})
    assert stale.status_code == 409
    kept = sa_client.post(url, json={"text": "mine", "version": stale.get_json()["current_version"]})
    assert kept.status_code == 200 and kept.get_json()["version"] == 2
    assert "mine</textarea>" in _page(sa_client, f"/discoveries/{discovery_id}/sections/company")


# ---------------------------------------------------------------------------- CSRF


def test_autosave_requires_the_csrf_token_when_enabled(
    app_config: dict[str, Any],
    app: Flask,
    client: FlaskClient,
    sa_user: Any,
    make_discovery: Callable[..., int],
    autosave: Save,
) -> None:
    assert app_config["WTF_CSRF_ENABLED"] is True
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    assert token
    resp = client.post(
        "/login",
        data={
            "email": sa_user.email,
            "password": "correct-horse-battery",
            "csrf_token": token.group(1),
        },
    )
    assert resp.status_code == 302
    did = make_discovery(sa_user)
    html = client.get(f"/discoveries/{did}/sections/company").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert meta

    refused = autosave(client, did, "hq_country", "DE")
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["error"]
    ok = autosave(client, did, "hq_country", "DE", headers={"X-CSRFToken": meta.group(1)})
    assert ok.status_code == 200


@pytest.fixture
def csrf_on(app_config: dict[str, Any]) -> None:
    app_config["WTF_CSRF_ENABLED"] = True


test_autosave_requires_the_csrf_token_when_enabled = pytest.mark.usefixtures("csrf_on")(
    test_autosave_requires_the_csrf_token_when_enabled
)


def test_every_aria_describedby_points_at_an_element_on_the_page(
    sa_client: FlaskClient, discovery_id: int, autosave: Save
) -> None:
    """Fields without help text or errors carry no aria-describedby (it used to say "None",
    an id that does not exist); those with help or an error point at both."""
    for section in ("company", "payments", "platform"):
        html = _page(sa_client, f"/discoveries/{discovery_id}/sections/{section}")
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        for value in re.findall(r'aria-describedby="([^"]*)"', html):
            for ref in value.split():
                assert ref in ids, f"{section}: aria-describedby points at missing id {ref!r}"
    html = sa_client.post(
        f"/discoveries/{discovery_id}/sections/payments",
        data={"go_live_months": "many", "_v_go_live_months": "0", "nav": "stay"},
    ).get_data(as_text=True)
    assert re.search(r'id="go_live_months"[^>]*aria-describedby="go_live_months-error"', html) or (
        re.search(r'aria-describedby="go_live_months-error"[^>]*id="go_live_months"', html)
    )


def test_without_javascript_the_panel_offers_a_report_instead_of_an_empty_box(
    sa_client: FlaskClient, discovery_id: int
) -> None:
    html = _page(sa_client, f"/discoveries/{discovery_id}/sections/company")
    aside = html.split('<aside id="recommendation-panel"', 1)[1].split("</aside>", 1)[0]
    noscript = aside.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert f'action="/discoveries/{discovery_id}/reports"' in noscript
    assert 'name="csrf_token"' in noscript
    assert f'href="/discoveries/{discovery_id}/reports"' in noscript


def test_country_lists_are_alphabetical_ignoring_accents(
    sa_client: FlaskClient, discovery_id: int
) -> None:
    """Côte d'Ivoire sits after Costa Rica (not after Czechia) and Türkiye among the Tu…, so
    the drop-down's type-to-jump and a scan of the list find them where people look."""
    company = _page(sa_client, f"/discoveries/{discovery_id}/sections/company")
    names = re.findall(r"<option[^>]*>([^<]+)</option>", _block(company, "hq_country"))
    for before, name, after in (
        ("Costa Rica", "Côte d&#39;Ivoire", "Croatia"),
        ("Tunisia", "Türkiye", "Turkmenistan"),
        ("Qatar", "Réunion", "Romania"),
    ):
        assert names.index(before) < names.index(name) < names.index(after), name


def test_a_discovery_is_marked_completed_and_reopened(
    app: Flask, sa_client: FlaskClient, discovery_id: int
) -> None:
    resp = sa_client.post(
        f"/discoveries/{discovery_id}/status", data={"status": "completed", "section": "company"}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/sections/company")
    page = sa_client.get(f"/discoveries/{discovery_id}/sections/company").get_data(as_text=True)
    assert "Discovery marked completed." in page and ">Reopen<" in page
    assert "Completed" in sa_client.get("/discoveries").get_data(as_text=True)
    resp = sa_client.post(f"/discoveries/{discovery_id}/status", data={"status": "in_progress"})
    assert resp.status_code == 302
    assert "In progress" in sa_client.get("/discoveries").get_data(as_text=True)
    assert sa_client.post(f"/discoveries/{discovery_id}/status", data={"status": "done"}).status_code == 400
    assert sa_client.post("/discoveries/999999/status", data={"status": "completed"}).status_code == 404
    from sqlalchemy import select

    from recommender.extensions import db
    from recommender.models import AuditEntry

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["discovery.completed", "discovery.reopened"]
