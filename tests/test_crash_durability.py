"""An acknowledged autosave survives the server being killed (SIGKILL) right after.

Runs the real server (`recommender run`) in a subprocess on a free port with a temporary
SQLite file database, saves one answer through the JSON API, kills the process without any
chance to clean up, starts it again and reads the answer back through the web page.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from recommender.cli import main; main()"]


def _env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATABASE_URL=db_url, SECRET_KEY="crash-test-secret", RATELIMIT_ENABLED="0")
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*CLI, "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=_env(db_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not start:\n" + log.read_text())


class Browser:
    """A cookie-keeping HTTP client that speaks the app's CSRF protocol."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as resp:
            return resp.geturl(), resp.read().decode()

    def post_form(self, path: str, data: dict[str, str], token: str) -> tuple[str, str]:
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=body, timeout=10) as resp:
            return resp.geturl(), resp.read().decode()

    def post_json(self, path: str, payload: Any, token: str) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )
        with self.opener.open(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())

    def login(self, email: str, password: str) -> None:
        _, html = self.get("/login")
        url, _ = self.post_form("/login", {"email": email, "password": password}, token(html))
        assert "/login" not in url


def token(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.mark.slow
def test_acknowledged_autosave_survives_sigkill(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    subprocess.run([*CLI, "setup"], cwd=ROOT, env=_env(db_url), check=True, capture_output=True)
    port = _free_port()
    log = tmp_path / "server.log"
    process = _start(db_url, port, log)
    try:
        client = Browser(f"http://127.0.0.1:{port}")
        client.login("sa@example.com", "demo-sa-pass")
        _, html = client.get("/discoveries")
        section_url, html = client.post_form(
            "/accounts", {"name": "Durable Corp", "start": "1"}, token(html)
        )
        discovery_path = urllib.parse.urlsplit(section_url).path
        discovery_id = int(re.search(r"/discoveries/(\d+)/", discovery_path).group(1))  # type: ignore[union-attr]
        status, body = client.post_json(
            f"/discoveries/{discovery_id}/answers",
            {"question_id": "annual_volume_usd", "value": "7,654,321", "version": 0},
            token(html),
        )
        assert status == 200 and body["version"] == 1
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    process = _start(db_url, port, log)
    try:
        client = Browser(f"http://127.0.0.1:{port}")
        client.login("sa@example.com", "demo-sa-pass")
        _, html = client.get(discovery_path)
        block = re.search(r'data-question="annual_volume_usd".*?</div>', html, re.S)
        assert block and 'value="7654321"' in block.group(0)
        assert 'data-version="1"' in block.group(0)
    finally:
        process.terminate()
        process.wait(timeout=10)
