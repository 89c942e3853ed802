"""Background jobs with the in-process runner (no REDIS_URL): the impact preview and lint
of a draft in chunks give the synchronous result; progress, cancel, failure; chunking
covers every saved discovery and lead exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from recommender.services import authoring, jobs
from recommender.services.authoring import impact_preview, linting
from recommender.services.authoring.subjects import saved_subjects

from .conftest import edit_source

THRESHOLD = "annual_volume_usd >= 10_000_000"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update({"REDIS_URL": None, "JOB_CHUNK_SIZE": 2})
    return app_config


@pytest.fixture
def saved(
    demo: Any, make_discovery: Callable[..., int], make_lead: Callable[..., int]
) -> list[str]:
    """Seven discoveries and two leads (chunks of 2: four discovery chunks, one lead chunk)."""
    keys = []
    for volume in (1_000, 6_000_000, 7_000_000, 20_000_000, 9_000_000, 3, 12_000_000):
        keys.append(f"discovery:{make_discovery({'annual_volume_usd': volume}, f'Co {volume}')}")
    for volume in (6_500_000, 50):
        keys.append(f"lead:{make_lead({'annual_volume_usd': volume}, f'Lead {volume}')}")
    return keys


def _draft(app: Flask, author: Any) -> str:
    with app.app_context():
        source = authoring.get_or_create_draft("demo", author).source
    return edit_source(source, THRESHOLD, "annual_volume_usd >= 5_000_000")


def _run(app: Flask, kind: str, source: str, author: Any) -> dict[str, Any]:
    with app.test_request_context():
        job_id = jobs.enqueue(kind, {"name": "demo", "source": source, "data_files": {}}, author)
    jobs.wait_inline(app)
    with app.app_context():
        return jobs.status(job_id)


def test_chunks_cover_every_discovery_and_lead_exactly_once(app: Flask, saved: list[str]) -> None:
    with app.app_context():
        chunks, total = jobs.plan()
        seen = [s.key for chunk in chunks for s in saved_subjects(chunk)]
        everything = [s.key for s in saved_subjects()]
    assert total == len(saved) == 9
    assert [c[0] for c in chunks] == ["discovery"] * 4 + ["lead"]
    assert seen == everything and sorted(seen) == sorted(saved)
    assert len(seen) == len(set(seen))


def test_impact_job_result_equals_the_synchronous_preview(
    app: Flask, saved: list[str], author: Any
) -> None:
    source = _draft(app, author)
    info = _run(app, "impact", source, author)
    assert info["state"] == "finished", info
    assert (info["done"], info["total"], info["progress"]) == (9, 9, 1.0)
    with app.app_context():
        direct = authoring.impact("demo", source)
    stored = impact_preview.Impact.from_stored(info["result"])
    assert stored.items  # the lowered bar changes some segments
    assert {**stored.stored(), "seconds": 0} == {**direct.stored(), "seconds": 0}


def test_lint_job_result_equals_the_synchronous_lint(
    app: Flask, saved: list[str], author: Any
) -> None:
    source = _draft(app, author)
    info = _run(app, "lint", source, author)
    assert info["state"] == "finished", info
    with app.app_context():
        direct = authoring.lint("demo", source)
    assert info["result"]["findings"] == [f.__dict__ for f in direct]
    assert info["result"]["subjects"] == 9
    assert any(f.kind == "never_fired" for f in direct)


def test_firing_of_chunks_merges_to_the_firing_of_all(app: Flask, saved: list[str], author: Any) -> None:
    source = _draft(app, author)
    with app.app_context():
        whole = linting.firing("demo", source, saved_subjects())
        merged = linting.Firing()
        for chunk in jobs.plan()[0]:
            merged.merge(linting.Firing.from_stored(
                linting.firing("demo", source, saved_subjects(chunk)).stored()
            ))
    assert merged == whole


def test_progress_and_cancel(
    app: Flask, saved: list[str], author: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job in its second chunk reports its progress; cancelled, it stops after that chunk
    and never starts the next."""
    in_chunk = threading.Event()
    release = threading.Event()
    calls: list[Any] = []
    real = jobs.run_chunk

    def slow(kind: str, params: dict[str, Any], chunk: Any) -> Any:
        calls.append(chunk)
        if len(calls) == 2:
            in_chunk.set()
            assert release.wait(30)
        return real(kind, params, chunk)

    monkeypatch.setattr(jobs, "run_chunk", slow)
    with app.test_request_context():
        job_id = jobs.enqueue("impact", {"name": "demo", "source": _draft(app, author)}, author)
    assert in_chunk.wait(30)
    with app.app_context():
        info = jobs.status(job_id)
        assert info["state"] == "running"
        assert (info["done"], info["total"]) == (2, 9)
        assert 0 < info["progress"] < 1 and info["eta_seconds"] is not None
        cancelled = jobs.cancel(job_id, author)
    release.set()
    jobs.wait_inline(app)
    assert cancelled["state"] == "cancelled"
    with app.app_context():
        info = jobs.status(job_id)
    assert info["state"] == "cancelled" and "result" not in info
    assert len(calls) == 2  # the chunk after the cancel never started


def test_a_failing_chunk_fails_the_job_with_its_message(
    app: Flask, saved: list[str], author: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs.run_chunk

    def broken(kind: str, params: dict[str, Any], chunk: Any) -> Any:
        if chunk[0] == "lead":
            raise RuntimeError("the lead table is on fire")
        return real(kind, params, chunk)

    monkeypatch.setattr(jobs, "run_chunk", broken)
    info = _run(app, "impact", _draft(app, author), author)
    assert info["state"] == "failed"
    assert info["error"] == "the lead table is on fire"
    assert "result" not in info


def test_a_draft_that_does_not_check_fails_with_the_problem(
    app: Flask, saved: list[str], author: Any
) -> None:
    info = _run(app, "lint", "rules: [oops", author)
    assert info["state"] == "failed" and info["error"]


def test_cancel_needs_the_author_or_an_admin(
    app: Flask, saved: list[str], author: Any, make_user: Callable[..., Any]
) -> None:
    from recommender.errors import Forbidden

    other, admin = make_user("author"), make_user("admin")
    with app.test_request_context():
        job_id = jobs.enqueue("impact", {"name": "demo", "source": _draft(app, author)}, author)
        with pytest.raises(Forbidden):
            jobs.cancel(job_id, other)
        jobs.cancel(job_id, admin)  # whatever state it reached by now, an admin may
    jobs.wait_inline(app)


def test_unknown_job_and_kind(app: Flask, author: Any) -> None:
    from recommender.errors import InvalidInput, NotFound

    with app.app_context():
        with pytest.raises(NotFound):
            jobs.status("0" * 32)
        with pytest.raises(InvalidInput):
            jobs.enqueue("format-disk", {"name": "demo", "source": ""}, author)


def test_an_unreachable_queue_fails_the_job_with_a_message(
    app: Flask, saved: list[str], author: Any
) -> None:
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with app.test_request_context():
        job_id = jobs.enqueue("impact", {"name": "demo", "source": ""}, author)
        info = jobs.status(job_id)
    assert info["state"] == "failed" and "cannot be reached" in info["error"]


def test_the_estimate_counts_down_between_chunks(app: Flask) -> None:
    from datetime import timedelta

    from recommender.models import Job
    from recommender.models.base import utcnow

    now = utcnow()
    job = Job(id="e" * 32, kind="impact", ruleset="demo", backend="inline", state="running",
              params={}, total=10_000, done=2_000, chunks=5, chunks_done=1, error="",
              started_at=now - timedelta(seconds=20), heartbeat_at=now - timedelta(seconds=5))
    info = jobs.describe(job)
    # 15 s for the first 2,000: 60 s for the other 8,000, 5 of them gone since.
    assert info["eta_seconds"] == pytest.approx(55, abs=1)
    assert jobs.progress_text(info) == "2,000 of 10,000 discoveries and leads · about 55 s left"
    # Ten seconds later, no chunk finished meanwhile: ten seconds less.
    job.started_at, job.heartbeat_at = now - timedelta(seconds=30), now - timedelta(seconds=15)
    assert jobs.describe(job)["eta_seconds"] == pytest.approx(45, abs=1)
