"""Panel fragment benchmark: GET /discoveries/<id>/recommendation with and without the
co-pilot's extra analysis (issue 10), in one run, interleaved.

"With" is the panel as an SA sees it after an answer: the request carries what the panel
showed before and the question just answered (as static/js/panel.js sends them), and the
panel computes what changed, the readout's solution and go-live line, and the readiness per
design area. "Without" is the same GET with `PANEL_COPILOT = False` (none of that). The
ask-next ranking runs inside the engine's evaluation in both; it is measured on its own as
the engine's `evaluate` with and without `open_questions`.

Runs in the Flask test client (no network, no browser) on a fresh database, as
bench/preview.py does (SQLite in a temporary directory, or DATABASE_URL):

    .venv/bin/python -m bench.panel [-n 300] [--warmup 30]

Two discoveries: half done (12 answers) and mostly answered (bench/preview.py's). Prints
p50/p95/p99/max per measurement. The panel keeps its evaluation per discovery revision
(services/panel.py): the "with" and "without" cases forget it before each request (the cost
after an answer), "unchanged discovery (kept)" is a repeated GET that finds it. Not a test:
nothing asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench.preview import build, database_url, summary

#: Half a discovery (12 answers): a French web shop, no platform, no migration yet.
HALF: dict[str, Any] = {
    "hq_country": "FR",
    "business_model": "direct_sales",
    "industry": "retail",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL"],
    "channels": ["web", "in_person"],
    "annual_volume_usd": "30000000",
    "avg_transaction_usd": "80",
    "pricing_models": ["one_time"],
    "dev_capacity": "small",
    "erp": "netsuite",
    "crm": "salesforce",
}


def half_done(app: Any) -> int:
    from recommender.services import accounts, discoveries
    from recommender.services.users import get_by_email

    with app.app_context():
        user = get_by_email("bench@example.com")
        assert user is not None
        account = accounts.create_account("Half Co", user)
        discovery_id = discoveries.start_discovery(account.id, user).id
        for qid, raw in HALF.items():
            discoveries.save_answer(discovery_id, qid, raw, 0, user)
    return int(discovery_id)


def after_answer_params(client: Any, discovery_id: int) -> dict[str, str]:
    """What panel.js sends after answering `channels`: the ids shown before, Terminal not
    among them (so the panel has a real change to show)."""
    html = client.get(f"/discoveries/{discovery_id}/recommendation").get_data(as_text=True)

    def attr(name: str) -> str:
        return html.split(f'{name}="', 1)[1].split('"', 1)[0]

    products = [p for p in attr("data-products").split() if p != "terminal"]
    return {
        "prev_products": " ".join(products),
        "prev_risks": attr("data-risks"),
        "changed": "channels",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="measured requests per case")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests first")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")

    with tempfile.TemporaryDirectory(prefix="recommender-bench-") as tmp:
        url = database_url(tmp)
        app, client, mostly = build(url)
        half = half_done(app)
        lines = []
        for name, discovery_id in (("half done", half), ("mostly answered", mostly)):
            lines += bench_discovery(app, client, name, discovery_id, args.n, args.warmup)

    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(f"panel fragment benchmark: {args.n} requests per case after {args.warmup} warm-up,")
    print(f"interleaved, {backend}; python {platform.python_version()} on {platform.machine()},")
    print(f"{os.cpu_count()} CPUs")
    for line in lines:
        print(line)


def bench_discovery(
    app: Any, client: Any, name: str, discovery_id: int, n: int, warmup: int
) -> list[str]:
    from recommender.services import panel as live_panel

    panel_url = f"/discoveries/{discovery_id}/recommendation"
    params = after_answer_params(client, discovery_id)

    def with_copilot() -> None:
        live_panel.clear()  # as after an answer: the evaluation is made again
        app.config["PANEL_COPILOT"] = True
        r = client.get(panel_url, query_string=params)
        assert r.status_code == 200 and b"rec-changed" in r.data, r.status_code

    def without_copilot() -> None:
        live_panel.clear()
        app.config["PANEL_COPILOT"] = False
        r = client.get(panel_url, query_string=params)
        assert r.status_code == 200 and b"rec-changed" not in r.data, r.status_code

    def kept() -> None:
        app.config["PANEL_COPILOT"] = True
        r = client.get(panel_url, query_string=params)
        assert r.status_code == 200 and b"rec-changed" in r.data, r.status_code

    engine_full, engine_plain = engine_cases(app, discovery_id)
    cases: list[tuple[str, Callable[[], None]]] = [
        ("panel GET with the co-pilot", with_copilot),
        ("panel GET without it", without_copilot),
        ("panel GET, unchanged discovery (kept)", kept),
        ("  engine evaluate with ask-next", engine_full),
        ("  engine evaluate without ask-next", engine_plain),
    ]
    samples: dict[str, list[float]] = {label: [] for label, _ in cases}
    for i in range(warmup + n):
        # Alternate the order so neither case always runs on a warmer cache.
        ordered = cases if i % 2 == 0 else list(reversed(cases))
        for label, fn in ordered:
            t0 = time.perf_counter()
            fn()
            if i >= warmup:
                samples[label].append(time.perf_counter() - t0)
    app.config["PANEL_COPILOT"] = True
    return [f"{name}:"] + [summary(label, samples[label]) for label, _ in cases]


def engine_cases(app: Any, discovery_id: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """The engine's evaluation of the discovery's answers, with and without ranking the open
    questions (the ask-next analysis)."""
    from recommender.services import discoveries, evaluation, rulesets

    with app.app_context():
        q = discoveries.questionnaire_of(discoveries.get_discovery(discovery_id))
        answers = q.visible_answers(discoveries.answers_of(discovery_id))
        _, compiled = rulesets.active_compiled(evaluation.DEFAULT_RULESET)

    def full() -> None:
        compiled.evaluate(answers, q)

    def plain() -> None:
        compiled.evaluate(answers, q, open_questions=False)

    return full, plain


if __name__ == "__main__":
    main()
