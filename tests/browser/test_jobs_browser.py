"""Background jobs in Debian's chromium: an author starts the impact preview of the draft
as a background job and lands on its result; a job page polls the status (jobs.js) and
moves the progress bar with its text as the job advances, then shows the stored result
without a manual reload; Cancel stops a job.

The second part drives a job row directly in the live server's database (queued, then
running half-way, then finished with the result of the first job), so the page is seen in
each state however fast the machine is.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp/recommender-screenshots")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def job_worker(live_server: Any) -> Iterator[None]:
    """With REDIS_URL in the environment (CI) the live server queues jobs on RQ: run a
    `recommender worker` beside it for the test (without, jobs run in the server)."""
    if not live_server.env.get("REDIS_URL"):
        yield
        return
    process = subprocess.Popen(
        [sys.executable, "-c", "from recommender.cli import main; main()", "worker"],
        cwd=ROOT,
        env=live_server.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _engine(live_server: Any) -> sa.Engine:
    return sa.create_engine(live_server.db_url)


def test_progress_bar_reaches_the_result(
    live_server: Any, job_worker: None, page: Any, login_page: Callable[..., None], demo_users: dict[str, Any]
) -> None:
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    login_page(page, *demo_users["author"])
    page.goto(f"{live_server.url}/rulesets/stripe/impact")
    page.get_by_role("button", name="Preview impact as a background job").click()
    page.wait_for_url("**/rulesets/stripe/jobs/*")
    page.locator("#job-text").filter(has_text="· done").wait_for(timeout=90_000)  # a cold worker
    assert page.locator("#impact-count").is_visible()
    first_url = page.url
    job_id = first_url.rsplit("/", 1)[1]

    engine = _engine(live_server)
    with engine.begin() as conn:
        result, author_id = conn.execute(
            sa.text("SELECT result, user_id FROM jobs WHERE id = :id"), {"id": job_id}
        ).one()
        staged = uuid.uuid4().hex
        conn.execute(
            sa.text(
                "INSERT INTO jobs (id, kind, ruleset, user_id, backend, state, params, total, done,"
                " chunks, chunks_done, created_at, heartbeat_at, error) VALUES (:id, 'impact', 'stripe',"
                " :user, 'inline', 'queued', '{}', 0, 0, 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')"
            ),
            {"id": staged, "user": author_id},
        )
    page.goto(f"{live_server.url}/rulesets/stripe/jobs/{staged}")
    assert page.locator("#job-text").inner_text() == "Waiting for a worker …"
    assert page.locator("#job-cancel").is_visible()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE jobs SET state = 'running', total = 100000, done = 50000,"
                " started_at = datetime('now', '-20 seconds'), heartbeat_at = CURRENT_TIMESTAMP"
                " WHERE id = :id"
            ),
            {"id": staged},
        )
    text = page.locator("#job-text")
    text.filter(has_text="50,000 of 100,000 discoveries and leads").wait_for()
    assert "left" in text.inner_text()
    assert page.locator("#job-progress").evaluate("el => el.value / el.max") == 0.5
    page.screenshot(path=str(SCREENSHOT_DIR / "job-running.png"))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE jobs SET state = 'finished', done = 100000, result = :result,"
                " finished_at = CURRENT_TIMESTAMP WHERE id = :id"
            ),
            {"id": staged, "result": result if isinstance(result, str) else None},
        )
    page.locator("#impact-count").wait_for()  # the page reloaded itself with the result
    assert page.locator("#job-text").inner_text() == "100,000 of 100,000 discoveries and leads · done"
    assert page.locator("#job-cancel").count() == 0
    page.screenshot(path=str(SCREENSHOT_DIR / "job-finished.png"), full_page=True)
    engine.dispose()


def test_cancel_a_job(
    live_server: Any, page: Any, login_page: Callable[..., None], demo_users: dict[str, Any]
) -> None:
    login_page(page, *demo_users["author"])
    engine = _engine(live_server)
    staged = uuid.uuid4().hex
    with engine.begin() as conn:
        author_id = conn.execute(
            sa.text("SELECT id FROM users WHERE email = :e"), {"e": demo_users["author"][0]}
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO jobs (id, kind, ruleset, user_id, backend, state, params, total, done,"
                " chunks, chunks_done, created_at, started_at, heartbeat_at, error) VALUES (:id, 'lint',"
                " 'stripe', :user, 'inline', 'running', '{}', 10, 4, 5, 2, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')"
            ),
            {"id": staged, "user": author_id},
        )
    page.goto(f"{live_server.url}/rulesets/stripe/jobs/{staged}")
    page.get_by_role("button", name="Cancel").click()
    page.locator("#job-cancelled").wait_for()
    assert "Cancelled by" in page.locator("#job-cancelled").inner_text()
    assert page.locator("#job-text").inner_text() == "4 of 10 discoveries and leads · cancelled"
    with engine.begin() as conn:
        state = conn.execute(sa.text("SELECT state FROM jobs WHERE id = :id"), {"id": staged}).scalar_one()
    assert state == "cancelled"
    engine.dispose()
