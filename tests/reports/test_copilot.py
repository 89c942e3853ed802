"""The live panel as the SA's co-pilot (issue 10): the three questions to ask next, what the
last answer changed, readiness per design area, creating a readout past the unanswered key
questions, and "why not X?" in the panel and on the readout page. Against the real
questionnaire and default ruleset, through the Flask test client and the services."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recommender.services import copilot, reports, rulesets
from tests.reports.conftest import save

pytestmark = pytest.mark.usefixtures("loaded")

#: A discovery half done: some of every area answered, nothing decided about a platform.
HALF: dict[str, Any] = {
    "hq_country": "FR",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL"],
    "channels": ["web"],
    "annual_volume_usd": "30000000",
    "pricing_models": ["one_time"],
    "erp": "netsuite",
}


def _panel(client: FlaskClient, discovery_id: int, **params: str) -> str:
    response = client.get(f"/discoveries/{discovery_id}/recommendation", query_string=params)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _attr(html: str, name: str) -> list[str]:
    match = re.search(rf'class="rec-panel card"[^>]*\b{name}="([^"]*)"', html, re.S)
    assert match, name
    return match.group(1).split()


# ---------------------------------------------------------------------------- ask next


def test_the_panel_shows_the_engines_three_best_questions_first(
    app: Flask, sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(HALF)
    with app.app_context():
        panel = reports.panel(discovery_id)
        catalogue = rulesets.active_compiled("stripe")[1].ruleset.products
    ranked = panel.result["open_questions"]
    assert len(ranked) > 3  # a half-done discovery has more to ask than is shown
    assert [a.question_id for a in panel.ask_next] == [q["id"] for q in ranked[:3]]
    assert [a.rank for a in panel.ask_next] == [1, 2, 3]
    named = 0
    for item, open_q in zip(panel.ask_next, ranked, strict=False):
        assert item.hint == open_q["summary"] and item.hint.startswith("could change")
        for key, shown in (("add_products", item.adds), ("remove_products", item.removes)):
            ids = open_q["could_change"][key]
            # names from the ruleset's catalogue, not ids
            assert shown.startswith(catalogue[ids[0]].name) if ids else shown == ""
            named += len(ids)
    assert named  # some of the three could change a product

    html = _panel(sa_client, discovery_id)
    # The order for a call: ask next, what we'd build, readiness, why not, then the details.
    order = [
        html.index('id="rec-ask-h"'),
        html.index('id="rec-brief-h"'),
        html.index('id="rec-ready-h"'),
        html.index("data-why-not"),
        html.index('id="rec-products-h"'),
        html.index('id="rec-risks-h"'),
    ]
    assert order == sorted(order)
    links = re.findall(r'data-ask-rank="(\d)"\s+aria-keyshortcuts="Alt\+(\d)"', html)
    assert links == [("1", "1"), ("2", "2"), ("3", "3")]
    for item in panel.ask_next:
        href = f'href="/discoveries/{discovery_id}/sections/{item.section_id}#q-{item.question_id}"'
        assert href in html
    # The details are folded: the only one open is readiness.
    opened = [tag for tag in re.findall(r"<details[^>]*>", html) if re.search(r"\bopen\b", tag)]
    assert len(opened) == 1 and "rec-readiness" in opened[0]
    assert 'data-remember="products"' in html and 'data-remember="risks"' in html


def test_ask_next_names_the_products_a_question_could_add_or_remove(fake_q: Any) -> None:
    catalogue = copilot.Catalogue(
        products={"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta"}, risks={}
    )
    result = {
        "open_questions": [
            {
                "id": "erp",
                "could_change": {"add_products": ["a", "b", "c"], "remove_products": ["d"]},
                "summary": "could change 4 products",
            }
        ]
        * 5
    }
    items = copilot.ask_next(fake_q, result, catalogue)
    assert len(items) == copilot.ASK_NEXT_LIMIT == 3
    assert (items[0].adds, items[0].removes) == ("Alpha, Beta + 1 more", "Delta")
    assert items[0].label == "ERP" and items[0].section_title == "Systems"


# ---------------------------------------------------------------------------- last change


def test_changed_by_the_last_answer_names_what_came_and_went(
    app: Flask, sa_client: FlaskClient, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(HALF)
    before = _panel(sa_client, discovery_id)
    assert "rec-changed" not in before  # the first load marks nothing
    products, risks = _attr(before, "data-products"), _attr(before, "data-risks")
    assert "terminal" not in products

    save(app, discovery_id, "channels", ["web", "in_person"], sa_user)
    after = _panel(
        sa_client,
        discovery_id,
        prev_products=" ".join(products),
        prev_risks=" ".join(risks),
        changed="channels",
    )
    section = after.split('<section class="rec-changed"', 1)[1].split("</section>", 1)[0]
    assert "Changed by your last answer" in section
    assert "Sales channels" in section
    assert 'data-added-product="terminal"' in section and "Stripe Terminal" in section
    announce = html_lib.unescape(re.search(r'data-announce="([^"]*)"', section).group(1))  # type: ignore[union-attr]
    assert announce.startswith("Sales channels: Added: Stripe Terminal")
    # Every product it names is really new; every removed one really went.
    now = set(_attr(after, "data-products"))
    for pid in re.findall(r'data-added-product="([^"]+)"', section):
        assert pid in now and pid not in products
    for pid in re.findall(r'data-removed-product="([^"]+)"', section):
        assert pid not in now and pid in products
    # The new product is highlighted in the (folded) product list too.
    assert re.search(r'<li data-product="terminal" class="rec-flash">', after)

    # Taken back: Terminal is removed, by its catalogue name though no longer in the result.
    save(app, discovery_id, "channels", ["web"], sa_user)
    back = _panel(
        sa_client,
        discovery_id,
        prev_products=" ".join(sorted(now)),
        prev_risks=" ".join(_attr(after, "data-risks")),
        changed="channels",
    )
    assert re.search(
        r'data-removed-product="terminal"><[^>]*>−</span> <del>Stripe Terminal</del>', back
    )
    assert "Removed: Stripe Terminal" in html_lib.unescape(back)


def test_an_answer_that_changes_nothing_says_so(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(HALF)
    html = _panel(sa_client, discovery_id)
    same = _panel(
        sa_client,
        discovery_id,
        prev_products=" ".join(_attr(html, "data-products")),
        prev_risks=" ".join(_attr(html, "data-risks")),
        changed="company_name",
    )
    assert "No product or risk changed." in same
    assert "data-added-product" not in same and "data-removed-product" not in same
    colleague = _panel(
        sa_client,
        discovery_id,
        prev_products=" ".join(_attr(html, "data-products")),
        prev_risks=" ".join(_attr(html, "data-risks")),
        changed="company_name",
        by="colleague",
    )
    assert "Changed by a colleague&#39;s answer" in colleague


@pytest.mark.parametrize(
    "params",
    [
        {"prev_products": "x" * (copilot.MAX_PARAM_CHARS + 1), "prev_risks": ""},
        {"prev_products": "checkout"},  # prev_risks missing: what was shown is not known
        {"prev_risks": ""},
    ],
)
def test_unusable_previous_ids_mark_nothing(
    sa_client: FlaskClient, make_discovery: Callable[..., int], params: dict[str, str]
) -> None:
    discovery_id = make_discovery(HALF)
    html = _panel(sa_client, discovery_id, **params, changed="channels")
    assert "rec-changed" not in html


def test_bad_parameters_are_ignored_never_a_500(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(HALF)
    shown = _panel(sa_client, discovery_id)
    products = _attr(shown, "data-products")
    evil = "<script>alert(1)</script>"
    html = _panel(
        sa_client,
        discovery_id,
        # unknown ids, markup, commas and a removed product among them
        prev_products=f"{evil} nonsense,{','.join(products)},terminal",
        prev_risks=f"{evil} ☃ \t",
        changed=evil,
    )
    assert "<script>alert(1)" not in html
    section = html.split('<section class="rec-changed"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'data-removed-product="([^"]+)"', section) == ["terminal"]
    assert "data-added-product" not in section
    assert "rec-changed-by" not in section  # an unknown question is not named
    # unknown risks were ignored, so every risk shown now counts as new
    assert set(re.findall(r'data-added-risk="([^"]+)"', section)) == set(_attr(html, "data-risks"))
    # repeated parameters, an unknown question id: still a panel
    response = sa_client.get(
        f"/discoveries/{discovery_id}/recommendation"
        "?prev_products=a&prev_products=b&prev_risks=&changed=no_such_question&by=x"
    )
    assert response.status_code == 200


def test_parse_ids_keeps_known_ids_once_and_in_bounds() -> None:
    known = {"a", "b", "c"}
    assert copilot.parse_ids("a b,a  c,zz", known) == ["a", "b", "c"]
    assert copilot.parse_ids("", known) == []
    assert copilot.parse_ids(None, known) is None
    assert copilot.parse_ids(["a"], known) is None
    assert copilot.parse_ids("a " * copilot.MAX_PARAM_CHARS, known) is None
    many = {f"p{i}" for i in range(copilot.MAX_IDS + 50)}
    parsed = copilot.parse_ids(" ".join(sorted(many)), many)
    assert parsed is not None and len(parsed) == copilot.MAX_IDS


def test_last_change_announcement_lists_every_kind(fake_q: Any) -> None:
    catalogue = copilot.Catalogue(
        products={"a": "Alpha", "b": "Beta"}, risks={"r": "Risky", "s": "Safe"}
    )
    result = {"products": [{"id": "a"}], "risks": [{"id": "r"}]}
    change = copilot.last_change(
        {"prev_products": "b", "prev_risks": "s", "changed": "erp"}, result, catalogue, fake_q
    )
    assert change is not None and not change.empty
    assert change.announcement() == (
        "ERP: Added: Alpha. Removed: Beta. New risk: Risky. Risk gone: Safe."
    )
    assert copilot.last_change({}, result, catalogue, fake_q) is None


# ---------------------------------------------------------------------------- readiness


def _areas(app: Flask, discovery_id: int) -> dict[str, copilot.AreaReadiness]:
    with app.app_context():
        return {a.area: a for a in reports.readiness_of(discovery_id)}


def test_readiness_counts_the_key_questions_that_apply(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"], "customer_type": ["consumers"]})
    areas = _areas(app, discovery_id)
    surface = areas["payments_surface"]
    # store_count applies only to in-person selling (`when: channels contains in_person`)
    assert [k.id for k in surface.questions] == ["channels", "checkout_control", "dev_capacity"]
    assert (surface.answered, surface.total, surface.done) == (1, 3, False)
    assert [k.id for k in surface.missing] == ["checkout_control", "dev_capacity"]
    assert all(k.section_id for k in surface.questions)
    # payment_terms: only for business buyers or invoices
    assert [k.id for k in areas["billing"].questions] == ["pricing_models"]
    # saved_cards_count: only once a current processor other than none is answered
    assert [k.id for k in areas["migration"].questions] == ["current_processor"]

    save(app, discovery_id, "channels", ["web", "in_person"], sa_user)
    save(app, discovery_id, "customer_type", ["businesses"], sa_user)
    save(app, discovery_id, "current_processor", "adyen", sa_user)
    save(app, discovery_id, "checkout_control", "hosted_ok", sa_user)
    areas = _areas(app, discovery_id)
    assert (areas["payments_surface"].answered, areas["payments_surface"].total) == (2, 4)
    assert "payment_terms" in [k.id for k in areas["billing"].questions]
    migration = areas["migration"]
    assert [(k.id, k.answered) for k in migration.questions] == [
        ("current_processor", True),
        ("saved_cards_count", False),
    ]


def test_readiness_and_missing_agree_with_the_readout(
    app: Flask, make_discovery: Callable[..., int]
) -> None:
    """The readout's "still to answer" is exactly the panel's unanswered key questions."""
    discovery_id = make_discovery(HALF)
    with app.app_context():
        areas = reports.readiness_of(discovery_id)
        snapshot = reports.create_snapshot(discovery_id, None)
        missing = [q["id"] for q in snapshot.readout["summary"]["missing"]]
    assert missing == [k.id for a in areas for k in a.missing]
    assert missing


def test_the_panel_shows_readiness_with_links_to_the_missing_questions(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    html = _panel(sa_client, discovery_id)
    row = re.search(r'<li data-area="payments_surface" class="open">(.*?)</li>', html, re.S)
    assert row, "no payments surface row"
    assert "1/3" in row.group(1)
    assert f'href="/discoveries/{discovery_id}/sections/channels#q-checkout_control"' in row.group(
        1
    )


def test_readiness_areas_with_nothing_that_applies_are_left_out() -> None:
    q = SimpleNamespace(sections=[], questions={})
    areas = [
        {"area": "a", "title": "A", "questions": []},
        {"area": "b", "title": "B", "questions": [{"id": "x", "label": "X", "answered": True}]},
    ]
    out = copilot.readiness(areas, q)
    assert [(a.area, a.answered, a.total, a.done, a.percent) for a in out] == [
        ("b", 1, 1, True, 100)
    ]
    assert copilot.unanswered(out) == []


# ---------------------------------------------------------------------------- create readout


def test_create_readout_lists_the_unanswered_key_questions_first(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    first = sa_client.post(f"/discoveries/{discovery_id}/reports")
    assert first.status_code == 303
    assert first.headers["Location"] == f"/discoveries/{discovery_id}/reports/new"
    assert (
        sa_client.get(f"/discoveries/{discovery_id}/reports")
        .get_data(as_text=True)
        .count('data-snapshot="')
        == 0
    )  # nothing created yet

    page = sa_client.get(first.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "key questions are still unanswered" in html
    assert '<section class="confirm-area" data-area="payments_surface"' in html
    assert f'href="/discoveries/{discovery_id}/sections/channels#q-checkout_control"' in html
    form = html.split('<div class="confirm-actions">', 1)[1]
    assert 'name="csrf_token"' in form and 'name="confirm" value="1"' in form
    assert "Create anyway" in form and "Answer them first" in form

    created = sa_client.post(f"/discoveries/{discovery_id}/reports", data={"confirm": "1"})
    assert created.status_code == 303
    assert re.fullmatch(r"/reports/\d+", created.headers["Location"])


def test_create_readout_with_every_key_question_answered_creates_at_once(
    app: Flask, sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    with app.app_context():
        missing = [k.id for a in reports.readiness_of(discovery_id) for k in a.missing]
    answers = {
        "checkout_control": "hosted_ok",
        "dev_capacity": "small",
        "hq_country": "FR",
        "customer_countries": ["FR"],
        "customer_type": ["consumers"],
        "pricing_models": ["one_time"],
        "pays_out_third_parties": False,
        "erp": "none",
        "crm": "none",
        "data_warehouse": "none",
        "current_processor": "none",
        "go_live_months": "6",
    }
    assert set(missing) <= set(answers)
    done = make_discovery({"channels": ["web"], **answers})
    with app.app_context():
        assert all(a.done for a in reports.readiness_of(done))
    created = sa_client.post(f"/discoveries/{done}/reports")
    assert created.status_code == 303
    assert re.fullmatch(r"/reports/\d+", created.headers["Location"])
    page = sa_client.get(f"/discoveries/{done}/reports/new").get_data(as_text=True)
    assert "Every key question is answered" in page


def test_create_anyway_needs_the_csrf_token(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    sa_client.application.config["WTF_CSRF_ENABLED"] = True  # after the login
    refused = sa_client.post(f"/discoveries/{discovery_id}/reports", data={"confirm": "1"})
    assert refused.status_code == 400
    page = sa_client.get(f"/discoveries/{discovery_id}/reports/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    created = sa_client.post(
        f"/discoveries/{discovery_id}/reports", data={"confirm": "1", "csrf_token": token}
    )
    assert created.status_code == 303 and "/reports/" in created.headers["Location"]


# ---------------------------------------------------------------------------- why not


def test_why_not_in_the_panel_explains_with_links_to_the_questions(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(HALF)
    panel = _panel(sa_client, discovery_id)
    choices = re.findall(r'<option value="([^"]+)">', panel)
    assert "terminal" in choices
    assert not set(choices) & set(_attr(panel, "data-products"))  # only the not recommended

    url = f"/discoveries/{discovery_id}/why-not?product=terminal"
    fragment = sa_client.get(url, headers={"X-Requested-With": "fragment"})
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert 'data-why-not-product="terminal"' in text and "Why not Stripe Terminal?" in text
    assert "It would appear if" in text
    assert f'href="/discoveries/{discovery_id}/sections/channels#q-channels"' in text
    assert "In person" in text

    page = sa_client.get(url).get_data(as_text=True)  # no script: a page of its own
    assert (
        "<html" in page and "Back to the discovery" in page and "Why not Stripe Terminal?" in page
    )

    data = sa_client.get(f"/discoveries/{discovery_id}/why-not.json?product=terminal").get_json()
    assert data["product"] == "terminal" and data["status"] == "not_recommended"
    assert any(c["question"] == "channels" for c in data["would_appear_if"])
    assert data["summary"] in html_lib.unescape(text)


def test_why_not_for_a_recommended_product_says_it_is(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(HALF)
    text = sa_client.get(
        f"/discoveries/{discovery_id}/why-not?product=checkout",
        headers={"X-Requested-With": "fragment"},
    ).get_data(as_text=True)
    assert 'data-status="recommended"' in text and "is recommended" in text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("product=no_such_product", 404, "There is no product 'no_such_product'"),
        ("", 400, "Say which product"),
        ("product=", 400, "Say which product"),
        ("product=%3Cscript%3E", 400, "A product id is"),
        ("product=" + "a" * 81, 400, "A product id is"),
    ],
)
def test_why_not_refuses_unknown_and_bad_products(
    sa_client: FlaskClient,
    make_discovery: Callable[..., int],
    query: str,
    status: int,
    message: str,
) -> None:
    discovery_id = make_discovery(HALF)
    snapshot = sa_client.post(f"/discoveries/{discovery_id}/reports", data={"confirm": "1"})
    snapshot_id = int(snapshot.headers["Location"].rsplit("/", 1)[1])
    for url in (
        f"/discoveries/{discovery_id}/why-not?{query}",
        f"/reports/{snapshot_id}/why-not?{query}",
    ):
        response = sa_client.get(url)
        assert response.status_code == status, url
        assert message in html_lib.unescape(response.get_data(as_text=True))
        as_json = sa_client.get(
            url.replace("why-not?", "why-not.json?"), headers={"Accept": "application/json"}
        )
        assert as_json.status_code == status
        assert message in as_json.get_json()["error"]


def test_why_not_on_the_readout_page_uses_the_stored_answers(
    app: Flask, sa_client: FlaskClient, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(HALF)
    created = sa_client.post(f"/discoveries/{discovery_id}/reports", data={"confirm": "1"})
    snapshot_id = int(created.headers["Location"].rsplit("/", 1)[1])
    page = sa_client.get(f"/reports/{snapshot_id}").get_data(as_text=True)
    assert f'action="/reports/{snapshot_id}/why-not"' in page
    assert '<option value="terminal">Stripe Terminal</option>' in page
    assert "js/panel.js" in page

    # Later answers do not change what the readout's explanation says.
    save(app, discovery_id, "channels", ["web", "in_person"], sa_user)
    stored = sa_client.get(f"/reports/{snapshot_id}/why-not.json?product=terminal").get_json()
    live = sa_client.get(f"/discoveries/{discovery_id}/why-not.json?product=terminal").get_json()
    assert stored["status"] == "not_recommended"
    assert live["status"] == "recommended"
    fragment = sa_client.get(
        f"/reports/{snapshot_id}/why-not?product=terminal",
        headers={"X-Requested-With": "fragment"},
    ).get_data(as_text=True)
    assert f"readout #{snapshot_id}" in fragment and "Why not Stripe Terminal?" in fragment


@pytest.mark.parametrize("role", ["sa", "author", "admin"])
def test_every_role_asks_why_not(
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    make_discovery: Callable[..., int],
    role: str,
) -> None:
    discovery_id = make_discovery(HALF)
    with client.application.app_context():
        snapshot_id = reports.create_snapshot(discovery_id, None).id
    urls = [
        f"/discoveries/{discovery_id}/why-not?product=terminal",
        f"/discoveries/{discovery_id}/why-not.json?product=terminal",
        f"/reports/{snapshot_id}/why-not?product=terminal",
        f"/reports/{snapshot_id}/why-not.json?product=terminal",
        f"/discoveries/{discovery_id}/reports/new",
    ]
    for url in urls:  # logged out: to the login page
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(make_user(role))
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_unknown_discovery_or_report_is_404(sa_client: FlaskClient) -> None:
    assert sa_client.get("/discoveries/999/why-not?product=terminal").status_code == 404
    assert sa_client.get("/reports/999/why-not?product=terminal").status_code == 404
    assert sa_client.get("/discoveries/999/reports/new").status_code == 404
