"""Live-preview round trip benchmark: autosave an answer, then render the recommendation panel.

Runs in the Flask test client (no network, no browser), on a fresh database: SQLite in a
temporary directory by default, or DATABASE_URL (a scratch PostgreSQL database, created if
missing; its schema is dropped and recreated). CSRF and rate limiting are off, as in the tests.

    .venv/bin/python bench/preview.py [-n 300] [--warmup 50]

Prints p50/p95/p99/max per measurement:
- round trip: POST /discoveries/<id>/answers (autosave) + GET /discoveries/<id>/recommendation
- the evaluation inside the round trip (time spent in services.evaluation.evaluate_answers)
- baseline: the autosave alone, and the panel GET alone (repeated on an unchanged discovery:
  since issue 12 the panel keeps its evaluation per revision, so this is the kept case)
Every other iteration adds a product (in-person selling -> Stripe Terminal), so each panel
really changes. Not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-123"
#: A realistic, mostly answered discovery (DOMAIN.md worked example 1 plus some more).
ANSWERS: dict[str, Any] = {
    "hq_country": "US",
    "entity_countries": ["US", "IE"],
    "customer_countries": ["US", "DE", "FR", "NL", "GB"],
    "customer_type": ["businesses"],
    "business_model": "saas",
    "industry": "software",
    "annual_volume_usd": "30000000",
    "avg_transaction_usd": "1200",
    "channels": ["web"],
    "checkout_control": "hosted_ok",
    "dev_capacity": "small",
    "pricing_models": ["seat", "usage"],
    "payment_terms": "net_terms",
    "sales_led_quotes": "true",
    "accrual_accounting": "true",
    "erp": "netsuite",
    "crm": "salesforce",
    "fraud_concern": "medium",
}


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(name: str, samples_s: list[float]) -> str:
    ms = [s * 1000 for s in samples_s]
    return (
        f"{name:<34} n={len(ms):<4} p50={percentile(ms, 50):7.2f} ms  "
        f"p95={percentile(ms, 95):7.2f} ms  p99={percentile(ms, 99):7.2f} ms  "
        f"max={max(ms):7.2f} ms  mean={statistics.fmean(ms):7.2f} ms"
    )


def database_url(tmp: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        from recommender.extensions import make_engine

        name = sa.make_url(url).database
        admin = sa.create_engine(
            sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            if not conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ):
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{Path(tmp) / 'bench.db'}"


def build(url: str) -> tuple[Any, Any, int]:
    """A migrated, loaded app; a logged-in test client; a discovery with answers."""
    from recommender import create_app
    from recommender.db import upgrade
    from recommender.services import accounts, discoveries, questionnaires, rulesets
    from recommender.services.users import create_user

    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()
        user = create_user("bench@example.com", PASSWORD, "sa")
        account = accounts.create_account("Bench Co", user)
        discovery_id = discoveries.start_discovery(account.id, user).id
        q = discoveries.questionnaire_of(discoveries.get_discovery(discovery_id))
        for qid, raw in ANSWERS.items():
            if qid in q.questions:
                discoveries.save_answer(discovery_id, qid, raw, 0, user)
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return app, client, discovery_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="measured iterations (default 300)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured iterations first")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")

    from recommender.services import evaluation

    with tempfile.TemporaryDirectory(prefix="recommender-bench-") as tmp:
        url = database_url(tmp)
        app, client, discovery_id = build(url)

        eval_time = [0.0]
        real_evaluate = evaluation.evaluate_answers

        def timed_evaluate(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return real_evaluate(*a, **kw)
            finally:
                eval_time[0] += time.perf_counter() - t0

        evaluation.evaluate_answers = timed_evaluate  # type: ignore[assignment]

        state = {"version": _version(app, discovery_id, "channels"), "i": 0}
        save_url = f"/discoveries/{discovery_id}/answers"
        panel_url = f"/discoveries/{discovery_id}/recommendation"

        def autosave() -> None:
            state["i"] += 1
            value = ["web", "in_person"] if state["i"] % 2 else ["web"]
            r = client.post(
                save_url,
                json={"question_id": "channels", "value": value, "version": state["version"]},
            )
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            state["version"] = r.get_json()["version"]

        def panel() -> str:
            r = client.get(panel_url)
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            return r.get_data(as_text=True)

        def round_trip() -> None:
            autosave()
            html = panel()
            assert ("terminal" in html.split('data-products="', 1)[1].split('"', 1)[0]) == (
                state["i"] % 2 == 1
            ), "the panel did not follow the answer"

        def measure(fn: Callable[[], Any], n: int) -> tuple[list[float], list[float]]:
            times, evals = [], []
            for _ in range(n):
                eval_time[0] = 0.0
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
                evals.append(eval_time[0])
            return times, evals

        measure(round_trip, args.warmup)
        trips, evals = measure(round_trip, args.n)
        saves, _ = measure(autosave, args.n)
        panels, _ = measure(panel, args.n)

    backend = url.split(":", 1)[0].split("+", 1)[0]
    share = sum(evals) / sum(trips)
    print(f"live preview benchmark: {args.n} iterations after {args.warmup} warm-up, {backend}")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(summary("round trip (autosave + panel)", trips))
    print(summary("  evaluation inside the round trip", evals))
    print(summary("baseline: autosave alone", saves))
    print(summary("baseline: panel GET alone (kept)", panels))
    print(f"evaluation share of the round trip: {share:.0%} of total time")


def _version(app: Any, discovery_id: int, question_id: str) -> int:
    from sqlalchemy import select

    from recommender.extensions import db
    from recommender.models import Answer

    with app.app_context():
        version = db.session.scalar(
            select(Answer.version).where(
                Answer.discovery_id == discovery_id, Answer.question_id == question_id
            )
        )
    return int(version or 0)


if __name__ == "__main__":
    main()
