"""Snapshots store what was evaluated and reproduce exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from recommender.extensions import db
from recommender.models import Discovery, ReportSnapshot, Ruleset
from recommender.services import discoveries, evaluation, reports, rulesets
from tests.reports.conftest import save

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("loaded")


def test_snapshot_stores_visible_answers_ruleset_version_and_full_result(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web", "in_person"], "store_count": "12"})
    # store_count is asked only for in-person selling: now hidden, still stored
    save(app, discovery_id, "channels", ["web"], sa_user)
    with app.app_context():
        assert discoveries.answers_of(discovery_id)["store_count"] == 12
        snapshot_id = reports.create_snapshot(discovery_id, sa_user).id
    with app.app_context():
        snap = db.session.get(ReportSnapshot, snapshot_id)
        assert snap is not None
        discovery = db.session.get(Discovery, discovery_id)
        assert discovery is not None
        ruleset = db.session.scalar(select(Ruleset).where(Ruleset.name == "stripe"))
        assert ruleset is not None and ruleset.active_version is not None
        assert snap.discovery_id == discovery_id
        assert snap.created_by_id == sa_user.id
        assert "store_count" not in snap.answers
        assert snap.answers["channels"] == ["web"]
        assert snap.ruleset_name == "stripe"
        assert snap.ruleset_version == ruleset.active_version.version
        assert snap.ruleset_version_id == ruleset.active_version_id
        assert snap.questionnaire_version_id == discovery.questionnaire_version_id
        assert snap.result["ruleset"] == {"name": "stripe", "version": snap.ruleset_version}
        q = discoveries.questionnaire_of(discovery)
        expected = evaluation.evaluate_answers(q, dict(snap.answers)).to_dict()
        assert snap.result == reports._json(expected)
        assert len(snap.result["trace"]) == len(expected["trace"]) > 0
        assert "store_count" not in str(snap.result["products"])
        assert snap.readout is not None
        shown = [a["id"] for a in snap.readout["appendix"]["answers"]]
        assert "channels" in shown and "store_count" not in shown


def test_reproduce_gives_the_stored_result(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(
        {
            "channels": ["web", "in_person"],
            "customer_countries": ["NL", "BE", "DE"],
            "customer_type": ["consumers"],
            "pricing_models": ["fixed_recurring"],
        }
    )
    with app.app_context():
        snapshot_id = reports.create_snapshot(discovery_id, sa_user).id
    with app.app_context():
        stored = db.session.get(ReportSnapshot, snapshot_id)
        assert stored is not None
        assert stored.result["products"], "the answers should recommend something"
        assert reports.reproduce(snapshot_id) == stored.result


def test_snapshot_is_frozen_while_the_discovery_moves_on(
    app: Flask, sa_client: Any, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    with app.app_context():
        first = reports.create_snapshot(discovery_id, sa_user).id
    save(app, discovery_id, "channels", ["web", "in_person"], sa_user)
    with app.app_context():
        second = reports.create_snapshot(discovery_id, sa_user).id
        listed = [s.id for s in reports.list_snapshots(discovery_id)]
        assert listed == [second, first]  # newest first
        old, new = reports.get_snapshot(first), reports.get_snapshot(second)
        assert "terminal" not in [p["id"] for p in old.result["products"]]
        assert "terminal" in [p["id"] for p in new.result["products"]]
        assert reports.reproduce(first) == old.result


def test_reproduce_uses_the_stored_version_after_a_new_one_is_published(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int], tmp_path: Path
) -> None:
    discovery_id = make_discovery({"channels": ["web", "in_person"]})
    with app.app_context():
        snapshot = reports.create_snapshot(discovery_id, sa_user)
        snapshot_id, old_version = snapshot.id, snapshot.ruleset_version
        stored = snapshot.result
    assert "Stripe Terminal" in [p["name"] for p in stored["products"]]

    source = (ROOT / "rules" / "stripe.yaml").read_text(encoding="utf-8")
    changed = source.replace("name: Stripe Terminal\n", "name: Stripe Terminal readers\n", 1)
    assert changed != source
    (tmp_path / "stripe.yaml").write_text(changed, encoding="utf-8")
    for data_file in ("payment_methods.yaml", "markets.yaml", "solution_design.yaml"):
        (tmp_path / data_file).write_text((ROOT / "rules" / data_file).read_text("utf-8"), "utf-8")
    with app.app_context():
        rulesets.import_directory(tmp_path)
    with app.app_context():
        live = reports.panel(discovery_id).result
        assert live["ruleset"]["version"] > old_version
        assert "Stripe Terminal readers" in [p["name"] for p in live["products"]]
        again = reports.reproduce(snapshot_id)
        assert again == stored
        assert again["ruleset"]["version"] == old_version
