"""Load test of the SA workspace under gunicorn: autosaves and panel refreshes by many SAs.

    python -m bench.load [--backend sqlite|postgres|both] [--sas 50] [--workers 3]
                         [--seconds 20] [--mode closed|open|both] [--every 3]
                         [--baseline PATH] [--rounds 2]

For each backend (a throw-away SQLite file, or a throw-away PostgreSQL database on
127.0.0.1:5432) and each code checkout (this one, and `--baseline PATH`, e.g. a
`git worktree` of an older commit), it sets up the database, starts gunicorn with
`--workers` sync workers on a free loopback port, logs in `--sas` simulated SAs (each with
its own discovery) and drives the SA action "answer a question, then refresh the
recommendation panel" (the autosave POST, then the panel GET):

- closed loop: every SA repeats the action with no think time for `--seconds`;
- open loop: every SA starts an action every `--every` seconds (staggered), whatever the
  server's speed, for `--seconds`.

With `--baseline`, both checkouts are up at once and measured in alternating rounds
(`--rounds`, summed), so the machine's other load falls on both alike.

Prints, per run: actions/s, p50 and p99 per request type, and the gunicorn processes' CPU
per action (user+system time of master and workers, from /proc). Bounded in time, loopback
only. The load generator shares the machine's cores with the server: compare runs made in
the same invocation, not absolute numbers across machines.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CLK_TCK = os.sysconf("SC_CLK_TCK")

#: Answers the simulated SAs cycle through (each save changes the answer).
ANSWERS: list[tuple[str, list[Any]]] = [
    ("annual_volume_usd", [2_000_000, 30_000_000, 80_000_000, 400_000_000]),
    ("channels", [["web"], ["web", "mobile_app"], ["web", "in_person"], ["invoice"]]),
    ("customer_countries", [["DE"], ["DE", "FR", "NL"], ["US", "GB"], ["JP", "BR"]]),
]

SETUP_SCRIPT = """
import sys
from recommender import create_app
from recommender.extensions import db
from recommender.models import User
from recommender.services import accounts, discoveries
from recommender.services.users import create_user
app = create_app()
n, password = int(sys.argv[1]), sys.argv[2]
out = []
with app.app_context():
    for i in range(n):
        user = create_user(f"load{i}@example.com", password, "sa", f"Load SA {i}")
        user = db.session.get(User, user.id)
        account = accounts.create_account(f"Load customer {i}", user)
        out.append([user.email, discoveries.start_discovery(account.id, user).id])
import json
print("SAS=" + json.dumps(out))
"""


@dataclass
class Stats:
    save: list[float] = field(default_factory=list)
    panel: list[float] = field(default_factory=list)
    action: list[float] = field(default_factory=list)
    errors: int = 0
    actions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, save: float, panel: float) -> None:
        with self.lock:
            self.save.append(save)
            self.panel.append(panel)
            self.action.append(save + panel)
            self.actions += 1

    def error(self) -> None:
        with self.lock:
            self.errors += 1


class Session:
    """One SA's browser: cookies and the CSRF token, one connection per request (gunicorn's
    sync workers close every connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return resp.status, data

    def login(self, email: str) -> None:
        status, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        form = f"email={email}&password={PASSWORD}&csrf_token={token.group(1).decode() if token else ''}"
        status, _ = self.request(
            "POST", "/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"login failed for {email}: {status}")
        status, page = self.request("GET", "/discoveries")
        meta = re.search(rb'<meta name="csrf-token" content="([^"]+)"', page)
        self.token = meta.group(1).decode() if meta else ""


class SA:
    def __init__(self, port: int, email: str, discovery: int) -> None:
        self.session = Session(port)
        self.session.login(email)
        self.discovery = discovery
        self.versions: dict[str, int] = {}
        self.turn = 0
        self.shown = ""

    def act(self, stats: Stats) -> None:
        qid, options = ANSWERS[self.turn % len(ANSWERS)]
        value = options[(self.turn // len(ANSWERS)) % len(options)]
        self.turn += 1
        # As the browser does: the save says what the panel showed; a server that sends the
        # refreshed panel back with the answer needs no panel GET (older ones ignore `panel`).
        body = json.dumps(
            {
                "question_id": qid,
                "value": value,
                "version": self.versions.get(qid, 0),
                "panel": {"prev_products": self.shown, "prev_risks": ""},
            }
        )
        t0 = time.perf_counter()
        status, data = self.session.request(
            "POST",
            f"/discoveries/{self.discovery}/answers",
            body.encode(),
            {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.session.token,
            },
        )
        t1 = time.perf_counter()
        answer = json.loads(data) if status == 200 else {}
        if status == 200:
            self.versions[qid] = int(answer.get("version", 0))
        panel = answer.get("panel_html")
        status2 = 200
        if not isinstance(panel, str):
            status2, raw = self.session.request(
                "GET", f"/discoveries/{self.discovery}/recommendation"
            )
            panel = raw.decode("utf-8", "replace")
        shown = re.search(r'data-products="([^"]*)"', panel)
        self.shown = shown.group(1) if shown else ""
        t2 = time.perf_counter()
        if status != 200 or status2 != 200:
            stats.error()
            return
        # Per action: the save (with the panel when it rides along) and the separate panel
        # request (0 when there is none).
        stats.add((t1 - t0) * 1000, (t2 - t1) * 1000)


def closed_loop(client: SA, stats: Stats, stop: float) -> None:
    """Act again as soon as the last action is answered."""
    while time.perf_counter() < stop:
        client.act(stats)


def open_loop(client: SA, stats: Stats, first: float, stop: float, every: float) -> None:
    """Act every `every` seconds from `first` on, however long the answers take."""
    next_at = first
    while next_at < stop:
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        client.act(stats)
        next_at += every


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def gunicorn_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [master, *(int(p) for p in out.split())]


def database(backend: str, tmp: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'load.db'}", None
    import sqlalchemy as sa

    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


class Target:
    """One checkout served by gunicorn on one throw-away database, with its SAs logged in."""

    def __init__(self, label: str, checkout: Path, backend: str, args: argparse.Namespace) -> None:
        self.label, self.backend = label, backend
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
        self.url, self.drop = database(backend, self.tmp)
        self.server: subprocess.Popen[bytes] | None = None
        env = {
            **os.environ,
            "PYTHONPATH": str(checkout),
            "DATABASE_URL": self.url,
            "SECRET_KEY": "bench-load-secret",
            "RATELIMIT_ENABLED": "0",
            "LOGIN_THROTTLE_ENABLED": "0",
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "RECOMMENDER_FORMS_DIR": str(checkout / "forms"),
            "RECOMMENDER_RULES_DIR": str(checkout / "rules"),
        }
        env.pop("REDIS_URL", None)
        py = sys.executable
        cli = [py, "-c", "from recommender.cli import main; main()"]
        subprocess.run(
            [*cli, "setup", "--no-demo-users"],
            cwd=self.tmp,
            env=env,
            check=True,
            capture_output=True,
        )
        made = subprocess.run(
            [py, "-c", SETUP_SCRIPT, str(args.sas), PASSWORD],
            cwd=self.tmp,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        sas = json.loads(made.split("SAS=", 1)[1])
        port = free_port()
        self.server = subprocess.Popen(
            [
                py,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "recommender:create_app()",
            ],
            cwd=self.tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        self.clients = [SA(port, email, did) for email, did in sas]
        for client in self.clients:  # warm every worker (rulesets compiled, caches filled)
            client.act(Stats())

    def measure(self, mode: str, args: argparse.Namespace, stats: Stats) -> tuple[float, float]:
        """One run of `mode` for args.seconds into `stats`: (elapsed s, server CPU s)."""
        assert self.server is not None
        pids = gunicorn_pids(self.server.pid)
        cpu0, t0 = cpu_seconds(pids), time.perf_counter()
        stop = t0 + args.seconds
        clients = self.clients
        if mode == "closed":
            threads = [threading.Thread(target=closed_loop, args=(c, stats, stop)) for c in clients]
        else:
            threads = [
                threading.Thread(
                    target=open_loop,
                    args=(c, stats, t0 + (n / len(clients)) * args.every, stop, args.every),
                )
                for n, c in enumerate(clients)
            ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return time.perf_counter() - t0, cpu_seconds(gunicorn_pids(self.server.pid)) - cpu0

    def close(self) -> None:
        if self.server is not None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
        if self.drop is not None:
            self.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_backend(
    backend: str, checkouts: list[tuple[str, Path]], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Every checkout on `backend`, measured in alternating rounds (current, baseline,
    baseline, current, ...) so the machine's other load falls on both alike."""
    targets: list[Target] = []
    results = []
    try:
        for label, path in checkouts:
            targets.append(Target(label, path, backend, args))
        for mode in ["closed", "open"] if args.mode == "both" else [args.mode]:
            totals = {t.label: (Stats(), [0.0, 0.0]) for t in targets}
            for round_no in range(args.rounds):
                order = targets if round_no % 2 == 0 else list(reversed(targets))
                for target in order:
                    stats, sums = totals[target.label]
                    elapsed, cpu = target.measure(mode, args, stats)
                    sums[0] += elapsed
                    sums[1] += cpu
            for target in targets:
                stats, (elapsed, cpu) = totals[target.label]
                results.append(summary(target.label, backend, mode, stats, elapsed, cpu))
                print(format_row(results[-1]), flush=True)
    finally:
        for target in targets:
            target.close()
    return results


def pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(
    label: str, backend: str, mode: str, stats: Stats, elapsed: float, cpu: float
) -> dict[str, Any]:
    return {
        "label": label,
        "backend": backend,
        "mode": mode,
        "actions_per_s": stats.actions / elapsed,
        "save_p50": statistics.median(stats.save) if stats.save else float("nan"),
        "save_p99": pct(stats.save, 0.99),
        "panel_p50": statistics.median(stats.panel) if stats.panel else float("nan"),
        "panel_p99": pct(stats.panel, 0.99),
        "action_p50": statistics.median(stats.action) if stats.action else float("nan"),
        "action_p99": pct(stats.action, 0.99),
        "cpu_ms_per_action": cpu * 1000 / max(1, stats.actions),
        "errors": stats.errors,
        "actions": stats.actions,
    }


def format_row(r: dict[str, Any]) -> str:
    return (
        f"{r['label']:>9} {r['backend']:>8} {r['mode']:>6}  {r['actions_per_s']:7.1f} actions/s  "
        f"action p50 {r['action_p50']:6.1f} p99 {r['action_p99']:6.1f} ms  "
        f"save p50 {r['save_p50']:6.1f} p99 {r['save_p99']:6.1f} ms  "
        f"panel p50 {r['panel_p50']:6.1f} p99 {r['panel_p99']:6.1f} ms  "
        f"CPU {r['cpu_ms_per_action']:5.1f} ms/action  errors {r['errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sas", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--mode", choices=["closed", "open", "both"], default="both")
    parser.add_argument(
        "--every", type=float, default=3.0, help="open loop: seconds between one SA's actions"
    )
    parser.add_argument("--baseline", type=Path, help="another checkout to measure in the same run")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating runs per checkout and mode (summed)"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    checkouts = [("current", ROOT)] + (
        [("baseline", args.baseline.resolve())] if args.baseline else []
    )
    print(
        f"{args.sas} SAs, {args.workers} gunicorn workers, {args.rounds} alternating runs of "
        f"{args.seconds:.0f} s per checkout and mode"
    )
    results = []
    for backend in backends:
        results += run_backend(backend, checkouts, args)
    if args.baseline:
        print(
            "\nratios current / baseline (actions/s higher is better; CPU and p99 lower is better):"
        )
        for r in results:
            if r["label"] != "current":
                continue
            base = next(
                b
                for b in results
                if b["label"] == "baseline"
                and b["backend"] == r["backend"]
                and b["mode"] == r["mode"]
            )
            print(
                f"  {r['backend']:>8} {r['mode']:>6}: throughput x{r['actions_per_s'] / base['actions_per_s']:.2f}, "
                f"CPU/action x{r['cpu_ms_per_action'] / base['cpu_ms_per_action']:.2f}, "
                f"action p50 x{r['action_p50'] / base['action_p50']:.2f}, "
                f"action p99 x{r['action_p99'] / base['action_p99']:.2f}"
            )


if __name__ == "__main__":
    main()
