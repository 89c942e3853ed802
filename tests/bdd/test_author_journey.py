"""Steps for features/authoring.feature: the rule author's journey through the workbench."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select

from recommender.extensions import db
from recommender.models import Account, Answer, Discovery, QuestionnaireVersion

scenarios("authoring.feature")

DATA = Path(__file__).resolve().parents[1] / "authoring" / "data"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(
        {
            "FORMS_DIR": str(DATA / "forms"),
            "RULES_DIR": str(DATA / "rules"),
            "RULESET_FEATURES_DIR": str(DATA / "features"),
        }
    )
    return app_config


@pytest.fixture
def page() -> dict[str, Any]:
    """The last response a step saw."""
    return {}


def _text(resp: Any) -> str:
    return str(resp.get_data(as_text=True))


def _editor_source(client: FlaskClient) -> str:
    body = _text(client.get("/rulesets/demo/edit"))
    match = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', body, re.S)
    assert match, "the editor has no source textarea"
    return html.unescape(match.group(1))


@given("the demo ruleset is active as version 1")
def demo_active(app: Flask) -> None:
    from recommender.services import authoring

    with app.app_context():
        authoring.import_file(DATA / "rules" / "demo.yaml", None, publish_now=True)


@given(parsers.parse('saved discoveries "{a}" with volume {va:d} and "{b}" with volume {vb:d}'))
def saved_discoveries(app: Flask, make_user: Callable[..., Any], a: str, va: int, b: str, vb: int) -> None:
    from recommender.engine.model import checksum
    from recommender.questionnaire import load_questionnaire

    owner = make_user("sa")
    path = DATA / "forms" / "authoring_demo.yaml"
    q = load_questionnaire(path)
    with app.app_context(), db.transaction() as session:
        qv = QuestionnaireVersion(
            form_id=q.id, version=q.version, title=q.title, definition=q.to_dict(),
            source=path.read_text(), checksum=checksum(path.read_text()),
        )
        session.add(qv)
        session.flush()
        for name, volume in ((a, va), (b, vb)):
            account = Account(name=name, created_by_id=owner.id)
            session.add(account)
            session.flush()
            d = Discovery(account_id=account.id, questionnaire_version_id=qv.id, owner_id=owner.id)
            session.add(d)
            session.flush()
            session.add(Answer(discovery_id=d.id, question_id="annual_volume_usd", value=volume))


@given("I am logged in as an author")
def logged_in(client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]) -> None:
    login(make_user("author"))


@when(parsers.parse('I save the rules with "{old}" changed to "{new}"'))
def save_rules(client: FlaskClient, page: dict[str, Any], old: str, new: str) -> None:
    source = _editor_source(client)
    assert old in source
    page["source"] = source.replace(old, new, 1)
    page["resp"] = client.post("/rulesets/demo/edit", data={"source": page["source"]})
    assert page["resp"].status_code == 200


@then(parsers.parse('I see a check error at the line of "{text}"'))
def error_at_line(page: dict[str, Any], text: str) -> None:
    line = next(i for i, s in enumerate(page["source"].splitlines(), 1) if text in s)
    body = _text(page["resp"])
    assert "1 problem" in body
    assert f'data-line="{line}"' in body and f"line {line}, column" in body


@then("I see no check errors")
def no_errors(page: dict[str, Any]) -> None:
    assert "No problems" in _text(page["resp"])


@then("publishing is refused and version 1 stays active")
def publish_refused(app: Flask, client: FlaskClient, page: dict[str, Any]) -> None:
    from recommender.services import authoring

    resp = client.post("/rulesets/demo/publish", data={"note": "should not work"})
    if resp.status_code == 302:  # check errors: back to the editor, which says so
        resp = client.get(resp.headers["Location"])
    else:  # failing scenarios: the publish page lists them
        assert resp.status_code == 422
    page["refused"] = _text(resp)
    assert "Publishing refused" in page["refused"]
    with app.app_context():
        assert authoring.active_version("demo").version == 1
        assert [r.version for r in authoring.history("demo")] == [1]


@then(parsers.parse('the refusal lists the scenario "{name}" of "{feature}" with a link to its line'))
def refusal_lists(page: dict[str, Any], name: str, feature: str) -> None:
    body = html.unescape(page["refused"])
    row = re.search(
        r"<tr>\s*<td>" + re.escape(feature) + r'</td>\s*<td><a href="/rulesets/demo/scenarios/[a-z0-9-]+#L(\d+)C1">'
        + re.escape(name) + r"</a>.*?</tr>",
        body,
        re.S,
    )
    assert row, body[-3000:]
    assert "expected products to include checkout" in row.group(0)


@when(parsers.parse('I load "{label}" into the sandbox and ask why not {product}'))
def sandbox_load(app: Flask, client: FlaskClient, page: dict[str, Any], label: str, product: str) -> None:
    with app.app_context():
        discovery = db.session.scalar(select(Discovery).join(Account).where(Account.name == label))
        did = discovery.id
    choices = _text(client.get("/rulesets/demo/sandbox"))
    assert f'value="discovery:{did}"' in choices  # offered in the picker
    page["resp"] = client.post(
        "/rulesets/demo/sandbox",
        data={"mode": "load", "subject": f"discovery:{did}", "which": "draft", "why_not": product},
    )


@then(parsers.parse("the sandbox form shows its volume {volume:d} and my draft recommends {product}"))
def sandbox_shows(page: dict[str, Any], volume: int, product: str) -> None:
    body = html.unescape(_text(page["resp"]))
    assert re.search(rf'<input [^>]*id="annual_volume_usd" [^>]*value="{volume}"', body)
    assert f'data-why-not-product="{product}" data-status="recommended"' in body
    assert "(your draft)" in body and "enterprise-volume" in body


@when("I run the scenarios")
def run_scenarios(client: FlaskClient, page: dict[str, Any]) -> None:
    # "Run all" on the Scenarios tab: every feature runs on its own.
    assert "Run all" in _text(client.get("/rulesets/demo/scenarios"))
    page["resp"] = client.post("/rulesets/demo/scenarios", data={"action": "run_all"})


@then(parsers.parse("all {n:d} scenarios pass"))
def all_pass(page: dict[str, Any], n: int) -> None:
    assert f"{n} passed, 0 failed" in _text(page["resp"])


@then(parsers.parse('the scenario "{name}" fails'))
def scenario_fails(page: dict[str, Any], name: str) -> None:
    body = _text(page["resp"])
    # Listed under its feature, linked to its line in that feature's editor.
    assert re.search(r'FAIL</span>\s*<a href="/rulesets/demo/scenarios/[a-z0-9-]+#L\d+C1">' + re.escape(name), body), body[-3000:]


@when("I preview the impact")
def preview(client: FlaskClient, page: dict[str, Any]) -> None:
    page["impact"] = client.get("/rulesets/demo/impact?format=json").json
    page["resp"] = client.get("/rulesets/demo/impact")


@then(parsers.parse('only "{label}" would change, gaining {product} because of {rule}'))
def only_changes(page: dict[str, Any], label: str, product: str, rule: str) -> None:
    changed = page["impact"]["changed"]
    assert [(c["label"], c["products_added"], c["products_removed"], c["rules"]) for c in changed] == [
        (label, [product], [], [rule])
    ]
    assert page["impact"]["evaluated"] == 2
    assert label in _text(page["resp"])


@when(parsers.parse('I publish the draft with the note "{note}"'))
def publish(client: FlaskClient, page: dict[str, Any], note: str) -> None:
    page["published_at"] = datetime.now(UTC)
    resp = client.post("/rulesets/demo/publish", data={"note": note})
    assert resp.status_code == 302
    assert "Published version" in _text(client.get(resp.headers["Location"]))


@then(parsers.parse("version {n:d} is active"))
def version_active(app: Flask, client: FlaskClient, n: int) -> None:
    from recommender.services import authoring

    with app.app_context():
        assert authoring.active_version("demo").version == n
    assert client.get("/rulesets/demo/active.json").json["version"] == n


def _evaluate(app: Flask, label: str) -> Any:
    from recommender.services import authoring
    from recommender.services.evaluation import evaluate_answers

    with app.app_context():
        discovery = db.session.scalar(select(Discovery).join(Account).where(Account.name == label))
        subject = authoring.subject("discovery", discovery.id)
        return evaluate_answers(subject.questionnaire, subject.answers, "demo")


@then(parsers.parse('the next evaluation of "{label}" uses version {n:d} and recommends {product}'))
def evaluation_uses(app: Flask, label: str, n: int, product: str) -> None:
    result = _evaluate(app, label)
    assert result.ruleset["version"] == n
    assert product in result.product_ids


@then(parsers.parse('the next evaluation of "{label}" uses version {n:d} and does not recommend {product}'))
def evaluation_without(app: Flask, label: str, n: int, product: str) -> None:
    result = _evaluate(app, label)
    assert result.ruleset["version"] == n
    assert product not in result.product_ids


@then("the audit log shows the publish with the changed threshold")
def audit_shows(client: FlaskClient) -> None:
    body = html.unescape(_text(client.get("/rulesets/demo")))
    assert "published version 2 (previous: 1) — lower the enterprise bar" in body
    assert "-    when: annual_volume_usd >= 10_000_000" in body
    assert "+    when: annual_volume_usd >= 5_000_000" in body


@then(parsers.parse('the impact row of "{label}" links to it and shows its segment becoming "{value}"'))
def impact_row(app: Flask, page: dict[str, Any], label: str, value: str) -> None:
    (row,) = [c for c in page["impact"]["changed"] if c["label"] == label]
    assert row["url"] == f"/discoveries/{row['id']}"
    assert [(f["id"], f["after"]) for f in row["facts"]] == [("segment", value)]
    body = _text(page["resp"])
    assert f'href="/discoveries/{row["id"]}"' in body and f"Segment: not set → <strong>{value}</strong>" in body


@when(parsers.parse("I ask to roll back to version {n:d}"))
def ask_roll_back(client: FlaskClient, page: dict[str, Any], n: int) -> None:
    page["resp"] = client.get(f"/rulesets/demo/rollback/{n}")
    assert page["resp"].status_code == 200


@then(
    parsers.parse(
        'the confirmation shows version {active:d} active, version {target:d} to go back to, '
        'and "{label}" losing its segment'
    )
)
def confirmation(page: dict[str, Any], active: int, target: int, label: str) -> None:
    body = html.unescape(_text(page["resp"]))
    assert re.search(rf"Active now</th>\s*<td><a [^>]*>v{active}</a>", body), body[:3000]
    assert re.search(rf"Going back to</th>\s*<td><a [^>]*>v{target}</a>", body)
    assert label in body and "Segment: Enterprise → <strong>not set</strong>" in body
    assert 'name="note"' in body and "required" in body


@when("I confirm the rollback without a note")
def roll_back_without_note(client: FlaskClient, page: dict[str, Any]) -> None:
    page["resp"] = client.post("/rulesets/demo/rollback", data={"to": "1", "note": "  "})


@then(parsers.parse('the rollback is refused with "{message}" and version {n:d} stays active'))
def rollback_refused(app: Flask, client: FlaskClient, page: dict[str, Any], message: str, n: int) -> None:
    assert page["resp"].status_code == 400
    assert message in _text(page["resp"])
    version_active(app, client, n)


@when(parsers.parse('I roll back to version {n:d} with the note "{note}"'))
def roll_back(client: FlaskClient, page: dict[str, Any], n: int, note: str) -> None:
    resp = client.post("/rulesets/demo/rollback", data={"to": str(n), "note": note})
    assert resp.status_code == 302
    page["resp"] = client.get(resp.headers["Location"])


@then(parsers.parse('the version history and the audit log show the note "{note}"'))
def note_shown(app: Flask, page: dict[str, Any], note: str) -> None:
    from recommender.services import authoring

    body = html.unescape(_text(page["resp"]))
    assert "is active again as version" in body
    with app.app_context():
        assert authoring.active_version("demo").note == note
        entry = authoring.audit_log("demo")[0]
        assert entry.action == "rollback" and entry.summary.endswith(f"— {note}")
    assert f"<td>{note}</td>" in body and f"— {note}</summary>" in body


@then(parsers.parse("I am told version {n:d} is already active and version {active:d} stays active"))
def already_active(app: Flask, client: FlaskClient, page: dict[str, Any], n: int, active: int) -> None:
    from recommender.services import authoring

    body = _text(page["resp"])
    assert f"Version {n} is already active (as version {active}); nothing was published." in body
    version_active(app, client, active)
    with app.app_context():
        assert [r.version for r in authoring.history("demo")][0] == active


# --------------------------------------------------------------------------- decision table grid

TABLES = DATA / "tables"


@given(parsers.parse('the "{name}" ruleset with the decision table "{table}" is active as version 1'))
def table_ruleset_active(app: Flask, page: dict[str, Any], name: str, table: str) -> None:
    from recommender.services import authoring

    with app.app_context():
        row, _ = authoring.import_file(TABLES / f"{name}.yaml", None, publish_now=True)
        assert row.version == 1
        page["table_source"] = row.source


@given(parsers.parse('saved discoveries "{a}" selling to {ca} and "{b}" selling to {cb}'))
def saved_country_discoveries(
    app: Flask, make_user: Callable[..., Any], a: str, ca: str, b: str, cb: str
) -> None:
    from recommender.engine.model import checksum
    from recommender.questionnaire import load_questionnaire

    owner = make_user("sa")
    path = DATA / "forms" / "authoring_markets.yaml"
    q = load_questionnaire(path)
    with app.app_context(), db.transaction() as session:
        qv = QuestionnaireVersion(
            form_id=q.id, version=q.version, title=q.title, definition=q.to_dict(),
            source=path.read_text(), checksum=checksum(path.read_text()),
        )
        session.add(qv)
        session.flush()
        for name, country in ((a, ca), (b, cb)):
            account = Account(name=name, created_by_id=owner.id)
            session.add(account)
            session.flush()
            d = Discovery(account_id=account.id, questionnaire_version_id=qv.id, owner_id=owner.id)
            session.add(d)
            session.flush()
            session.add(Answer(discovery_id=d.id, question_id="hq_country", value="DE"))
            session.add(Answer(discovery_id=d.id, question_id="customer_countries", value=[country]))


def _grid_data(client: FlaskClient, name: str, table: str) -> dict[str, Any]:
    import json

    body = _text(client.get(f"/rulesets/{name}/tables?table={table}"))
    match = re.search(r'<script type="application/json" id="grid-data">(.*?)</script>', body, re.S)
    assert match, "the Tables tab shows no grid"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


@when(parsers.parse('I open the table "{table}" of "{name}" in the grid'))
def open_grid(client: FlaskClient, page: dict[str, Any], table: str, name: str) -> None:
    page["grid"] = _grid_data(client, name, table)
    page["grid_url"] = f"/rulesets/{name}/tables/{table}"
    page["grid_name"] = name


@then(parsers.parse("the grid shows {n:d} rows"))
def grid_rows(page: dict[str, Any], n: int) -> None:
    assert len(page["grid"]["grid"]["rows"]) == n
    assert page["grid"]["check"]["ok"] is True


def _rows_with(page: dict[str, Any], cells: dict[str, str]) -> list[dict[str, Any]]:
    rows = [
        {"cells": r["cells"], "priority": r["priority"], "because": r["because"], "orig": r["orig"]}
        for r in page["grid"]["grid"]["rows"]
    ]
    return rows + [{"cells": cells, "priority": "", "because": {}, "orig": None}]


@when(
    parsers.parse(
        'I add a row with "{value}" for "{column}" and "{output}" for "{out_column}" in the grid'
    )
)
def add_grid_row(
    client: FlaskClient, page: dict[str, Any], value: str, column: str, output: str, out_column: str
) -> None:
    page["rows"] = _rows_with(page, {column: value, out_column: output})
    resp = client.post(page["grid_url"] + "/check", json={"rows": page["rows"]})
    assert resp.status_code == 200
    page["check"] = resp.get_json()


@then(parsers.parse('the grid shows "{message}" at row {row:d}, column "{column}"'))
def grid_error_at(page: dict[str, Any], message: str, row: int, column: str) -> None:
    assert page["check"]["ok"] is False
    assert [(c["row"], c["column"], c["message"]) for c in page["check"]["cells"]] == [
        (row - 1, column, message)
    ]


@then(parsers.parse("saving the grid is refused and the draft keeps {n:d} rows"))
def grid_save_refused(app: Flask, client: FlaskClient, page: dict[str, Any], n: int) -> None:
    from recommender.services import authoring

    resp = client.post(page["grid_url"], json={"rows": page["rows"], "checksum": page["grid"]["grid"]["checksum"]})
    assert resp.status_code == 400
    assert resp.get_json()["cells"][0]["column"] == "method"
    with app.app_context():
        ruleset = authoring.load_checked(authoring.get_or_create_draft(page["grid_name"], None).source)[0]
    assert len(ruleset.tables[0].rows) == n


@when(
    parsers.parse(
        'I add a row with "{value}" for "{column}" and "{output}" for "{out_column}" in the grid and save it'
    )
)
def add_grid_row_and_save(
    client: FlaskClient, page: dict[str, Any], value: str, column: str, output: str, out_column: str
) -> None:
    page["rows"] = _rows_with(page, {column: value, out_column: output})
    resp = client.post(page["grid_url"], json={"rows": page["rows"], "checksum": page["grid"]["grid"]["checksum"]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["ok"] is True


@then(parsers.parse('the draft of "{name}" has the row "{line}" and nothing else changed'))
def draft_has_row(client: FlaskClient, page: dict[str, Any], name: str, line: str) -> None:
    body = _text(client.get(f"/rulesets/{name}/edit"))
    source = html.unescape(re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', body, re.S).group(1))
    before = page["table_source"]
    added = f"      - {line}\n        method: blik\n"
    assert source == before + added


@when(parsers.parse('I preview the impact of "{name}"'))
def preview_named(client: FlaskClient, page: dict[str, Any], name: str) -> None:
    page["impact"] = client.get(f"/rulesets/{name}/impact?format=json").json
    page["resp"] = client.get(f"/rulesets/{name}/impact")


@then(parsers.parse('only "{label}" would change in "{name}", gaining {product} because of {rule}'))
def only_changes_named(page: dict[str, Any], label: str, name: str, product: str, rule: str) -> None:
    changed = page["impact"]["changed"]
    assert [(c["label"], c["products_added"], c["products_removed"], c["rules"]) for c in changed] == [
        (label, [product], [], [rule])
    ]
    assert label in _text(page["resp"]) and changed[0]["url"] == f"/discoveries/{changed[0]['id']}"


@when(parsers.parse('I publish "{name}" with the note "{note}"'))
def publish_named(client: FlaskClient, name: str, note: str) -> None:
    resp = client.post(f"/rulesets/{name}/publish", data={"note": note})
    assert resp.status_code == 302, _text(resp)[-2000:]


@then(
    parsers.parse(
        'the next evaluation of "{label}" with "{name}" uses version {n:d}, recommends {product} '
        'and traces it to "{description}"'
    )
)
def evaluation_traced(app: Flask, label: str, name: str, n: int, product: str, description: str) -> None:
    from recommender.services import authoring
    from recommender.services.evaluation import evaluate_answers

    with app.app_context():
        discovery = db.session.scalar(select(Discovery).join(Account).where(Account.name == label))
        subject = authoring.subject("discovery", discovery.id)
        result = evaluate_answers(subject.questionnaire, subject.answers, name)
    assert result.ruleset["version"] == n
    (entry,) = [p for p in result.products if p["id"] == product]
    assert entry["rules"] == ["market-methods[3]"] and entry["rationale"] == ["Buyers there expect it."]
    (trace,) = [t for t in result.trace if t["rule"] == "market-methods[3]"]
    assert trace["fired"] is True and trace["description"].startswith(description)


# --------------------------------------------------------------------------- parameters form

PARAMS = DATA / "params"


@given(parsers.parse('the "{name}" ruleset with parameters is active as version 1'))
def params_ruleset_active(app: Flask, page: dict[str, Any], name: str) -> None:
    from recommender.services import authoring

    with app.app_context():
        row, _ = authoring.import_file(PARAMS / f"{name}.yaml", None, publish_now=True)
        assert row.version == 1
        page["params_source"] = row.source


@given(parsers.parse('a saved discovery "{label}" with volume {volume:d}'))
def one_saved_discovery(app: Flask, make_user: Callable[..., Any], label: str, volume: int) -> None:
    owner = make_user("sa")
    with app.app_context(), db.transaction() as session:
        qv = session.scalar(
            select(QuestionnaireVersion).where(QuestionnaireVersion.form_id == "authoring_demo")
        )
        account = Account(name=label, created_by_id=owner.id)
        session.add(account)
        session.flush()
        d = Discovery(account_id=account.id, questionnaire_version_id=qv.id, owner_id=owner.id)
        session.add(d)
        session.flush()
        session.add(Answer(discovery_id=d.id, question_id="annual_volume_usd", value=volume))


def _param_field(body: str, label: str) -> tuple[str, str]:
    """(parameter id, the HTML of its field) for the field labelled `label`."""
    match = re.search(r'<label for="param-([a-z0-9_]+)">' + re.escape(label), body)
    assert match, f"no field labelled {label!r}"
    pid = match.group(1)
    block = re.search(rf'<div class="field param-field[^"]*" id="field-{pid}".*?</p>\s*(?:<p class="field-errors".*?</p>\s*)?</div>', body, re.S)
    assert block
    return pid, block.group(0)


@when(parsers.parse('I open the Parameters form of "{name}"'))
def open_params(client: FlaskClient, page: dict[str, Any], name: str) -> None:
    page["resp"] = client.get(f"/rulesets/{name}/params")
    assert page["resp"].status_code == 200


@then(parsers.parse('the form shows "{label}" at "{value}" with its description and limits'))
def params_shows(page: dict[str, Any], label: str, value: str) -> None:
    _pid, field = _param_field(_text(page["resp"]), label)
    assert f'value="{value}"' in field
    assert "From this annual payment volume on, the customer is an enterprise." in field
    assert "at least $1,000,000 · at most $1,000,000,000" in field


@when(parsers.parse('I set "{label}" to "{value}" in the Parameters form of "{name}"'))
def set_param(client: FlaskClient, page: dict[str, Any], label: str, value: str, name: str) -> None:
    body = _text(client.get(f"/rulesets/{name}/params"))
    pid, _field = _param_field(body, label)
    checksum = re.search(r'name="checksum" value="([0-9a-f]+)"', body)
    assert checksum
    page["resp"] = client.post(
        f"/rulesets/{name}/params", data={f"param-{pid}": value, "checksum": checksum.group(1)}
    )


@then(
    parsers.parse(
        'the form refuses it at its field with "{message}" and the draft of "{name}" is unchanged'
    )
)
def params_refused(app: Flask, page: dict[str, Any], message: str, name: str) -> None:
    from recommender.services import authoring

    assert page["resp"].status_code == 400
    _pid, field = _param_field(_text(page["resp"]), "Enterprise payment volume")
    assert 'aria-invalid="true"' in field and html.escape(message) in field
    with app.app_context():
        drafts = _drafts(name)
        assert authoring.active_version(name).version == 1
    assert drafts and all(row.source == page["params_source"] for row in drafts)


def _drafts(name: str) -> list[Any]:
    from recommender.models import Ruleset, RulesetVersion

    ruleset = db.session.scalar(select(Ruleset).where(Ruleset.name == name))
    return list(
        db.session.scalars(
            select(RulesetVersion).where(
                RulesetVersion.ruleset_id == ruleset.id, RulesetVersion.status == "draft"
            )
        )
    )


@then(parsers.parse('the draft of "{name}" differs from version 1 only in the line "{line}"'))
def params_draft_line(app: Flask, page: dict[str, Any], name: str, line: str) -> None:
    assert page["resp"].status_code == 200
    assert "Draft saved with new values for Enterprise payment volume" in _text(page["resp"])
    with app.app_context():
        (draft,) = _drafts(name)
        after = draft.source
    before = page["params_source"]
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert [b for _a, b in changed] == [line]


@then(
    parsers.parse(
        'only "{label}" would change in "{name}", its segment becoming "{value}" and gaining {product}'
    )
)
def only_segment_changes(page: dict[str, Any], label: str, name: str, value: str, product: str) -> None:
    changed = page["impact"]["changed"]
    assert [(c["label"], c["products_added"]) for c in changed] == [(label, [product])]
    assert page["impact"]["evaluated"] == 3
    (row,) = changed
    assert [(f["id"], f["before"], f["after"]) for f in row["facts"]] == [("segment", "not set", value)]
    body = _text(page["resp"])
    assert f'href="/discoveries/{row["id"]}"' in body and f"Segment: not set → <strong>{value}</strong>" in body


def _evaluate_named(app: Flask, label: str, name: str) -> Any:
    from recommender.services import authoring
    from recommender.services.evaluation import evaluate_answers

    with app.app_context():
        discovery = db.session.scalar(select(Discovery).join(Account).where(Account.name == label))
        subject = authoring.subject("discovery", discovery.id)
        return evaluate_answers(subject.questionnaire, subject.answers, name)


@then(
    parsers.parse(
        'the next evaluation of "{label}" with "{name}" uses version {n:d} and derives the segment "{value}"'
    )
)
def evaluation_segment(app: Flask, label: str, name: str, n: int, value: str) -> None:
    result = _evaluate_named(app, label, name)
    assert result.ruleset["version"] == n
    assert [(d["fact"], d["value"]) for d in result.derived] == [("segment", value)]
    assert result.derived[0]["reason"] == (
        "Pays $2,500,000 a month, from $25,000,000 a year on a customer is an enterprise."
    )


@then(parsers.parse('the next evaluation of "{label}" with "{name}" uses version {n:d} and derives no segment'))
def evaluation_no_segment(app: Flask, label: str, name: str, n: int) -> None:
    result = _evaluate_named(app, label, name)
    assert result.ruleset["version"] == n
    assert result.derived == [] and "radar_fraud_teams" not in result.product_ids


@when(parsers.parse('I roll back "{name}" to version {n:d} with the note "{note}"'))
def roll_back_named(client: FlaskClient, page: dict[str, Any], name: str, n: int, note: str) -> None:
    confirm = _text(client.get(f"/rulesets/{name}/rollback/{n}"))
    assert "Growing Co" in confirm  # the impact of going back
    resp = client.post(f"/rulesets/{name}/rollback", data={"to": str(n), "note": note})
    assert resp.status_code == 302
    page["resp"] = client.get(resp.headers["Location"])


@then(parsers.parse('version {n:d} of "{name}" is active with the note "{note}" in its history and audit log'))
def rolled_back(app: Flask, page: dict[str, Any], n: int, name: str, note: str) -> None:
    from recommender.services import authoring

    with app.app_context():
        active = authoring.active_version(name)
        assert (active.version, active.note) == (n, note)
        assert "value: 50_000_000  # the threshold" in active.source
        entry = authoring.audit_log(name)[0]
        assert entry.action == "rollback" and entry.summary.endswith(f"— {note}")
    assert f"<td>{html.escape(note)}</td>" in _text(page["resp"])
