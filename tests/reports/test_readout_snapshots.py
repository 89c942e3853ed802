"""Snapshots carry their readout: built when the snapshot is made (today, the marked call
notes, the design published with the ruleset version), frozen with it, and built on the fly
for snapshots made before readouts existed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from recommender.extensions import db
from recommender.models import ReportSnapshot
from recommender.services import discoveries, reports, rulesets

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("summary", "design", "architecture", "roadmap", "migration", "markets", "kpis")
KEYS = ("meta", *SECTIONS, "risks", "notes", "appendix")

pytestmark = pytest.mark.usefixtures("loaded")

MARKETPLACE: dict[str, Any] = {
    "company_name": "Maison Pop SAS",
    "hq_country": "FR",
    "business_model": "marketplace",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL"],
    "channels": ["web", "in_person"],
    "store_count": 200,
    "pays_out_third_parties": True,
    "current_processor": "adyen",
    "saved_cards_count": 2_000_000,
    "erp": "netsuite",
    "crm": "salesforce",
    "data_warehouse": "snowflake",
    "go_live_months": 6,
}


def note(app: Flask, discovery_id: int, section: str, text: str, user: Any, include: bool) -> None:
    from sqlalchemy import select

    from recommender.models import SectionNote

    with app.app_context():
        version = db.session.scalar(
            select(SectionNote.version).where(
                SectionNote.discovery_id == discovery_id, SectionNote.section_id == section
            )
        )
        discoveries.save_note(discovery_id, section, text, version or 0, user, include=include)


def test_a_snapshot_stores_its_readout(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery(MARKETPLACE, name="Maison Pop")
    with app.app_context():
        snapshot_id = reports.create_snapshot(discovery_id, sa_user).id
    with app.app_context():
        snap = db.session.get(ReportSnapshot, snapshot_id)
        assert snap is not None and snap.readout is not None
        readout = snap.readout
        assert set(KEYS) <= set(readout)
        assert readout["meta"]["company"] == "Maison Pop SAS"
        assert readout["meta"]["report_date"] == datetime.now(UTC).date().isoformat()
        assert readout["meta"]["ruleset"] == {"name": "stripe", "version": snap.ruleset_version}
        assert readout["migration"]["processor"] == "adyen"
        assert {m["country"] for m in readout["markets"]} == {"FR", "DE", "NL"}
        labels = {n["label"] for n in readout["architecture"]["nodes"]}
        assert any("NetSuite" in label for label in labels)
        assert readout["appendix"]["trace"], "the stored readout keeps the trace (for the SA)"
        assert readout["notes"] == []
        # What the page shows is what was stored.
        assert reports.readout_page(snapshot_id).readout == readout


def test_only_notes_marked_for_the_readout_are_in_it(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    note(app, discovery_id, "company", "Adyen contract ends in Q3", sa_user, include=True)
    note(
        app,
        discovery_id,
        "channels",
        "Internal: they negotiate hard on price",
        sa_user,
        include=False,
    )
    with app.app_context():
        first = reports.create_snapshot(discovery_id, sa_user)
        assert [(n["section_id"], n["text"]) for n in first.readout["notes"]] == [
            ("company", "Adyen contract ends in Q3")
        ]
        assert first.readout["notes"][0]["section_title"]
        assert "negotiate hard" not in str(first.readout)
    # Unmarking the note takes it out of the next readout; the first one keeps it.
    note(app, discovery_id, "company", "Adyen contract ends in Q3", sa_user, include=False)
    with app.app_context():
        second = reports.create_snapshot(discovery_id, sa_user)
        assert second.readout["notes"] == []
        assert reports.readout_of(reports.get_snapshot(first.id))["notes"][0]["text"].startswith(
            "Adyen"
        )


def test_an_old_snapshot_gets_its_readout_built_on_the_fly(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web", "in_person"], "current_processor": "adyen"})
    note(app, discovery_id, "company", "Marked, but made after the snapshot", sa_user, include=True)
    made = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    with app.app_context():
        snapshot_id = reports.create_snapshot(discovery_id, sa_user).id
        with db.transaction() as session:
            session.execute(
                update(ReportSnapshot)
                .where(ReportSnapshot.id == snapshot_id)
                .values(readout=None, created_at=made)
            )
    with app.app_context():
        snap = reports.get_snapshot(snapshot_id)
        assert snap.readout is None
        readout = reports.readout_of(snap)
        assert set(KEYS) <= set(readout)
        assert readout["meta"]["report_date"] == "2025-11-03"  # the day it was made
        assert readout["roadmap"]["start_date"] == "2025-11-03"
        assert readout["notes"] == []  # no notes were chosen for it
        # Built from the snapshot's answers: Adyen with nothing to move is named in the
        # summary (a migration section needs saved cards or subscriptions to move).
        assert readout["migration"] is None and "Adyen" in readout["summary"]["solution"]
        assert reports.get_snapshot(snapshot_id).readout is None  # snapshots never change


def test_the_design_comes_from_the_snapshots_ruleset_version(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int], tmp_path: Path
) -> None:
    discovery_id = make_discovery({"channels": ["web"], "current_approval_rate_pct": 91})
    with app.app_context():
        before = reports.create_snapshot(discovery_id, sa_user)
    kpi_names = {k["name"] for k in before.readout["kpis"]}
    assert "Authorisation rate" in kpi_names

    # Publish a ruleset version whose design data renames a KPI.
    for name in ("stripe.yaml", "payment_methods.yaml", "markets.yaml"):
        (tmp_path / name).write_text((ROOT / "rules" / name).read_text("utf-8"), "utf-8")
    design = (ROOT / "rules" / "solution_design.yaml").read_text("utf-8")
    changed = design.replace("name: Authorisation rate\n", "name: Card approval rate\n", 1)
    assert changed != design
    (tmp_path / "solution_design.yaml").write_text(changed, "utf-8")
    with app.app_context():
        rulesets.import_directory(tmp_path)
    with app.app_context():
        after = reports.create_snapshot(discovery_id, sa_user)
        assert after.ruleset_version > before.ruleset_version
        names = {k["name"] for k in after.readout["kpis"]}
        assert "Card approval rate" in names and "Authorisation rate" not in names
        # The older snapshot keeps its own wording.
        old = reports.readout_of(reports.get_snapshot(before.id))
        assert "Authorisation rate" in {k["name"] for k in old["kpis"]}


def test_a_readout_page_knows_the_previous_readout(
    app: Flask, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    discovery_id = make_discovery({"channels": ["web"]})
    other = make_discovery({"channels": ["web"]})
    with app.app_context():
        first = reports.create_snapshot(discovery_id, sa_user).id
        reports.create_snapshot(other, sa_user)
        second = reports.create_snapshot(discovery_id, sa_user).id
        assert reports.readout_page(first).previous_id is None
        assert reports.readout_page(second).previous_id == first
        doc = reports.readout_document(reports.readout_page(second))
        assert doc["snapshot"]["id"] == second and doc["snapshot"]["answers"]
        for key in (
            "summary",
            "design",
            "architecture",
            "roadmap",
            "migration",
            "markets",
            "kpis",
            "risks",
            "notes",
        ):
            assert key in doc
