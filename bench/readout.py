"""Readout generation benchmark: HTML and PDF of a realistic discovery's readout.

    .venv/bin/python bench/readout.py [-n 30] [--pdf-n 8] [--warmup 2]

The readout is the issue's example (a European marketplace: web, app and 200 stores,
NetSuite, Salesforce, Snowflake, 2 million cards at Adyen, 6 months to launch), built once by
the real builder from the default ruleset. Then, in one process:
- build: answers + result -> readout dict (recommender.readout.build_readout)
- HTML: render_html (includes running Graphviz `dot` for the diagram), target p50 < 300 ms
- PDF: render_pdf (HTML + WeasyPrint layout and writing), target p50 < 3 s
- one-pager: render_one_pager (pages counted; one render when it fits at once)
Prints p50/p99/max per measurement and the machine's load. Not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The example: a European marketplace with 200 pop-up stores, NetSuite, Salesforce,
# Snowflake, 2 million saved cards at Adyen, 6 months to launch.
ANSWERS: dict[str, Any] = json.loads(
    (ROOT / "docs" / "examples" / "eu_marketplace_popup_stores.json").read_text("utf-8")
)


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(fn: Callable[[], Any], n: int, warmup: int) -> tuple[list[float], list[float]]:
    """(wall-clock ms, CPU ms) per call; CPU counts this process and its children (`dot`).
    On a shared machine the CPU time is about what the call takes on a quiet one (the
    renderers are single-threaded)."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), _cpu()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((_cpu() - start_cpu) * 1000)
    return wall, cpu


def report(
    name: str, samples: tuple[list[float], list[float]], target_ms: float | None = None
) -> None:
    wall, cpu = samples
    p50, p99 = statistics.median(wall), percentile(wall, 99)
    goal = (
        f"  (target p50 < {target_ms:.0f} ms: {'met' if p50 < target_ms else 'MISSED'})"
        if target_ms
        else ""
    )
    print(
        f"{name:<10} n={len(wall):<3} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {max(wall):7.1f} ms"
        f"  | CPU p50 {statistics.median(cpu):7.1f} ms{goal}"
    )


def inputs() -> tuple[dict[str, Any], dict[str, Any], Any]:
    """(visible typed answers, engine result, questionnaire) for ANSWERS with rules/stripe.yaml."""
    from recommender.commands.rules import RULES_DIR, _coerce
    from recommender.engine import compile_ruleset, load_ruleset
    from recommender.engine.loader import find_questionnaire, questionnaire_id_of

    path = RULES_DIR / "stripe.yaml"
    qid = questionnaire_id_of(path.read_text(encoding="utf-8"), str(path))
    questionnaire = find_questionnaire(str(ROOT / "forms"), qid)
    ruleset = load_ruleset(str(path), questionnaire)
    answers, errors = _coerce(questionnaire, ANSWERS)
    if errors:
        raise SystemExit("bench answers do not fit the questionnaire: " + "; ".join(errors))
    visible = questionnaire.visible_answers(answers)
    compiled = compile_ruleset(ruleset)
    try:
        result = compiled.evaluate(visible, questionnaire).to_dict()
    finally:
        compiled.close()
    return visible, result, (questionnaire, ruleset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="HTML and build iterations")
    parser.add_argument("--pdf-n", type=int, default=8, help="PDF and one-pager iterations")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    from recommender.commands.rules import RULES_DIR, _design
    from recommender.readout import build_readout
    from recommender.readout.render import render_html, render_one_pager, render_pdf
    from recommender.readout.render.pdf import one_pager_document

    answers, result, (questionnaire, ruleset) = inputs()
    design = _design(ruleset, str(RULES_DIR / "stripe.yaml"))
    notes = [
        {
            "section_id": "payments_today",
            "section_title": "Payments today",
            "text": "Adyen contract ends in Q3.",
        }
    ]

    def build() -> dict[str, Any]:
        return build_readout(
            answers=answers,
            result=result,
            design=design,
            questionnaire=questionnaire,
            notes=notes,
            report_date=dt.date.today(),
        )

    readout = build()
    start = time.perf_counter()
    import weasyprint  # noqa: F401  (import and font set-up once, reported apart)

    first_pdf = render_pdf(readout)
    cold = (time.perf_counter() - start) * 1000
    _, limits = one_pager_document(readout)

    print(
        f"readout benchmark · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        f"readout: {sum(len(g['products']) for g in readout['design']['groups'])} products, "
        f"{len(readout['architecture']['edges'])} flows, {len(readout['risks'])} risks, "
        f"{len(readout['markets'])} markets; PDF {len(first_pdf) // 1024} KB; "
        f"one-pager limits {limits}"
    )
    print(f"first PDF in a new process (WeasyPrint import + fonts): {cold:.0f} ms")
    report("build", measure(build, args.n, args.warmup))
    report("HTML", measure(lambda: render_html(readout), args.n, args.warmup), 300)
    report("PDF", measure(lambda: render_pdf(readout), args.pdf_n, 1), 3000)
    report("one-pager", measure(lambda: render_one_pager(readout), args.pdf_n, 1))
    print(f"load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
