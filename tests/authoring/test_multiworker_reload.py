"""Every worker process serves a newly published ruleset version without a restart.

Starts gunicorn with 2 workers on a private database (a temporary SQLite file, or a private
PostgreSQL database when DATABASE_URL is PostgreSQL), warms both workers, publishes a new
version of `stripe` from another process (the `recommender rules import --publish` command),
then asks `/rulesets/stripe/active.json` — the version the answering worker evaluates with —
until a long run of answers all show the new version. Requests go out several at a time on
fresh connections, so both workers answer. The only time bound is a generous deadline.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from recommender.cli import main; main()"]
EMAIL, PASSWORD = "author@example.com", "demo-author-pass"  # a demo user of `recommender setup`
DEADLINE = 15.0  # seconds after the publish for every worker to serve the new version
IN_A_ROW = 10  # answers in a row from each worker showing the new version


def _private_database(tmp: Path) -> str:
    """A database only this test uses, empty."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return f"sqlite:///{tmp / 'multiworker.db'}"
    suffix = os.environ.get("RECOMMENDER_TEST_DB_SUFFIX") or os.environ.get(
        "PYTEST_XDIST_WORKER", "main"
    )
    url = sa.make_url(base)
    name = f"{url.database}_{suffix}_multiworker"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    private = url.set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(private, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return private


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"recommender {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def server_env() -> Iterator[tuple[dict[str, str], Path]]:
    with tempfile.TemporaryDirectory(prefix="multiworker-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(
            DATABASE_URL=_private_database(Path(tmp)),
            RATELIMIT_ENABLED="0",
            SECRET_KEY="multiworker-test-secret",
            RULESET_REFRESH_SECONDS="0.5",
            PYTHONPATH=str(ROOT),
        )
        env.pop("REDIS_URL", None)
        env.pop("RECOMMENDER_RULES_DIR", None)
        env.pop("RECOMMENDER_FORMS_DIR", None)
        _cli(env, "setup")  # migrate, forms/, rules/ (stripe, published), demo users
        yield env, Path(tmp)


class Client:
    """A logged-in browser-like session (cookies, CSRF token) over urllib."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str, timeout: float = 10) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode(errors="replace")

    def login(self, email: str, password: str) -> None:
        _, page = self.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        data = urllib.parse.urlencode(
            {"csrf_token": token.group(1), "email": email, "password": password}
        ).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=10) as response:
            assert response.status == 200  # redirected to the start page
        status, _ = self.get("/rulesets/stripe/active.json")
        assert status == 200, "login failed"

    def active_versions(self, n: int) -> list[Any]:
        """`n` (worker pid, version) answers of active.json, 4 at a time on fresh connections."""
        import json

        def one(_: int) -> Any:
            status, body = self.get("/rulesets/stripe/active.json")
            if status != 200:
                return (None, f"HTTP {status}")
            data = json.loads(body)
            return (data["worker"], data["version"])

        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(one, range(n)))


def _wait_until_up(base: str, server: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


def test_every_worker_serves_a_new_version_without_restart(
    server_env: tuple[dict[str, str], Path],
) -> None:
    env, tmp = server_env
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "recommender:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers go with it
        )
    try:
        _wait_until_up(base, server, log)
        client = Client(base)
        client.login(EMAIL, PASSWORD)

        # Warm every worker: each has compiled and serves the imported version. Several
        # requests at once on sync workers reach both of them.
        answers = client.active_versions(60)
        workers = {pid for pid, _ in answers}
        warm_deadline = time.monotonic() + DEADLINE
        while len(workers) < 2 and time.monotonic() < warm_deadline:
            answers += client.active_versions(20)
            workers = {pid for pid, _ in answers}
        assert len(workers) == 2, f"expected answers from both workers, got {answers[-10:]}"
        assert len({version for _, version in answers}) == 1, answers
        old = answers[0][1]
        assert isinstance(old, int), answers

        # Publish a new version from another process, as an author would from the CLI
        # (the data files the ruleset names are read from beside it).
        from recommender.engine.loader import data_file_names

        changed = tmp / "stripe.yaml"
        source = (ROOT / "rules" / "stripe.yaml").read_text(encoding="utf-8")
        changed.write_text(
            source + "\n# published by tests/authoring/test_multiworker_reload.py\n",
            encoding="utf-8",
        )
        for data_name in data_file_names(source).values():
            (tmp / data_name).write_text(
                (ROOT / "rules" / data_name).read_text(encoding="utf-8"), encoding="utf-8"
            )
        output = _cli(env, "rules", "import", str(changed), "--publish", "--as", EMAIL)
        new = int(re.search(r"published version (\d+)", output).group(1))  # type: ignore[union-attr]
        assert new > old

        # Poll until each worker has answered with the new version IN_A_ROW times in a row.
        deadline = time.monotonic() + DEADLINE
        streak = {pid: 0 for pid in workers}
        seen: list[Any] = []
        while min(streak.values()) < IN_A_ROW and time.monotonic() < deadline:
            for pid, version in client.active_versions(8):
                seen.append((pid, version))
                assert pid in streak, f"an unknown worker {pid} answered: a worker restarted"
                streak[pid] = streak[pid] + 1 if version == new else 0
        assert min(streak.values()) >= IN_A_ROW, (
            f"workers still served other versions {DEADLINE:.0f} s after publishing "
            f"version {new}: streaks {streak}, last answers {seen[-20:]}"
        )
        # And they keep serving it.
        assert {version for _, version in client.active_versions(40)} == {new}
        assert server.poll() is None, "the server restarted or died"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
