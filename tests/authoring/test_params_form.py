"""The workbench's Parameters form: the service (listing, parsing and validating values,
the text edit that changes only the value lines, conflicts) and the web page (errors at the
field, saving a draft, CSRF, roles)."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import DATA

TUNED = DATA / "params" / "tuned.yaml"


@pytest.fixture
def tuned(app: Flask, questionnaire_row: Any) -> Any:
    """The tuned ruleset (parameters, a named condition, a calculated fact), published."""
    from recommender.services import authoring

    with app.app_context():
        row, _ = authoring.import_file(TUNED, None, publish_now=True)
        return row


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# --------------------------------------------------------------------------- service


def test_the_form_lists_every_parameter_grouped_as_in_the_file(
    app: Flask, tuned: Any, author: Any
) -> None:
    from recommender.services.authoring.params_form import param_form

    with app.app_context():
        form = param_form("tuned", author)
    assert [g.title for g in form.groups] == ["Segment", "In person"]
    assert [[f.id for f in g.fields] for g in form.groups] == [
        ["enterprise_volume"],
        ["terminal_min_stores", "payouts_mean_platform"],
    ]
    volume = form.groups[0].fields[0]
    assert (volume.param.label, volume.param.unit) == ("Enterprise payment volume", "USD per year")
    assert volume.param.description.startswith("From this annual payment volume on")
    assert (volume.text, volume.min_text, volume.max_text) == (
        "50,000,000",
        "$1,000,000",
        "$1,000,000,000",
    )
    assert (
        volume.line
        == TUNED.read_text()
        .splitlines()
        .index("    value: 50_000_000  # the threshold of rule enterprise-volume")
        + 1
    )
    assert form.fields[2].text == "true" and form.errors == {}


@pytest.mark.parametrize(
    ("kind", "raw", "value", "error"),
    [
        ("money", "25,000,000", 25_000_000, ""),
        ("money", "$ 25_000_000", 25_000_000, ""),
        ("money", "2500.50", 2500.5, ""),
        ("money", "25M", None, "'25M' is not a number: type digits only, like 25000000."),
        ("money", "", None, "Enter a number."),
        ("percent", "0.8%", 0.8, ""),
        ("integer", "3", 3, ""),
        ("integer", "3.0", 3, ""),
        ("integer", "2.5", None, "'2.5' is not a whole number."),
        ("integer", "two", None, "'two' is not a number: type digits only, like 20."),
        ("boolean", "false", False, ""),
        ("boolean", "maybe", None, "Choose yes or no."),
    ],
)
def test_posted_values_are_read_by_type(kind: str, raw: str, value: Any, error: str) -> None:
    from recommender.engine.model import Param
    from recommender.services.authoring.params_form import parse_value

    got, message = parse_value(Param("p", kind, 1), raw)
    assert (got, message) == (value, error)
    if value is not None:
        assert type(got) is type(value)


def test_saving_rewrites_only_the_changed_value_lines(app: Flask, tuned: Any, author: Any) -> None:
    from recommender.services import authoring
    from recommender.services.authoring.params_form import save_params

    with app.app_context():
        before = authoring.active_version("tuned").source
        form = save_params(
            "tuned",
            author,
            {
                "enterprise_volume": "25,000,000",
                "terminal_min_stores": "1",
                "payouts_mean_platform": "true",
            },
        )
        draft = authoring.draft_for("tuned", author)
        assert draft is not None
        after = draft.source
        assert form.saved is not None and form.saved.problems == []
        assert [f.id for f in form.fields if f.changed] == ["enterprise_volume"]
        ruleset, _ = authoring.load_checked(after, "tuned")
    # Only the value changed: the author's `_` grouping and the comment on the line stay.
    assert _changed_lines(before, after) == [
        "-    value: 50_000_000  # the threshold of rule enterprise-volume",
        "+    value: 25_000_000  # the threshold of rule enterprise-volume",
    ]
    assert ruleset.params["enterprise_volume"].value == 25_000_000
    rule = next(r for r in ruleset.rules if r.id == "enterprise-volume")
    assert str(rule.condition) == "annual_volume_usd >= $enterprise_volume"
    assert rule.condition.value.value == 25_000_000  # type: ignore[union-attr]


def test_several_values_and_a_boolean(app: Flask, tuned: Any, author: Any) -> None:
    from recommender.services import authoring
    from recommender.services.authoring.params_form import save_params

    with app.app_context():
        before = authoring.active_version("tuned").source
        save_params("tuned", author, {"terminal_min_stores": "3", "payouts_mean_platform": "false"})
        after = authoring.draft_for("tuned", author).source  # type: ignore[union-attr]
    assert _changed_lines(before, after) == [
        "-    value: 1",
        "+    value: 3",
        "-    value: true",
        "+    value: false",
    ]


@pytest.mark.parametrize(
    ("posted", "errors"),
    [
        (
            {"enterprise_volume": "500"},
            {"enterprise_volume": "$500 is below the minimum, $1,000,000."},
        ),
        (
            {"enterprise_volume": "2000000000"},
            {"enterprise_volume": "$2,000,000,000 is above the maximum, $1,000,000,000."},
        ),
        (
            {"enterprise_volume": "lots", "terminal_min_stores": "0"},
            {
                "enterprise_volume": "'lots' is not a number: type digits only, like 25000000.",
                "terminal_min_stores": "0 is below the minimum, 1.",
            },
        ),
    ],
)
def test_a_value_that_does_not_fit_is_refused_at_its_field_and_nothing_is_saved(
    app: Flask, tuned: Any, author: Any, posted: dict[str, str], errors: dict[str, str]
) -> None:
    from recommender.services import authoring
    from recommender.services.authoring.params_form import ParamsRefused, save_params

    with app.app_context():
        with pytest.raises(ParamsRefused) as exc:
            save_params("tuned", author, {**posted, "payouts_mean_platform": "false"})
        assert exc.value.form.errors == errors
        assert exc.value.errors == errors
        # The posted texts stay in the form; the valid change was not saved either.
        shown = {f.id: f.text for f in exc.value.form.fields}
        assert all(shown[k] == v for k, v in posted.items())
        draft = authoring.draft_for("tuned", author)
        assert draft is not None and draft.source == authoring.active_version("tuned").source


def test_a_draft_changed_since_the_form_was_opened_is_a_conflict(
    app: Flask, tuned: Any, author: Any
) -> None:
    from recommender.errors import Conflict
    from recommender.services import authoring
    from recommender.services.authoring.params_form import param_form, save_params

    with app.app_context():
        opened = param_form("tuned", author).checksum
        source = authoring.draft_for("tuned", author).source  # type: ignore[union-attr]
        authoring.save_draft(
            "tuned", author, source=source.replace("Tuned recommendations", "Tuned")
        )
        with pytest.raises(Conflict):
            save_params("tuned", author, {"enterprise_volume": "20000000"}, opened)
        assert "value: 50_000_000" in authoring.draft_for("tuned", author).source  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "old", "written"),
    [
        (25_000_000, "50_000_000", "25_000_000"),
        (25_000_000, "50000000", "25000000"),
        (0.8, "0.75", "0.8"),
        (True, "false", "true"),
        ("gold", "silver", "gold"),
        ("no", "yes", '"no"'),
        ("a: b", "x", '"a: b"'),
        ("trailing #hash", "x", '"trailing #hash"'),
    ],
)
def test_values_are_written_as_yaml_reads_them_back(value: Any, old: str, written: str) -> None:
    import yaml

    from recommender.services.authoring.params_form import yaml_scalar

    text = yaml_scalar(value, old)
    assert text == written
    assert yaml.safe_load(f"v: {text}")["v"] == value


def test_quoted_and_block_values_are_replaced_whole() -> None:
    from recommender.services.authoring.params_form import rewrite_values

    source = (
        "params:\n"
        "  - id: a\n    type: text\n    value: 'old text'  # note\n"
        "  - id: b\n    type: text\n    value: >-\n      folded\n      text\n"
        "  - id: c\n    type: integer\n    value: 3\n"
    )
    out = rewrite_values(source, {"a": "new: text", "b": "short"})
    assert '    value: "new: text"  # note\n' in out
    assert '    value: "short"\n  - id: c\n' in out
    assert out.endswith("    value: 3\n")


# --------------------------------------------------------------------------- web


def test_the_page_shows_labels_descriptions_units_and_limits(
    tuned: Any, author_client: FlaskClient
) -> None:
    body = author_client.get("/rulesets/tuned/params").get_data(as_text=True)
    assert "<legend>Segment</legend>" in body and "<legend>In person</legend>" in body
    assert 'for="param-enterprise_volume">Enterprise payment volume' in body
    assert "(USD per year)" in body
    assert "From this annual payment volume on, the customer is an enterprise." in body
    assert "at least $1,000,000 · at most $1,000,000,000" in body
    assert 'value="50,000,000"' in body
    assert 'aria-current="page">Parameters</a>' in body
    assert 'name="csrf_token"' in body


def test_an_out_of_range_value_is_shown_at_its_field_with_the_posted_text(
    app: Flask, tuned: Any, author_client: FlaskClient, author: Any
) -> None:
    from recommender.services import authoring

    resp = author_client.post(
        "/rulesets/tuned/params",
        data={"param-enterprise_volume": "500", "param-terminal_min_stores": "abc"},
    )
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    field = re.search(r'id="field-enterprise_volume".*?id="field-terminal_min_stores"', body, re.S)
    assert field, body
    assert 'value="500"' in field.group(0) and 'aria-invalid="true"' in field.group(0)
    assert "$500 is below the minimum, $1,000,000." in field.group(0)
    assert "&#39;abc&#39; is not a number" in body
    assert "Nothing was saved: 2 values need fixing" in body
    with app.app_context():
        assert (
            authoring.draft_for("tuned", author).source == authoring.active_version("tuned").source
        )  # type: ignore[union-attr]


def test_saving_makes_a_draft_like_the_editor(
    app: Flask, tuned: Any, author_client: FlaskClient, author: Any
) -> None:
    from recommender.services import authoring

    page = author_client.get("/rulesets/tuned/params").get_data(as_text=True)
    checksum = re.search(r'name="checksum" value="([0-9a-f]+)"', page)
    assert checksum
    resp = author_client.post(
        "/rulesets/tuned/params",
        data={"param-enterprise_volume": "$20,000,000", "checksum": checksum.group(1)},
    )
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert (
        "Draft saved with new values for Enterprise payment volume. The check found no problems."
        in body
    )
    assert 'value="20,000,000"' in body and "<strong>changed</strong>" in body
    with app.app_context():
        draft = authoring.draft_for("tuned", author)
        assert draft is not None and "    value: 20_000_000  # the threshold" in draft.source
        assert draft.status == "draft" and draft.version is None
    # The same draft the editor shows; the diff on the publish page has the one line.
    publish = author_client.get("/rulesets/tuned/publish").get_data(as_text=True)
    assert "+    value: 20_000_000  # the threshold of rule enterprise-volume" in publish
    # Posting the same values again changes nothing.
    again = author_client.post(
        "/rulesets/tuned/params", data={"param-enterprise_volume": "20000000"}
    )
    assert "Nothing changed" in again.get_data(as_text=True)


def test_a_stale_form_is_a_409_and_keeps_the_posted_values(
    app: Flask, tuned: Any, author_client: FlaskClient, author: Any
) -> None:
    resp = author_client.post(
        "/rulesets/tuned/params",
        data={"param-enterprise_volume": "30000000", "checksum": "0" * 64},
    )
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "The draft changed since you opened this form" in body
    assert 'value="30000000"' in body


def test_a_ruleset_without_parameters_says_where_to_declare_them(
    demo: Any, author_client: FlaskClient
) -> None:
    body = author_client.get("/rulesets/demo/params").get_data(as_text=True)
    assert 'id="params-empty"' in body and "params:" in body


def test_roles(
    tuned: Any, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    assert client.get("/rulesets/tuned/params").status_code in (302, 401)
    login(make_user("sa"))
    assert client.get("/rulesets/tuned/params").status_code == 403
    assert (
        client.post("/rulesets/tuned/params", data={"param-enterprise_volume": "2"}).status_code
        == 403
    )


def test_unknown_ruleset_is_a_404(author_client: FlaskClient) -> None:
    assert author_client.get("/rulesets/nope/params").status_code == 404


@pytest.fixture
def csrf_on(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_saving_needs_the_csrf_token(
    csrf_on: dict[str, Any], app: Flask, tuned: Any, client: FlaskClient, author: Any
) -> None:
    from recommender.services import authoring

    def token(body: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
        assert match
        return match.group(1)

    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "email": author.email,
            "password": "correct-horse-battery",
            "csrf_token": token(login),
        },
    )
    refused = client.post("/rulesets/tuned/params", data={"param-enterprise_volume": "20000000"})
    assert refused.status_code == 400
    with app.app_context():
        assert authoring.draft_for("tuned", author) is None
    page = client.get("/rulesets/tuned/params").get_data(as_text=True)
    ok = client.post(
        "/rulesets/tuned/params",
        data={"param-enterprise_volume": "20000000", "csrf_token": token(page)},
    )
    assert ok.status_code == 200
    with app.app_context():
        assert "value: 20_000_000" in authoring.draft_for("tuned", author).source  # type: ignore[union-attr]


def test_a_value_that_breaks_a_rule_is_saved_and_the_check_says_so(
    app: Flask, tuned: Any, author_client: FlaskClient, author: Any
) -> None:
    """A divisor parameter of 0 fits its limits but makes a rule's division by 0: the draft is
    saved (work in progress) and the page says the check found a problem."""
    from recommender.services import authoring

    with app.app_context():
        source = authoring.get_or_create_draft("tuned", author).source
        authoring.save_draft(
            "tuned",
            author,
            source=source.replace(
                "    when: in_person and store_count >= $terminal_min_stores",
                "    when: in_person and annual_volume_usd / $terminal_min_stores >= 1",
            ).replace("    min: 1\n    max: 500", "    min: 0\n    max: 500"),
        )
    resp = author_client.post("/rulesets/tuned/params", data={"param-terminal_min_stores": "0"})
    assert resp.status_code == 200
    body = html.unescape(resp.get_data(as_text=True))
    assert "The check found 1 problem(s) in the draft (listed below and in Edit rules)" in body
    summary = re.search(r'id="params-problems".*?</section>', body, re.S)
    assert summary and "this divides by 0" in summary.group(0)
    editor = html.unescape(author_client.get("/rulesets/tuned/edit").get_data(as_text=True))
    assert "this divides by 0" in editor
