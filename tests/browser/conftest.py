"""Browser-test fixtures (marker `browser`): a live server and Debian's chromium via Playwright.

Reusable by every feature's browser tests:

- `live_server` (session): the real app in a subprocess (`recommender run`) on a free port,
  with its own temporary SQLite database prepared by `recommender setup` (migrations, forms/,
  rules/, demo users). Attributes: `url` (base URL, no trailing slash), `db_url`, `env` (the
  environment the server runs with, e.g. to run more CLI commands against the same database).
  The database lives for the whole session: use unique names (`unique_name()`) in tests.
- `browser` (session): chromium launched from /usr/bin/chromium (never `playwright install`;
  `make browser` / scripts/install-chromium.sh installs it).
- `page` (function): a fresh context and page (own cookies), closed after the test.
- `login_page` (function): `login_page(page, email, password)` logs in through the login
  form of the live server; `demo_users` maps "sa", "author", "admin" to (email, password).
- `unique_name` (function): `unique_name("Acme")` -> "Acme 1a2b3c4d".
- `cli` (function): `cli("rules", "import", path, "--publish")` runs the recommender CLI on the
  live server's database and returns its output (a failure fails the test).
Test modules run with --import-mode=importlib, so use these fixtures rather than importing
from this conftest.

Screenshots: `page.screenshot(path=...)`; tests put them under pytest's `tmp_path`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEMO_SA = ("sa@example.com", "demo-sa-pass")
DEMO_AUTHOR = ("author@example.com", "demo-author-pass")
DEMO_ADMIN = ("admin@example.com", "demo-admin-pass")


@dataclass
class LiveServer:
    url: str
    db_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: Any = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique_name(prefix: str = "Company") -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def server_env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=db_url,
        SECRET_KEY="browser-test-secret",
        RATELIMIT_ENABLED="0",
        # Failed logins counted per server, not in a Redis shared with other runs.
        LOGIN_THROTTLE_STORAGE_URI="memory://",
        PYTHONUNBUFFERED="1",
    )
    return env


def recommender_cli() -> list[str]:
    return [sys.executable, "-c", "from recommender.cli import main; main()"]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up")


def start_server(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`recommender run` on `port`; output goes to `log`."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*recommender_cli(), "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=server_env(db_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_until_up(f"http://127.0.0.1:{port}", process)
    return process


def setup_database(db_url: str) -> None:
    subprocess.run(
        [*recommender_cli(), "setup"],
        cwd=ROOT,
        env=server_env(db_url),
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    with tempfile.TemporaryDirectory(prefix="recommender-live-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'live.db'}"
        setup_database(db_url)
        port = free_port()
        process = start_server(db_url, port, Path(tmp) / "server.log")
        try:
            yield LiveServer(f"http://127.0.0.1:{port}", db_url, server_env(db_url), process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def cli(live_server: LiveServer) -> Callable[..., str]:
    def _run(*args: str) -> str:
        result = subprocess.run(
            [*recommender_cli(), *args],
            cwd=ROOT,
            env=live_server.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    return _run


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "install-chromium.sh")], check=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def login_page(live_server: LiveServer) -> Callable[[Any, str, str], None]:
    """login_page(page, email, password): log in through the form of the live server."""

    def _login(page: Any, email: str, password: str) -> None:
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)

    return _login


@pytest.fixture
def demo_users() -> dict[str, tuple[str, str]]:
    return {"sa": DEMO_SA, "author": DEMO_AUTHOR, "admin": DEMO_ADMIN}


@pytest.fixture(name="unique_name")
def unique_name_fixture() -> Callable[[str], str]:
    return unique_name


@pytest.fixture
def start_discovery(live_server: LiveServer) -> Callable[[Any, str], None]:
    """start_discovery(page, company): create an account with a discovery from the dashboard
    (the page must be logged in) and land on its first section."""

    def _start(page: Any, company: str) -> None:
        page.goto(f"{live_server.url}/discoveries")
        page.fill("#name", company)
        page.check("input[name=start]")
        page.click("section[aria-labelledby=new-account-h] button[type=submit]")
        page.wait_for_url("**/sections/company")

    return _start
