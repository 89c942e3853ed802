"""The live panel keeps its evaluation per (discovery revision, questionnaire version, ruleset
version, date): a repeated panel is not evaluated again, and nothing it shows goes stale: a
changed answer, a note, a newly published ruleset version or a new readout shows at once. The
autosave with its panel runs a handful of SQL statements."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from recommender.engine import CompiledRuleset
from recommender.extensions import db

pytestmark = pytest.mark.usefixtures("loaded")


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the engine evaluated (one entry per call)."""
    calls: list[int] = []
    real = CompiledRuleset.evaluate

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CompiledRuleset, "evaluate", counted)
    return calls


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """SQL statements run against the app's database while the test runs."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def _panel(client: FlaskClient, did: int) -> str:
    resp = client.get(f"/discoveries/{did}/recommendation")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _products(html: str) -> list[str]:
    found = re.search(r'data-products="([^"]*)"', html)
    assert found is not None
    return found.group(1).split()


def _save(client: FlaskClient, did: int, qid: str, value: Any, version: int) -> dict[str, Any]:
    resp = client.post(
        f"/discoveries/{did}/answers",
        json={
            "question_id": qid,
            "value": value,
            "version": version,
            "panel": {"prev_products": "", "prev_risks": ""},
        },
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return dict(resp.get_json())


def test_a_repeated_panel_is_not_evaluated_again_and_follows_each_answer(
    sa_client: FlaskClient, make_discovery: Callable[..., int], evaluations: list[int]
) -> None:
    did = make_discovery({"hq_country": "DE", "channels": ["web"]})
    first = _panel(sa_client, did)
    assert "terminal" not in _products(first)
    assert len(evaluations) == 1
    assert _panel(sa_client, did) == first
    assert len(evaluations) == 1  # the same revision: kept

    saved = _save(sa_client, did, "channels", ["web", "in_person"], 1)
    assert len(evaluations) == 2
    assert "terminal" in _products(saved["panel_html"])
    after = _panel(sa_client, did)
    assert len(evaluations) == 2  # the autosave's panel is the one kept
    assert "terminal" in _products(after)
    assert f'data-revision="{saved["revision"]}"' in after

    # Back to the first answer: a new revision, evaluated again, the product gone again.
    back = _save(sa_client, did, "channels", ["web"], saved["version"])
    assert "terminal" not in _products(back["panel_html"])
    assert "terminal" not in _products(_panel(sa_client, did))


def test_an_answer_saved_elsewhere_shows_in_the_next_panel(
    app: Flask, sa_client: FlaskClient, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    from tests.reports.conftest import save

    did = make_discovery({"hq_country": "DE", "channels": ["web"]})
    assert "terminal" not in _products(_panel(sa_client, did))
    save(app, did, "channels", ["web", "in_person"], sa_user)  # the service, not this client
    assert "terminal" in _products(_panel(sa_client, did))


def test_a_newly_published_version_changes_the_panel(
    app: Flask, sa_client: FlaskClient, make_discovery: Callable[..., int], tmp_path: Path
) -> None:
    from recommender.services import rulesets

    did = make_discovery({"channels": ["web", "in_person"]})
    before = _panel(sa_client, did)
    assert "Stripe Terminal" in before and "Stripe Terminal readers" not in before
    version = re.search(r"stripe v(\d+)", before)
    assert version is not None

    rules_dir = Path(app.config["RULES_DIR"])
    source = (rules_dir / "stripe.yaml").read_text(encoding="utf-8")
    changed = source.replace("name: Stripe Terminal\n", "name: Stripe Terminal readers\n", 1)
    assert changed != source
    (tmp_path / "stripe.yaml").write_text(changed, encoding="utf-8")
    for data_file in ("payment_methods.yaml", "markets.yaml", "solution_design.yaml"):
        (tmp_path / data_file).write_text((rules_dir / data_file).read_text("utf-8"), "utf-8")
    with app.app_context():
        rulesets.import_directory(tmp_path)
        rulesets.invalidate("stripe")  # this process reads the pointer at once

    after = _panel(sa_client, did)
    assert "Stripe Terminal readers" in after
    assert f"stripe v{int(version.group(1)) + 1}" in after


def test_a_new_readout_is_counted_at_once(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    did = make_discovery({"hq_country": "DE"})
    assert "Readouts (0)" in _panel(sa_client, did)
    resp = sa_client.post(f"/discoveries/{did}/reports", data={"confirm": "1"})
    assert resp.status_code == 303
    assert "Readouts (1)" in _panel(sa_client, did)


def test_the_autosave_with_its_panel_runs_a_handful_of_statements(
    sa_client: FlaskClient, make_discovery: Callable[..., int], statements: list[str]
) -> None:
    did = make_discovery({"hq_country": "DE", "channels": ["web"]})
    _panel(sa_client, did)  # the process's ruleset and questionnaire are loaded
    statements.clear()
    saved = _save(sa_client, did, "channels", ["web", "in_person"], 1)
    assert "terminal" in _products(saved["panel_html"])
    # Session + user, discovery + questionnaire + readout count, answers, the answer's write,
    # the revision, the audit row, the active ruleset (was 19).
    assert len(statements) <= 7, statements
    writes = [s for s in statements if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert len(writes) == 3, writes


def test_the_readout_confirmation_uses_the_kept_evaluation(
    sa_client: FlaskClient, make_discovery: Callable[..., int], evaluations: list[int]
) -> None:
    did = make_discovery({"hq_country": "DE", "channels": ["web"]})
    html = _panel(sa_client, did)
    assert "data-key-question=" in html  # key questions are open: Create asks first
    assert len(evaluations) == 1
    resp = sa_client.post(f"/discoveries/{did}/reports", data={})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/reports/new")
    page = sa_client.get(f"/discoveries/{did}/reports/new")
    assert page.status_code == 200
    assert len(evaluations) == 1  # the panel's evaluation, not a new one

    _save(sa_client, did, "channels", ["web", "in_person"], 1)
    assert len(evaluations) == 2
    sa_client.get(f"/discoveries/{did}/reports/new")
    assert len(evaluations) == 2  # the autosave's panel evaluated the new answers already
