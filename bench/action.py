"""One SA action in-process: the autosave POST that carries the refreshed panel back.

(Against an older checkout, `cd` there and run this file with PYTHONPATH=.: a server whose
autosave does not send the panel back gets the panel GET after it, as bench/load.py does.)

Runs in the Flask test client on a fresh database (SQLite in a temporary directory, or
DATABASE_URL, as bench/preview.py does) and reports, for the action as the browser sends it
(`{question_id, value, version, panel: {prev_products, prev_risks}}`, every save a real
change):

- SQL statements per action (counted with SQLAlchemy's `before_cursor_execute`), by kind;
- CPU time per action (process time, p50 and mean);
- with `--profile`, the cProfile top functions by cumulative and own time.

    .venv/bin/python -m bench.action [-n 300] [--warmup 30] [--profile] [--top 30]
    .venv/bin/python -m bench.action --baseline /tmp/baseline [--rounds 3]

With `--baseline PATH` (another checkout, e.g. a `git worktree` of an older commit) this file
runs in a child process per checkout, alternating (current, baseline, baseline, current, ...)
for `--rounds` rounds, and prints both with the ratios: the machine's other load falls on
both alike.

Not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench.preview's helpers exist in older checkouts too (the --baseline child imports its own).
from bench.preview import _version as _stored_version
from bench.preview import build, database_url

ROOT = Path(__file__).resolve().parent.parent

#: The answers the action cycles through (each save changes the answer), as bench/load.py.
CYCLE: list[tuple[str, list[Any]]] = [
    ("annual_volume_usd", [2_000_000, 30_000_000, 80_000_000, 400_000_000]),
    ("channels", [["web"], ["web", "mobile_app"], ["web", "in_person"], ["invoice"]]),
    ("customer_countries", [["DE"], ["DE", "FR", "NL"], ["US", "GB"], ["JP", "BR"]]),
]


class Counter:
    """SQL statements seen by the engine while `on`."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if self.on:
            self.statements.append(statement)


def kind(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper() if words else "?"
    table = ""
    upper = [w.upper() for w in words]
    for marker in ("FROM", "INTO", "UPDATE"):
        if marker in upper:
            i = upper.index(marker)
            if i + 1 < len(words):
                table = words[i + 1].strip('"')
                break
    return f"{verb} {table}".strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="measured actions")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured actions first")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the actions")
    parser.add_argument("--top", type=int, default=30, help="profile lines to print")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare, alternately")
    parser.add_argument("--rounds", type=int, default=3, help="with --baseline: runs per checkout")
    args = parser.parse_args()
    if args.baseline:
        compare(args)
        return
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")

    from sqlalchemy import event

    from recommender.extensions import db

    with tempfile.TemporaryDirectory(prefix="recommender-bench-") as tmp:
        url = database_url(tmp)
        app, client, discovery_id = build(url)
        counter = Counter()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", counter)
        versions: dict[str, int] = {}
        shown = {"products": ""}
        turn = [0]

        def act() -> None:
            qid, options = CYCLE[turn[0] % len(CYCLE)]
            value = options[(turn[0] // len(CYCLE)) % len(options)]
            turn[0] += 1
            r = client.post(
                f"/discoveries/{discovery_id}/answers",
                json={
                    "question_id": qid,
                    "value": value,
                    "version": versions[qid],
                    "panel": {"prev_products": shown["products"], "prev_risks": ""},
                },
            )
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            data = r.get_json()
            versions[qid] = int(data["version"])
            html = data.get("panel_html")
            if not isinstance(html, str):  # an older server: the panel is a GET of its own
                html = client.get(f"/discoveries/{discovery_id}/recommendation").get_data(
                    as_text=True
                )
            shown["products"] = html.split('data-products="', 1)[1].split('"', 1)[0]

        for qid, _ in CYCLE:
            versions[qid] = _stored_version(app, discovery_id, qid)
        for _ in range(args.warmup):
            act()
        profiler = cProfile.Profile() if args.profile else None
        cpu: list[float] = []
        counter.on = True
        if profiler is not None:
            profiler.enable()
        for _ in range(args.n):
            t0 = time.process_time()
            act()
            cpu.append(time.process_time() - t0)
        if profiler is not None:
            profiler.disable()
        counter.on = False

    backend = url.split(":", 1)[0].split("+", 1)[0]
    per_action = len(counter.statements) / args.n
    kinds = collections.Counter(kind(s) for s in counter.statements)
    print(f"SA action (autosave with the panel): {args.n} actions after {args.warmup} warm-up,")
    print(f"{backend}; python {platform.python_version()}, {os.cpu_count()} CPUs")
    ms = sorted(c * 1000 for c in cpu)
    print(
        f"CPU per action: p50 {statistics.median(ms):.2f} ms, mean {statistics.fmean(ms):.2f} ms"
        + (" (under cProfile)" if profiler is not None else "")
    )
    print(f"SQL statements per action: {per_action:.2f}")
    for name, count in kinds.most_common():
        print(f"  {count / args.n:5.2f}  {name}")
    if profiler is not None:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())


def compare(args: argparse.Namespace) -> None:
    """This file in a child process per checkout, alternately; medians of the rounds."""
    checkouts = {"current": ROOT, "baseline": args.baseline.resolve()}
    runs: dict[str, list[tuple[float, float, float]]] = {label: [] for label in checkouts}
    for round_no in range(args.rounds):
        order = list(checkouts) if round_no % 2 == 0 else list(reversed(checkouts))
        for label in order:
            path = checkouts[label]
            # The baseline with its own rules; the current checkout as configured.
            rules = {"RECOMMENDER_RULES_DIR": str(path / "rules")} if label == "baseline" else {}
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "-n", str(args.n)]
                + ["--warmup", str(args.warmup)],
                cwd=path,
                env={**os.environ, "PYTHONPATH": str(path), **rules},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            cpu = re.search(r"CPU per action: p50 ([\d.]+) ms, mean ([\d.]+) ms", out)
            sql = re.search(r"SQL statements per action: ([\d.]+)", out)
            assert cpu and sql, out
            runs[label].append((float(cpu.group(1)), float(cpu.group(2)), float(sql.group(1))))
            print(
                f"round {round_no + 1} {label:>8}: CPU p50 {cpu.group(1)} ms, "
                f"SQL {sql.group(1)}/action",
                flush=True,
            )
    med = {
        label: tuple(statistics.median(r[i] for r in rows) for i in range(3))
        for label, rows in runs.items()
    }
    for label, (p50, mean, sql) in med.items():
        print(
            f"{label:>8}: CPU per action p50 {p50:.2f} ms (mean {mean:.2f}), "
            f"SQL statements per action {sql:.0f}"
        )
    cur, base = med["current"], med["baseline"]
    print(
        f"ratio current / baseline: CPU p50 x{cur[0] / base[0]:.2f}, "
        f"SQL statements x{cur[2] / base[2]:.2f}"
    )


if __name__ == "__main__":
    main()
