"""The sandbox: the questionnaire as a form (folded by section, show_if shown), prefilled
from a saved discovery or lead, typed answers as the advanced alternative, the full result
and trace, and "why not X" computed on the draft."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from recommender.services import authoring

from .conftest import edit_source


def _text(resp: Any) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_form_answers_are_coerced_per_question(app: Flask, demo: Any) -> None:
    with app.app_context():
        source = authoring.active_version("demo").source
        q = authoring.questionnaire_for_source(source)
        form = MultiDict(
            [("channels", "web"), ("channels", "in_person"), ("annual_volume_usd", "12000000"),
             ("store_count", "x"), ("business_model", ""), ("pays_out_third_parties", "false")]
        )
        answers, errors = authoring.form_answers(q, form)
        assert answers == {"channels": ["web", "in_person"], "annual_volume_usd": 12_000_000, "pays_out_third_parties": False}
        assert list(errors) == ["store_count"]
        run = authoring.run_sandbox("demo", source, mode="form", formdata=form)
        assert run.result is None and run.errors == errors  # nothing evaluated with a bad answer
        form.setlist("store_count", ["3"])
        run = authoring.run_sandbox("demo", source, mode="form", formdata=form, why_not="billing")
        assert run.result is not None and run.errors == {}
        assert {p["id"] for p in run.result["products"]} == {"checkout", "terminal", "radar_fraud_teams"}
        assert any(t["rule"] == "terminal-in-person" and t["fired"] for t in run.result["trace"])
        assert run.why_not is not None and run.why_not["status"] == "not_recommended"
        assert [c["question"] for c in run.why_not["would_appear_if"]] == ["business_model"]


def test_form_sections_show_every_question_and_mark_hidden_ones(app: Flask, demo: Any) -> None:
    with app.app_context():
        q = authoring.questionnaire_for_source(authoring.active_version("demo").source)
        (section,) = authoring.form_sections(q, {"channels": ["web"], "store_count": 4})
        assert [i.question.id for i in section.items] == list(q.questions)
        hidden = {i.question.id for i in section.items if i.hidden}
        assert hidden == {"store_count"}  # asked only for in-person sellers
        assert section.answered == 2
        (section,) = authoring.form_sections(q, {"channels": ["in_person"]}, {"store_count": "Enter a whole number"})
        assert not any(i.hidden for i in section.items) and section.has_errors
        field = next(i.field for i in section.items if i.question.id == "store_count")
        assert field.errors == ["Enter a whole number"]


def test_sandbox_page_renders_the_questionnaire_as_a_form(demo: Any, author_client: FlaskClient) -> None:
    page = _text(author_client.get("/rulesets/demo/sandbox"))
    assert '<details class="sandbox-section" id="sec-basics"' in page  # folded by section
    assert 'name="business_model" type="radio" value="saas"' in page
    assert 'name="channels" type="checkbox" value="in_person"' in page
    assert "Asked only if <code>channels contains in_person</code>" in page
    assert '<option value="terminal">Stripe Terminal (terminal)</option>' in page  # why-not picker
    assert "Advanced: type the answers as text" in page


def test_evaluating_the_form_shows_result_trace_and_why_not(demo: Any, author_client: FlaskClient) -> None:
    resp = author_client.post(
        "/rulesets/demo/sandbox",
        data={"mode": "form", "which": "draft", "channels": ["web"], "store_count": "7", "why_not": "billing"},
    )
    page = _text(resp)
    assert resp.status_code == 200
    assert "Result for the answers in the form" in page and "Stripe Checkout" in page
    assert 'id="sandbox-trace"' in page and "checkout-for-web" in page
    why = re.search(r'<section class="card why-not" id="sandbox-why-not".*?</section>', page, re.S)
    assert why is not None
    assert "Why not Stripe Billing?" in why.group(0)
    assert 'data-would-appear="business_model"' in why.group(0) and 'href="#q-business_model"' in why.group(0)
    assert "<strong>SaaS</strong>" in why.group(0)
    # store_count is hidden for a web-only seller: shown, greyed out, not evaluated.
    assert re.search(r'sandbox-q sandbox-hidden" id="q-store_count"', page)
    assert '"store_count"' not in page.split("Visible answers used")[1].split("</pre>")[0]
    # The form keeps what was entered.
    assert re.search(r'<input checked id="channels-0" name="channels" type="checkbox" value="web">', page)


def test_a_bad_answer_is_shown_at_its_field(demo: Any, author_client: FlaskClient) -> None:
    resp = author_client.post(
        "/rulesets/demo/sandbox", data={"mode": "form", "channels": ["in_person"], "store_count": "many"}
    )
    page = _text(resp)
    assert "1 answer not valid" in page and 'id="sandbox-result"' not in page
    assert re.search(r'<details class="sandbox-section" id="sec-basics" open>', page)
    assert 'id="store_count-error"' in page and 'aria-invalid="true"' in page


def test_why_not_of_an_unknown_product_says_so(demo: Any, author_client: FlaskClient) -> None:
    resp = author_client.post("/rulesets/demo/sandbox", data={"mode": "form", "channels": ["web"], "why_not": "checkuot"})
    page = _text(resp)
    assert resp.status_code == 200
    assert "There is no product 'checkuot'" in page and "Did you mean checkout" in page


def test_why_not_is_computed_on_the_draft(
    app: Flask, demo: Any, author: Any, author_client: FlaskClient
) -> None:
    with app.app_context():
        source = authoring.get_or_create_draft("demo", author).source
    draft = edit_source(source, "when: channels contains in_person and store_count >= 1", "when: channels contains in_person")
    author_client.post("/rulesets/demo/edit", data={"source": draft})
    data = {"mode": "form", "channels": ["in_person"], "why_not": "terminal"}
    page = _text(author_client.post("/rulesets/demo/sandbox", data={**data, "which": "draft"}))
    assert "Stripe Terminal is recommended" in page
    page = _text(author_client.post("/rulesets/demo/sandbox", data={**data, "which": "active"}))
    assert "Why not Stripe Terminal?" in page and 'data-would-appear="store_count"' in page


def test_prefill_from_a_discovery_and_from_a_lead(
    demo: Any, author_client: FlaskClient, make_discovery: Callable[..., int], make_lead: Callable[..., int]
) -> None:
    did = make_discovery({"business_model": "marketplace", "annual_volume_usd": 20_000_000}, "Market Co")
    lid = make_lead({"channels": ["in_person"], "store_count": 2}, "Shop Lead")
    page = _text(author_client.get("/rulesets/demo/sandbox"))
    assert f'<option value="discovery:{did}">#{did} Market Co</option>' in page
    assert f'value="lead:{lid}"' in page and "Shop Lead" in page

    page = _text(author_client.post("/rulesets/demo/sandbox", data={"mode": "load", "subject": f"discovery:{did}", "which": "draft"}))
    assert "Result for discovery Market Co" in page
    assert re.search(r'<input checked id="business_model-2" name="business_model" type="radio" value="marketplace">', page)
    assert re.search(r'<input [^>]*id="annual_volume_usd" [^>]*value="20000000"', page)
    assert "Stripe Connect" in page and "Radar for Fraud Teams" in page

    page = _text(author_client.get(f"/rulesets/demo/sandbox?subject=lead:{lid}&why_not=terminal"))
    assert "Result for lead Shop Lead" in page and "Stripe Terminal is recommended" in page
    assert re.search(r'<input [^>]*id="store_count" [^>]*value="2"', page)
    assert re.search(r'<input checked id="channels-1" name="channels" type="checkbox" value="in_person">', page)

    # Load without choosing: a message, not an error page.
    resp = author_client.post("/rulesets/demo/sandbox", data={"mode": "load", "subject": ""})
    assert resp.status_code == 200 and "Choose a saved discovery or lead" in _text(resp)
    assert author_client.post("/rulesets/demo/sandbox", data={"mode": "load", "subject": "discovery:999"}).status_code == 404
    assert author_client.post("/rulesets/demo/sandbox", data={"mode": "nope"}).status_code == 200


def test_typed_answers_stay_as_the_advanced_mode(demo: Any, author_client: FlaskClient) -> None:
    page = _text(author_client.post("/rulesets/demo/sandbox", data={"mode": "text", "answers": "channels: [web]\nwhy: 1"}))
    assert "unknown answer id 'why'" in page
    assert re.search(r'<details class="card sandbox-advanced" open>', page)
    page = _text(author_client.post("/rulesets/demo/sandbox", data={"mode": "text", "answers": "channels: [web]", "why_not": "checkout"}))
    assert "Result for typed answers" in page and "Stripe Checkout is recommended" in page
