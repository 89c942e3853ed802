"""Background jobs: the impact preview and lint of a draft, off the web request.

`enqueue(kind, params, user)` records a job in the `jobs` table and hands it to a runner;
`status(job_id)` reads its state and progress from the table (so every web worker sees
every job); `cancel(job_id, user)` asks it to stop. A job splits the saved discoveries and
leads into chunks of `JOB_CHUNK_SIZE` (consecutive id ranges); each chunk calls the
synchronous service (`impact_preview.impact` or `linting.firing`) on its share with one
process, and the chunk results are merged into the stored result (kept
`JOB_RESULT_HOURS`).

Two runners, one interface:

- **RQ on Redis** (`REDIS_URL` set; production): a `plan` task lists the chunks and
  enqueues one RQ task per chunk; any number of `recommender worker` processes on any
  number of machines take them. Chunk results wait in Redis (`JOBS_REDIS_PREFIX`) until
  the last chunk merges them. A running chunk holds a lease (a Redis key renewed every few
  seconds); a chunk whose worker died (its lease expired) is enqueued again by whoever
  looks first: a worker's reaper thread or the next status poll. Workers are
  `SimpleWorker`s (the task runs in the worker process, no work horse), so killing a
  worker leaves no process behind.
- **In-process** (no `REDIS_URL`; `make run`): a background thread of the web process
  runs one job at a time, chunk after chunk. A chunk that raises fails the job. A job
  whose process stopped (no heartbeat for `JOB_STALE_SECONDS`) is reported failed.

A cancelled job stops after its current chunk.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, select, update

from recommender.errors import Forbidden, InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import Discovery, Job, Lead
from recommender.models.base import utcnow

log = logging.getLogger(__name__)

KINDS = ("impact", "lint")
STATES = ("queued", "running", "finished", "failed", "cancelled")
ACTIVE = ("queued", "running")
DEFAULT_CHUNK_SIZE = 2000
JOB_ASK_NEXT_ROWS = 10  # per chunk of an impact preview (see run_chunk)
MAX_ATTEMPTS = 3  # a chunk whose worker died this many times fails the job
Chunk = tuple[str, int, int]  # (kind, first id, last id)


# --------------------------------------------------------------------------- settings


def _config(key: str, default: Any) -> Any:
    return current_app.config.get(key, default)


def chunk_size() -> int:
    return max(1, int(_config("JOB_CHUNK_SIZE", DEFAULT_CHUNK_SIZE)))


def lease_seconds() -> float:
    """A running RQ chunk's lease (renewed every third of it)."""
    return max(1.0, float(_config("JOB_LEASE_SECONDS", 15)))


def uses_redis() -> bool:
    return bool(_config("REDIS_URL", None))


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(current_app.config["REDIS_URL"])


def _prefix() -> str:
    return str(_config("JOBS_REDIS_PREFIX", "recommender:jobs:"))


def queue_name() -> str:
    return str(_config("JOBS_QUEUE", "recommender"))


def rq_queue() -> Any:
    from rq import Queue

    return Queue(queue_name(), connection=_redis())


# --------------------------------------------------------------------------- public interface


def enqueue(kind: str, params: dict[str, Any], user: Any) -> str:
    """Record a job and hand it to the runner; returns its id at once (never waits)."""
    if kind not in KINDS:
        raise InvalidInput(f"There is no job kind '{kind}'.")
    purge_expired()
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        ruleset=str(params["name"]),
        user_id=getattr(user, "id", None),
        backend="rq" if uses_redis() else "inline",
        state="queued",
        params=params,
        total=0,
        done=0,
        chunks=0,
        chunks_done=0,
        error="",
    )
    session = db.session
    session.add(job)
    session.commit()
    if job.backend == "rq":
        try:
            rq_queue().enqueue_call(
                "recommender.services.jobs.rq_plan",
                args=(job.id,),
                timeout=600,
                result_ttl=60,
                failure_ttl=24 * 3600,
            )
        except Exception as exc:  # Redis away: the job's page says so (no 5xx)
            log.error("job %s: cannot reach the queue: %s", job.id, exc)
            _finish(job.id, "failed", error="The job queue (Redis) cannot be reached; try again later.")
    else:
        _inline_runner(current_app._get_current_object()).submit(job.id)  # type: ignore[attr-defined]
    return job.id


def get(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if len(job_id) <= 32 else None
    if job is None:
        raise NotFound("There is no such job (finished jobs are kept for a day).")
    return job


def status(job_id: str) -> dict[str, Any]:
    """{state, progress 0..1, done, total, eta_seconds, error, result?} of a job."""
    job = get(job_id)
    if job.state in ACTIVE:
        if job.backend == "rq" and uses_redis():
            try:
                reap(job.id)
            except Exception as exc:  # Redis away for a moment: show the last known state
                log.warning("job %s: cannot look for lost chunks: %s", job.id, exc)
        elif job.backend == "inline":
            _fail_if_stale(job)
        db.session.refresh(job)
    return describe(job)


def describe(job: Job) -> dict[str, Any]:
    progress = job.done / job.total if job.total else (1.0 if job.state == "finished" else 0.0)
    eta: float | None = None
    if job.state == "running" and job.started_at is not None and 0 < job.done < job.total:
        # The rate up to the last finished chunk, less the time since (progress moves by
        # chunks, so the estimate counts down between them instead of growing).
        last = job.heartbeat_at or utcnow()
        rate = max(0.0, (last - job.started_at).total_seconds()) / job.done
        since = max(0.0, (utcnow() - last).total_seconds())
        eta = max(1.0, rate * (job.total - job.done) - since)
    out: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind,
        "ruleset": job.ruleset,
        "state": job.state,
        "progress": round(progress, 4),
        "done": job.done,
        "total": job.total,
        "eta_seconds": None if eta is None else round(eta, 1),
        "error": job.error or None,
    }
    if job.state == "finished":
        out["result"] = job.result
    return out


def progress_text(info: dict[str, Any]) -> str:
    """"12,000 of 100,000 discoveries and leads · about 40 s left" (or what the job is at)."""
    state = info["state"]
    if state == "queued":
        return "Waiting for a worker …"
    if state == "running" and not info["total"]:
        return "Listing the saved discoveries and leads …"
    text = f"{info['done']:,} of {info['total']:,} discoveries and leads"
    if state == "running":
        eta = info.get("eta_seconds")
        if eta is None:
            text += " · estimating the time left"
        elif eta < 60:
            text += f" · about {max(1, round(eta))} s left"
        else:
            text += f" · about {round(eta / 60)} min left"
    elif state == "finished":
        text += " · done"
    elif state == "cancelled":
        text += " · cancelled"
    elif state == "failed":
        text += " · failed"
    return text


def can_cancel(job: Job, user: Any) -> bool:
    return job.state in ACTIVE and (user.has_role("admin") or job.user_id == user.id)


def started_by(job: Job) -> str:
    from recommender.models import User

    user = db.session.get(User, job.user_id) if job.user_id else None
    return user.name if user is not None else "a former user"


def recent(ruleset: str, kind: str, limit: int = 5) -> list[Job]:
    """The latest jobs of this kind for a ruleset (any author's: they are not secret)."""
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.ruleset == ruleset, Job.kind == kind)
            .order_by(Job.created_at.desc())
            .limit(limit)
        )
    )


def saved_count() -> int:
    """Saved discoveries and leads (what a preview or lint evaluates)."""
    session = db.session
    return int(session.scalar(select(func.count(Discovery.id))) or 0) + int(
        session.scalar(select(func.count(Lead.id))) or 0
    )


def cancel(job_id: str, user: Any) -> dict[str, Any]:
    """Stop a queued or running job (its author's user or an admin); the running chunk
    finishes, nothing after it starts."""
    job = get(job_id)
    if not (user.has_role("admin") or job.user_id == user.id):
        raise Forbidden("Only the author who started this job, or an admin, can cancel it.")
    if job.state in ACTIVE:
        _finish(job.id, "cancelled", error="Cancelled by " + str(getattr(user, "name", "a user")))
        if job.backend == "rq" and uses_redis():
            _drop_redis_keys(job.id)
    db.session.refresh(job)
    return describe(job)


def queue_health() -> dict[str, Any]:
    """Counts of jobs by state, the jobs queued or running, the last failures."""
    session = db.session
    counts = dict.fromkeys(STATES, 0)
    for state, n in session.execute(select(Job.state, func.count()).group_by(Job.state)):
        counts[state] = int(n)
    active = list(
        session.scalars(select(Job).where(Job.state.in_(ACTIVE)).order_by(Job.created_at))
    )
    failed = list(
        session.scalars(
            select(Job).where(Job.state == "failed").order_by(Job.finished_at.desc()).limit(20)
        )
    )
    workers: int | None = None
    waiting: int | None = None
    if uses_redis():
        try:
            from rq import Worker

            q = rq_queue()
            waiting = q.count
            workers = len(Worker.all(queue=q))
        except Exception as exc:  # Redis down: say so on the page rather than fail it
            log.warning("queue health: %s", exc)
    return {
        "counts": counts,
        "active": active,
        "failed": failed,
        "backend": "rq" if uses_redis() else "inline",
        "workers": workers,
        "waiting_tasks": waiting,
    }


def purge_expired() -> None:
    """Drop finished, failed and cancelled jobs older than JOB_RESULT_HOURS."""
    hours = float(_config("JOB_RESULT_HOURS", 24))
    db.session.execute(
        delete(Job).where(
            Job.state.not_in(ACTIVE), Job.finished_at < utcnow() - timedelta(hours=hours)
        )
    )
    db.session.commit()


# --------------------------------------------------------------------------- the work


def plan() -> tuple[list[Chunk], int]:
    """The chunks of saved discoveries and leads (consecutive id ranges of at most
    `chunk_size()` each) and how many there are in all."""
    size = chunk_size()
    chunks: list[Chunk] = []
    total = 0
    for kind, column in (("discovery", Discovery.id), ("lead", Lead.id)):
        ids = list(db.session.scalars(select(column).order_by(column)))
        total += len(ids)
        for start in range(0, len(ids), size):
            part = ids[start : start + size]
            chunks.append((kind, part[0], part[-1]))
    return chunks, total


def run_chunk(kind: str, params: dict[str, Any], chunk: Chunk) -> tuple[int, dict[str, Any]]:
    """(subjects evaluated, the chunk's result as JSON) for one chunk."""
    from recommender.services.authoring import impact_preview, linting
    from recommender.services.authoring.subjects import saved_subjects

    # data_files None: the active version's (as the synchronous services read it)
    name, source, files = params["name"], params["source"], params.get("data_files")
    if kind == "impact":  # loads the chunk itself, visible answers only where it needs them
        # Ask-next lists (a full evaluation each) for at most JOB_ASK_NEXT_ROWS answer sets
        # per chunk, so a preview of many discoveries stays bounded.
        limit = int(
            _config("JOB_ASK_NEXT_ROWS", os.environ.get("JOB_ASK_NEXT_ROWS", JOB_ASK_NEXT_ROWS))
        )
        report = impact_preview.impact(
            name, source, None, files, processes=1, ask_next_limit=limit, only=chunk
        )
        return report.evaluated, report.stored()
    subjects = saved_subjects(chunk)
    return len(subjects), linting.firing(name, source, subjects, files).stored()


def merge(kind: str, params: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The job's result from its chunks' results (in chunk order)."""
    from recommender.services.authoring import impact_preview, linting

    if kind == "impact":
        if not parts:  # nothing saved: the synchronous preview over no subjects
            return impact_preview.impact(
                params["name"], params["source"], [], params.get("data_files"), processes=1
            ).stored()
        reports = [impact_preview.Impact.from_stored(p) for p in parts]
        versions = {r.active_version for r in reports}
        if len(versions) > 1:
            raise JobError(
                "A new version was published while the preview ran; run the preview again."
            )
        stored = impact_preview.merge_impacts(reports).stored()
        limit = int(_config("JOB_RESULT_MAX_ROWS", 5000))
        if len(stored["items"]) > limit:  # results stay bounded: the first rows, the count
            stored["rows_total"] = len(stored["items"])
            stored["items"] = stored["items"][:limit]
        return stored
    fired = linting.Firing()
    for part in parts:
        fired.merge(linting.Firing.from_stored(part))
    found = linting.findings(params["name"], params["source"], fired, params.get("data_files"))
    return {"findings": [f.__dict__ for f in found], "subjects": fired.subjects}


class JobError(Exception):
    """A job cannot finish (reported as its error)."""


def _set(job_id: str, **values: Any) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def _start(job_id: str, chunks: int, total: int) -> bool:
    """Mark a queued job running; False when it was cancelled meanwhile."""
    now = utcnow()
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="running", chunks=chunks, total=total, started_at=now, heartbeat_at=now)
    )
    db.session.commit()
    return bool(getattr(result, "rowcount", 0))


def _progress(job_id: str, subjects: int) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            done=Job.done + subjects, chunks_done=Job.chunks_done + 1, heartbeat_at=utcnow()
        )
    )
    db.session.commit()


def _finish(job_id: str, state: str, result: Any = None, error: str = "") -> bool:
    """Move an active job to a final state (False when it already left the active ones)."""
    values: dict[str, Any] = {"state": state, "finished_at": utcnow(), "error": error[:2000]}
    if result is not None:
        values["result"] = result
    changed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state.in_(ACTIVE)).values(**values)
    )
    db.session.commit()
    return bool(getattr(changed, "rowcount", 0))


def _state(job_id: str) -> str | None:
    state = db.session.scalar(select(Job.state).where(Job.id == job_id))
    db.session.commit()  # end the read transaction (SQLite: see other processes' writes)
    return state


def _error_text(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return str(message or exc) or type(exc).__name__


# --------------------------------------------------------------------------- in-process runner


class InlineRunner:
    """A daemon thread of this process running queued jobs one at a time."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="recommender-jobs", daemon=True)
        self.thread.start()

    def submit(self, job_id: str) -> None:
        self.jobs.put(job_id)

    def _loop(self) -> None:
        while True:
            job_id = self.jobs.get()
            try:
                with self.app.app_context():
                    run_inline(job_id)
            except Exception:  # never let the thread die; the job row says what happened
                log.exception("job %s", job_id)
            finally:
                self.jobs.task_done()


_RUNNERS: dict[int, InlineRunner] = {}
_RUNNERS_LOCK = threading.Lock()


def _inline_runner(app: Flask) -> InlineRunner:
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(id(app))
        if runner is None or runner.app is not app or not runner.thread.is_alive():
            runner = _RUNNERS[id(app)] = InlineRunner(app)
        return runner


def wait_inline(app: Flask, timeout: float = 60) -> None:
    """Block until this process's in-process runner is idle (tests and the CLI only)."""
    runner = _RUNNERS.get(id(app))
    if runner is None:
        return
    deadline = time.monotonic() + timeout
    while runner.jobs.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.02)


def run_inline(job_id: str) -> None:
    """Run a job here, chunk after chunk (the in-process runner's body)."""
    job = get(job_id)
    kind, params = job.kind, dict(job.params)
    try:
        chunks, total = plan()
        if not _start(job_id, len(chunks), total):
            return
        parts = []
        for chunk in chunks:
            if _state(job_id) != "running":
                return  # cancelled
            n, part = run_chunk(kind, params, chunk)
            parts.append(part)
            _progress(job_id, n)
        _finish(job_id, "finished", result=merge(kind, params, parts))
    except Exception as exc:
        db.session.rollback()
        log.info("job %s failed: %s", job_id, exc)
        _finish(job_id, "failed", error=_error_text(exc))


def _fail_if_stale(job: Job) -> None:
    seconds = float(_config("JOB_STALE_SECONDS", 120))
    seen = job.heartbeat_at or job.created_at
    if (utcnow() - seen).total_seconds() > seconds:
        _finish(job.id, "failed", error="The process running this job stopped; run it again.")


# --------------------------------------------------------------------------- RQ runner


def _key(job_id: str, part: str) -> str:
    return f"{_prefix()}{job_id}:{part}"


_APP: list[Flask] = []


def set_worker_app(app: Flask) -> None:
    """The app RQ tasks run in (`recommender worker` sets it)."""
    _APP[:] = [app]


@contextmanager
def _task_context() -> Iterator[None]:
    if not _APP:
        from recommender import create_app

        _APP.append(create_app())
    with _APP[0].app_context():
        yield


def rq_plan(job_id: str) -> None:
    """RQ task: list the chunks and enqueue one task per chunk."""
    with _task_context():
        job = db.session.get(Job, job_id)
        if job is None or job.state != "queued":
            return
        try:
            chunks, total = plan()
        except Exception as exc:
            _finish(job_id, "failed", error=_error_text(exc))
            return
        r = _redis()
        r.set(_key(job_id, "chunks"), json.dumps(chunks), ex=_redis_ttl())
        if not _start(job_id, len(chunks), total):
            return
        if not chunks:
            _merge_rq(job_id, job.kind, dict(job.params), 0)
            return
        q = rq_queue()
        for index in range(len(chunks)):
            _enqueue_chunk(q, job_id, index)


def _redis_ttl() -> int:
    return int(float(_config("JOB_RESULT_HOURS", 24)) * 3600)


def _enqueue_chunk(q: Any, job_id: str, index: int) -> None:
    q.enqueue_call(
        "recommender.services.jobs.rq_chunk",
        args=(job_id, index),
        timeout=3600,
        result_ttl=60,
        failure_ttl=24 * 3600,
    )


def rq_chunk(job_id: str, index: int) -> None:
    """RQ task: one chunk, under a lease; stores its result, counts it, and the last chunk
    merges the job's result."""
    with _task_context():
        r = _redis()
        if _state(job_id) != "running" or r.sismember(_key(job_id, "done"), index):
            return
        chunks = json.loads(r.get(_key(job_id, "chunks")) or "[]")
        if index >= len(chunks):
            return
        job = db.session.get(Job, job_id)
        assert job is not None
        kind, params = job.kind, dict(job.params)
        db.session.commit()
        lease = _key(job_id, f"lease:{index}")
        seconds = lease_seconds()
        r.set(lease, os.getpid(), px=int(seconds * 1000))
        r.sadd(_key(job_id, "started"), index)
        r.expire(_key(job_id, "started"), _redis_ttl())
        # The lease is held until the chunk is marked done, so no reaper sees it started,
        # not done and without a lease in between.
        with _renewing(r, lease, seconds):
            try:
                kind_, first, last = chunks[index]
                n, part = run_chunk(kind, params, (str(kind_), int(first), int(last)))
            except Exception as exc:
                db.session.rollback()
                _finish(job_id, "failed", error=f"chunk {index + 1}: {_error_text(exc)}")
                _drop_redis_keys(job_id)
                return
            if _state(job_id) != "running":
                return
            r.hset(_key(job_id, "results"), str(index), json.dumps(part))
            r.expire(_key(job_id, "results"), _redis_ttl())
            first_copy = r.sadd(_key(job_id, "done"), index)
            r.expire(_key(job_id, "done"), _redis_ttl())
        if not first_copy:
            return  # a retried copy of this chunk got here first
        _progress(job_id, n)
        if r.scard(_key(job_id, "done")) == len(chunks):
            _merge_rq(job_id, kind, params, len(chunks))


def _merge_rq(job_id: str, kind: str, params: dict[str, Any], count: int) -> None:
    r = _redis()
    if not r.set(_key(job_id, "merging"), 1, nx=True, ex=600):
        return
    try:
        raw = r.hgetall(_key(job_id, "results"))
        parts = [json.loads(raw[str(i).encode()]) for i in range(count)]
        _finish(job_id, "finished", result=merge(kind, params, parts))
    except Exception as exc:
        db.session.rollback()
        _finish(job_id, "failed", error=_error_text(exc))
    finally:
        _drop_redis_keys(job_id)


def _drop_redis_keys(job_id: str) -> None:
    r = _redis()
    keys = list(r.scan_iter(match=f"{_prefix()}{job_id}:*", count=500))
    if keys:
        r.delete(*keys)


@contextmanager
def _renewing(r: Any, lease: str, seconds: float) -> Iterator[None]:
    """Renew a lease every third of its `seconds` while the body runs."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(seconds / 3):
            with suppress(Exception):  # Redis hiccup: the next renewal may work
                r.pexpire(lease, int(seconds * 1000))

    thread = threading.Thread(target=renew, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        r.delete(lease)


def reap(job_id: str) -> int:
    """Enqueue again the chunks of a running RQ job whose worker died (started, not done,
    lease expired); a chunk that died MAX_ATTEMPTS times fails the job. Returns how many
    chunks were enqueued again."""
    r = _redis()
    started = {int(i) for i in r.smembers(_key(job_id, "started"))}
    done = {int(i) for i in r.smembers(_key(job_id, "done"))}
    again = 0
    for index in sorted(started - done):
        if r.exists(_key(job_id, f"lease:{index}")) or r.sismember(_key(job_id, "done"), index):
            continue  # alive, or finished since we looked
        # Only one reaper takes a dead chunk (several status polls may look at once).
        if not r.srem(_key(job_id, "started"), index):
            continue
        attempts = int(r.hincrby(_key(job_id, "attempts"), str(index), 1))
        r.expire(_key(job_id, "attempts"), _redis_ttl())
        if attempts >= MAX_ATTEMPTS:
            _finish(
                job_id,
                "failed",
                error=f"chunk {index + 1}: its worker stopped {attempts} times; see the worker logs.",
            )
            _drop_redis_keys(job_id)
            return again
        log.warning("job %s: chunk %s lost its worker; enqueued again", job_id, index)
        _enqueue_chunk(rq_queue(), job_id, index)
        again += 1
    return again


def reap_all() -> int:
    """`reap` every running RQ job (a worker's reaper thread)."""
    ids = list(db.session.scalars(select(Job.id).where(Job.state == "running", Job.backend == "rq")))
    db.session.commit()
    return sum(reap(job_id) for job_id in ids)


def run_worker(app: Flask, burst: bool = False) -> None:
    """An RQ worker on the jobs queue (blocks), with a reaper thread for dead chunks."""
    from rq import SimpleWorker

    set_worker_app(app)
    stop = threading.Event()
    with app.app_context():
        reap_every = lease_seconds() / 2

    def reaper() -> None:
        while not stop.wait(reap_every):
            try:
                with app.app_context():
                    reap_all()
            except Exception:  # Redis or the database away for a moment
                log.exception("reaper")

    thread = threading.Thread(target=reaper, name="recommender-reaper", daemon=True)
    thread.start()
    try:
        with app.app_context():
            q = rq_queue()
            connection = q.connection
        worker = SimpleWorker([q], connection=connection)
        worker.work(burst=burst, logging_level="INFO")
    finally:
        stop.set()


def when_done(job_id: str, timeout: float = 60, poll: Callable[[], None] | None = None) -> dict[str, Any]:
    """Poll `status` until the job leaves the active states (tests and the bench)."""
    deadline = time.monotonic() + timeout
    while True:
        info = status(job_id)
        if info["state"] not in ACTIVE or time.monotonic() > deadline:
            return info
        if poll is not None:
            poll()
        time.sleep(0.1)
        db.session.commit()
