"""Two authors publishing at the same moment get two whole versions, never a half-written one.

Runs on the configured backend (SQLite file by default; PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from recommender.extensions import db
from recommender.models import AuditEntry, Ruleset, RulesetVersion
from recommender.services import authoring


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_publishes_yield_consecutive_whole_versions(
    app: Flask, demo: Any, make_user: Callable[..., Any], round_: int
) -> None:
    authors = [make_user("author"), make_user("author")]
    # One app context per thread: its own session and database connection.
    apps = [app for _ in authors]
    sources = {}
    for i, (author, own_app) in enumerate(zip(authors, apps, strict=True)):
        with own_app.app_context():
            draft = authoring.get_or_create_draft("demo", author)
            marker = f"# edited by author {i} in round {round_}\n"
            sources[author.id] = marker
            authoring.save_draft("demo", author, source=draft.source + marker)

    barrier = threading.Barrier(len(authors))
    results: dict[int, Any] = {}

    def publish(author: Any, own_app: Flask) -> None:
        with own_app.app_context():
            barrier.wait()
            try:
                results[author.id] = authoring.publish("demo", author).version
            except Exception as exc:  # surfaced by the assertion below
                results[author.id] = exc

    threads = [threading.Thread(target=publish, args=pair) for pair in zip(authors, apps, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(results.values()) == [2, 3], results
    with app.app_context():
        session = db.session
        rows = {r.version: r for r in session.scalars(select(RulesetVersion).where(RulesetVersion.status == "published"))}
        assert sorted(rows) == [1, 2, 3]
        for author in authors:
            row = rows[results[author.id]]
            assert row.published_by_id == author.id
            assert row.source.endswith(sources[author.id])  # its own full source
            assert f"\nversion: {row.version}\n" in row.source
            assert row.checksum == authoring.checksum(row.source)
            assert len(row.source) > len(rows[1].source)
        ruleset = session.scalar(select(Ruleset).where(Ruleset.name == "demo"))
        assert ruleset.active_version_id == rows[3].id  # the later one is active
        drafts = session.scalars(select(RulesetVersion).where(RulesetVersion.status == "draft")).all()
        assert drafts == []
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [a.summary.split(" (")[0] for a in audit] == [
            "published version 1", "published version 2", "published version 3",
        ]
        # Each audit diff is against the version that was active just before it.
        assert "previous: 2" in audit[2].summary and "previous: 1" in audit[1].summary
