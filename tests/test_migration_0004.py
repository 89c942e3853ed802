"""Migration 0004 (answer history and presence) over a database that already has data, and
back down. SQLite here (batch mode rebuilds the table); the PostgreSQL run of the suite applies
every migration to its own database through the `database_url` fixture."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from recommender.db import alembic_config
from recommender.extensions import make_engine


def test_0004_adds_the_revision_and_presence_and_keeps_existing_audit_entries(
    tmp_path: Path,
) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0003")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (at, action, target_type, target_id, summary, diff) "
                "VALUES ('2026-01-01 10:00:00', 'answer.cleared', 'discovery', '7', 'channels', '')"
            )
        )
    command.upgrade(cfg, "0004")
    inspector = sa.inspect(engine)
    assert "revision" in {c["name"] for c in inspector.get_columns("audit_log")}
    assert "ix_audit_log_target" in {i["name"] for i in inspector.get_indexes("audit_log")}
    assert {c["name"] for c in inspector.get_columns("presence")} == {
        "id",
        "discovery_id",
        "user_id",
        "section_id",
        "seen_at",
    }
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT summary, revision FROM audit_log")).all()
    assert [tuple(r) for r in rows] == [("channels", None)]

    command.downgrade(cfg, "0003")
    inspector = sa.inspect(engine)
    assert "presence" not in inspector.get_table_names()
    assert "revision" not in {c["name"] for c in inspector.get_columns("audit_log")}
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM audit_log")) == 1
    command.upgrade(cfg, "head")
    engine.dispose()
