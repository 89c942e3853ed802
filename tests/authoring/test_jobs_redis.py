"""Background jobs on RQ with the real Redis (REDIS_URL, or TEST_REDIS_URL; default
redis://127.0.0.1:6379/15): `recommender worker` processes take the chunks; a worker
killed with SIGKILL in the middle of a chunk leaves no process behind, its chunk is run
again by another worker and the job finishes with the synchronous result.

Each test uses its own RQ queue and key prefix, deleted afterwards. Skipped (with the
reason) only when no Redis answers.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from recommender.services import authoring, jobs
from recommender.services.authoring import impact_preview

from .conftest import DATA, edit_source

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); the RQ runner is not tested")
    return client


@pytest.fixture
def names() -> dict[str, str]:
    run = uuid.uuid4().hex[:10]
    return {"JOBS_QUEUE": f"test-jobs-{run}", "JOBS_REDIS_PREFIX": f"test-jobs-{run}:"}


@pytest.fixture
def redis_client(names: dict[str, str]) -> Iterator[Any]:
    client = _redis_or_skip()
    yield client
    from rq import Queue
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    q = Queue(names["JOBS_QUEUE"], connection=client)
    ids = set(q.get_job_ids())
    for registry in (StartedJobRegistry, FinishedJobRegistry, FailedJobRegistry):
        ids |= set(registry(queue=q).get_job_ids())
    for job_id in ids:
        client.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    for pattern in (f"{names['JOBS_REDIS_PREFIX']}*", f"*{names['JOBS_QUEUE']}*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture
def app_config(app_config: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    app_config.update(
        {"REDIS_URL": REDIS_URL, "JOB_CHUNK_SIZE": 1500, "JOB_LEASE_SECONDS": 2.0, **names}
    )
    return app_config


@pytest.fixture
def worker(app: Flask, names: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """start() -> a `recommender worker` subprocess on this test's queue (stopped after)."""
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_ENABLED": "0",
        "LOGIN_THROTTLE_STORAGE_URI": "memory://",
        "RECOMMENDER_FORMS_DIR": str(DATA / "forms"),
        "RECOMMENDER_RULES_DIR": str(DATA / "rules"),
        "JOB_CHUNK_SIZE": "1500",
        "JOB_LEASE_SECONDS": "2",
        "JOB_ASK_NEXT_ROWS": "0",  # no ask-next lists here nor in the direct preview below
        **names,
    }

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / f"worker-{len(started)}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", "from recommender.cli import main; main()", "worker"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _store_discoveries(app: Flask, questionnaire_row: Any, author: Any, n: int) -> None:
    from recommender.extensions import db
    from recommender.models import Account, Answer, Discovery

    rng = random.Random(12)
    with app.app_context(), db.transaction() as session:
        session.execute(insert(Account), [{"name": f"Co {i}", "created_by_id": author.id} for i in range(n)])
        account_ids = list(session.scalars(select(Account.id).order_by(Account.id)))
        session.execute(
            insert(Discovery),
            [
                {"account_id": a, "questionnaire_version_id": questionnaire_row.id, "owner_id": author.id}
                for a in account_ids
            ],
        )
        ids = list(session.scalars(select(Discovery.id).order_by(Discovery.id)))
        volumes = [1_000, 3_000_000, 6_000_000, 8_000_000, 20_000_000]
        session.execute(
            insert(Answer),
            [{"discovery_id": d, "question_id": "annual_volume_usd", "value": rng.choice(volumes)} for d in ids],
        )


def _draft(app: Flask, author: Any) -> str:
    with app.app_context():
        source = authoring.get_or_create_draft("demo", author).source
    return edit_source(source, "annual_volume_usd >= 10_000_000", "annual_volume_usd >= 5_000_000")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def test_two_workers_share_a_job_and_one_killed_mid_chunk_is_retried(
    app: Flask,
    demo: Any,
    author: Any,
    questionnaire_row: Any,
    redis_client: Any,
    worker: Any,
    names: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    _store_discoveries(app, questionnaire_row, author, 12_000)  # 8 chunks
    source = _draft(app, author)
    first = worker()
    with app.test_request_context():
        job_id = jobs.enqueue("impact", {"name": "demo", "source": source, "data_files": {}}, author)
    prefix = f"{names['JOBS_REDIS_PREFIX']}{job_id}:"
    # Wait until the worker holds a chunk's lease, then kill it in the middle of that chunk.
    deadline = time.monotonic() + 60
    held: list[bytes] = []
    while not held and time.monotonic() < deadline:
        held = list(redis_client.scan_iter(match=f"{prefix}lease:*"))
        if not held:
            time.sleep(0.005)
    assert held, "the worker never started a chunk"
    index = int(held[0].rsplit(b":", 1)[1])
    assert _children(first.pid) == []  # the chunk runs in the worker itself: nothing to orphan
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    assert not redis_client.sismember(f"{prefix}done", index)  # killed before it finished
    worker()
    worker()  # two workers share what is left
    with app.app_context():
        info = jobs.when_done(job_id, timeout=120)
    assert info["state"] == "finished", info
    assert (info["done"], info["total"]) == (12_000, 12_000)
    app.config["IMPACT_ASK_NEXT_ROWS"] = 0
    with app.app_context():
        direct = authoring.impact("demo", source)
    stored = impact_preview.Impact.from_stored(info["result"])
    assert len(stored.items) > 1000
    assert {**stored.stored(), "seconds": 0} == {**direct.stored(), "seconds": 0}
    assert list(redis_client.scan_iter(match=f"{prefix}*")) == []  # chunk results cleaned up
    # Only the killed worker's chunk ran twice (a healthy chunk is never taken for lost).
    lost = [r.getMessage() for r in caplog.records if "lost its worker" in r.getMessage()]
    for log in tmp_path.glob("worker-*.log"):
        lost += [line for line in log.read_text().splitlines() if "lost its worker" in line]
    assert len(lost) == 1 and f"chunk {index} lost" in lost[0], lost


def test_lint_on_rq_and_cancel(
    app: Flask, demo: Any, author: Any, questionnaire_row: Any, redis_client: Any, worker: Any
) -> None:
    _store_discoveries(app, questionnaire_row, author, 3_000)
    source = _draft(app, author)
    with app.test_request_context():
        cancelled = jobs.enqueue("impact", {"name": "demo", "source": source}, author)
        jobs.cancel(cancelled, author)  # before any worker runs: none of it runs
        job_id = jobs.enqueue("lint", {"name": "demo", "source": source}, author)
    worker()
    with app.app_context():
        info = jobs.when_done(job_id, timeout=120)
        direct = authoring.lint("demo", source)
        gone = jobs.status(cancelled)
    assert info["state"] == "finished", info
    assert info["result"]["findings"] == [f.__dict__ for f in direct]
    assert gone["state"] == "cancelled" and gone["done"] == 0
