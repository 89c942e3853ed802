"""Impact preview through the job queue: N saved discoveries, one then two RQ workers.

    .venv/bin/python -m bench.impact_queue [--discoveries 100000] [--workers 1,2]
        [--chunk 2000] [--redis redis://127.0.0.1:6379/14] [--cache /tmp] [--seed 1]

Builds a throw-away SQLite database (migrations, forms/, rules/), stores N discoveries with
random valid answers (as bench/impact.py), drafts the same threshold change, then for each
worker count starts that many `recommender worker` processes on a queue of its own,
enqueues the impact preview as a background job (services/jobs.py) and polls its status
until it finishes. Prints the wall time from enqueue to the stored result and each
worker's peak resident memory (VmHWM). Every run starts fresh workers (each loads and
compiles the rulesets itself). The queue's Redis keys are deleted afterwards. Not a test.

Populating 100,000 discoveries takes minutes, so the populated database is kept under
`--cache` (`impact-queue-<N>-<seed>-<digest>.db`, the digest of forms/) and copied for
each run (migrated to the current head, rules/ imported into the copy: a new version when
it changed); `--cache ''` populates afresh.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench.impact import random_value  # noqa: E402
from bench.load import cpu_seconds  # noqa: E402
from recommender import create_app  # noqa: E402
from recommender.db import upgrade  # noqa: E402
from recommender.extensions import db  # noqa: E402
from recommender.models import Account, Answer, Discovery, User  # noqa: E402

BATCH = 5000


def populate(n: int, seed: int = 1) -> int:
    """N discoveries with random answers, stored in batches (bounded memory); returns the
    author's user id."""
    from recommender.services import questionnaires

    rng = random.Random(seed)
    row = questionnaires.latest("sa_discovery")
    assert row is not None
    q = questionnaires.questionnaire_for(row)
    session = db.session
    owner = User(email="bench@example.com", password_hash="x", role="author")
    session.add(owner)
    session.flush()
    answers_total = 0
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        last = session.scalar(select(Discovery.id).order_by(Discovery.id.desc()).limit(1)) or 0
        last_account = session.scalar(select(Account.id).order_by(Account.id.desc()).limit(1)) or 0
        session.execute(
            insert(Account),
            [{"name": f"Account {start + i}", "created_by_id": owner.id} for i in range(size)],
        )
        session.execute(
            insert(Discovery),
            [
                {"account_id": last_account + 1 + i, "questionnaire_version_id": row.id, "owner_id": owner.id}
                for i in range(size)
            ],
        )
        answers = []
        for did in range(last + 1, last + 1 + size):
            for qid, question in q.questions.items():
                if question.type in ("text", "long_text", "email") or rng.random() < 0.15:
                    continue
                answers.append({"discovery_id": did, "question_id": qid, "value": random_value(question, rng)})
        session.execute(insert(Answer), answers)
        session.commit()
        answers_total += len(answers)
    print(f"stored {n} discoveries, {answers_total} answers")
    return owner.id


def cache_path(directory: str, n: int, seed: int) -> Path | None:
    """Where the populated database for (N, seed) and the current forms is kept (None: no
    cache)."""
    if not directory:
        return None
    digest = hashlib.sha256()
    # What the rows are made from: the questionnaire and this bench's generator.
    sources = [*(ROOT / "forms").rglob("*"), ROOT / "bench" / "impact.py", Path(__file__)]
    for path in sorted(sources):
        if path.is_file() and path.suffix in (".yaml", ".json", ".py"):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return Path(directory) / f"impact-queue-{n}-{seed}-{digest.hexdigest()[:12]}.db"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_workers(k: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for i in range(k):
        with (logs / f"worker-{k}-{i}.log").open("ab") as log:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-c", "from recommender.cli import main; main()", "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return workers


def wait_registered(app: Any, k: int, timeout: float = 60) -> None:
    from rq import Worker

    from recommender.services import jobs

    deadline = time.monotonic() + timeout
    with app.app_context():
        while len(Worker.all(queue=jobs.rq_queue())) < k:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
            time.sleep(0.2)


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(20)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def clean_redis(app: Any) -> None:
    from recommender.services import jobs

    with app.app_context():
        r = jobs._redis()
        for pattern in (f"{app.config['JOBS_REDIS_PREFIX']}*", f"*{app.config['JOBS_QUEUE']}*"):
            keys = list(r.scan_iter(match=pattern, count=1000))
            if keys:
                r.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--discoveries", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2 ('' populates the cache only)")
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", default="/tmp", help="directory for the populated database ('' for none)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    import redis

    try:
        redis.Redis.from_url(args.redis, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        print(f"skipped: no Redis at {args.redis} ({exc})")
        return
    run = uuid.uuid4().hex[:8]
    names = {"JOBS_QUEUE": f"bench-{run}", "JOBS_REDIS_PREFIX": f"bench-{run}:"}
    with tempfile.TemporaryDirectory(prefix="impact-queue-bench-") as tmp:
        db_path = Path(tmp) / "bench.db"
        url = f"sqlite:///{db_path}"
        cached = cache_path(args.cache, args.discoveries, args.seed)
        if cached is not None and cached.exists():
            shutil.copyfile(cached, db_path)
            print(f"database copied from {cached}")
        upgrade(url)
        config = {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": args.redis,
            "JOB_CHUNK_SIZE": args.chunk,
            **names,
        }
        app = create_app(config)
        env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": args.redis,
            "JOB_CHUNK_SIZE": str(args.chunk),
            **names,
        }
        with app.app_context():
            from recommender.services import authoring, questionnaires, rulesets

            questionnaires.load_directory()
            rulesets.import_directory()
            if cached is None or not cached.exists():
                started = time.perf_counter()
                owner_id = populate(args.discoveries, args.seed)
                print(f"populated in {time.perf_counter() - started:.1f} s")
                if cached is not None:
                    db.session.commit()
                    db.engine.dispose()
                    shutil.copyfile(db_path, cached.with_suffix(".part"))
                    cached.with_suffix(".part").rename(cached)
            else:
                owner_id = db.session.scalar(select(User.id).where(User.email == "bench@example.com"))
            active = authoring.active_version("stripe")
            source, files = active.source, dict(active.data_files or {})
            # The enterprise bar (parameter enterprise_volume) from 50M down to 20M.
            old = "  - id: enterprise_volume\n    label: Enterprise payment volume\n    type: money\n    unit: USD per year\n    value: 50_000_000\n"
            assert old in source, "the benchmark's threshold moved; update bench/impact_queue.py"
            draft = source.replace(old, old.replace("50_000_000", "20_000_000"), 1)
            owner = db.session.get(User, owner_id)
        try:
            for k in [int(x) for x in args.workers.split(",") if x]:
                workers = start_workers(k, env, Path(tmp))
                try:
                    wait_registered(app, k)
                    with app.test_request_context():
                        from recommender.services import jobs

                        idle = {w.pid: cpu_seconds([w.pid]) for w in workers}
                        began = time.perf_counter()
                        job_id = jobs.enqueue("impact", {"name": "stripe", "source": draft, "data_files": files}, owner)
                        info = jobs.when_done(job_id, timeout=3600)
                        wall = time.perf_counter() - began
                    rss = ", ".join(f"{peak_rss_mb(w.pid):.0f} MB" for w in workers)
                    cpu = ", ".join(f"{cpu_seconds([w.pid]) - idle[w.pid]:.1f} s" for w in workers)
                    result = info.get("result") or {}
                    changed = result.get("rows_total", len(result.get("items", [])))
                    if info["state"] != "finished":
                        print(f"{k} workers: the job ended {info['state']}: {info['error']}")
                    print(
                        f"{k} worker{'s' if k > 1 else ''}: {info['state']} in {wall:.1f} s wall, "
                        f"{info['done']} evaluated in {info['total'] and -(-info['total'] // args.chunk)} chunks, "
                        f"{changed} would change, {len(result.get('errors', []))} errors; peak RSS per worker: {rss}; "
                        f"CPU per worker during the job: {cpu}; load average {os.getloadavg()[0]:.1f}"
                    )
                finally:
                    stop(workers)
        finally:
            clean_redis(app)
            with app.app_context():
                if db.engine is not None:
                    db.engine.dispose()


if __name__ == "__main__":
    main()
