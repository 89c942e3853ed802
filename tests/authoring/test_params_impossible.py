"""The Parameters form refuses values that make a rule's condition impossible, names both
parameters with their labels and values at the changed field and says what to type; an
error summary at the top links to the fields; negative amounts read "-$5"."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recommender.engine.model import Param
from recommender.services import authoring
from recommender.services.authoring import params_form

from .conftest import DATA

TUNED = DATA / "params" / "tuned.yaml"
MID_PARAM = """  - id: mid_volume
    label: Mid-market payment volume
    type: money
    value: 10_000_000
    min: 0
    max: 1_000_000_000
"""
MID_RULE = """  - id: mid-market-volume
    when: annual_volume_usd >= $mid_volume and annual_volume_usd < $enterprise_volume
    recommend:
      - product: checkout
"""


@pytest.fixture
def tuned_mid(app: Flask, questionnaire_row: Any, author: Any) -> str:
    """The tuned ruleset published, and a draft with a mid-market band between two
    parameters (its source)."""
    with app.app_context():
        authoring.import_file(TUNED, None, publish_now=True)
        source = authoring.get_or_create_draft("tuned", author).source
        source = source.replace("  # In person\n", MID_PARAM + "  # In person\n", 1)
        source = source.replace("\nrules:\n", "\nrules:\n" + MID_RULE, 1)
        assert authoring.save_draft("tuned", author, source=source).problems == []
        return source


def test_a_lower_bound_above_the_upper_one_is_refused_naming_both_parameters(
    app: Flask, tuned_mid: str, author: Any
) -> None:
    with app.app_context(), pytest.raises(params_form.ParamsRefused) as exc:
        params_form.save_params("tuned", author, {"mid_volume": "60,000,000"})
        assert authoring.draft_for("tuned", author).source == tuned_mid  # type: ignore[union-attr]
    form = exc.value.form
    message = (
        "“Mid-market payment volume” ($60,000,000) is above “Enterprise payment volume” "
        "($50,000,000): the rule mid-market-volume can never apply; make it lower than $50,000,000."
    )
    assert form.errors == {"mid_volume": message}
    assert "a rule could never apply" in exc.value.message
    # Changing the upper bound instead asks for a higher value; equal bounds too.
    with app.app_context(), pytest.raises(params_form.ParamsRefused) as exc:
        params_form.save_params("tuned", author, {"enterprise_volume": "10,000,000"})
    assert exc.value.form.errors["enterprise_volume"].endswith(
        "is the same as “Enterprise payment volume” ($10,000,000): the rule mid-market-volume "
        "can never apply; make it higher than $10,000,000."
    )
    # A value that keeps the band possible is saved.
    with app.app_context():
        saved = params_form.save_params("tuned", author, {"mid_volume": "20,000,000"})
        assert saved.saved is not None and saved.saved.problems == []
        assert "value: 20_000_000" in authoring.draft_for("tuned", author).source  # type: ignore[union-attr]


def test_the_page_shows_the_problem_at_the_field_with_a_summary_linking_to_it(
    app: Flask, tuned_mid: str, author_client: FlaskClient, author: Any
) -> None:
    resp = author_client.post("/rulesets/tuned/params", data={"param-mid_volume": "60000000"})
    assert resp.status_code == 400
    body = html.unescape(resp.get_data(as_text=True))
    summary = re.search(r'id="params-error-summary".*?</section>', body, re.S)
    assert summary, body
    assert '<a href="#param-mid_volume">Mid-market payment volume</a>' in summary.group(0)
    field = re.search(r'id="field-mid_volume".*?(?=id="field-|</fieldset>)', body, re.S)
    assert field and 'value="60000000"' in field.group(0) and "autofocus" in field.group(0)
    assert "make it lower than $50,000,000" in field.group(0)
    assert body.count("autofocus") == 1
    with app.app_context():
        assert authoring.draft_for("tuned", author).source == tuned_mid  # type: ignore[union-attr]


def test_a_negative_amount_reads_minus_dollars() -> None:
    param = Param("refund_floor", "money", -5, min=-5)
    assert params_form._shown(param, -5) == "-$5"
    assert params_form._shown(param, -1234.5) == "-$1,234.50"
    assert params_form._shown(param, 5) == "$5"
