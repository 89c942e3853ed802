"""Impact preview benchmark: 10,000 saved discoveries, draft vs active `stripe` ruleset.

    .venv/bin/python bench/impact.py [--discoveries 10000] [--runs 3]

Builds a throw-away SQLite database (migrations, forms/, rules/), stores N discoveries with
random but valid answers to the sa_discovery questionnaire, drafts a threshold change (the
enterprise-volume bar), and times `authoring.impact()` end to end: loading every discovery's
answers, the filter (only the discoveries the draft can change are evaluated), visibility,
evaluating those with the draft and with the active version, diffing.
Prints the median wall time of the runs. Not run as a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from recommender import create_app  # noqa: E402
from recommender.db import upgrade  # noqa: E402
from recommender.extensions import db  # noqa: E402
from recommender.models import Account, Answer, Discovery, User  # noqa: E402

COUNTRIES = ["US", "GB", "DE", "FR", "NL", "BE", "BR", "MX", "JP", "CN", "AU", "CA", "IN", "SG"]


def random_value(q: Any, rng: random.Random) -> Any:
    options = [o.value for o in getattr(q, "options", None) or []]
    if q.type == "single":
        return rng.choice(options)
    if q.type == "multi":
        picked = set(rng.sample(options, rng.randint(1, min(3, len(options)))))
        return [o for o in options if o in picked]
    if q.type == "country":
        return rng.choice(COUNTRIES)
    if q.type == "country_list":
        return sorted(rng.sample(COUNTRIES, rng.randint(1, 4)))
    if q.type == "boolean":
        return rng.random() < 0.5
    if q.type == "integer":
        return rng.randint(0, 200)
    if q.type == "money":
        return rng.choice([0, 50_000, 400_000, 2_000_000, 8_000_000, 30_000_000, 80_000_000])
    if q.type == "percent":
        return round(rng.uniform(0, 2), 2)
    return f"text {rng.randint(0, 999)}"


def populate(n: int, seed: int = 1) -> None:
    from recommender.services import questionnaires

    rng = random.Random(seed)
    row = questionnaires.latest("sa_discovery")
    q = questionnaires.questionnaire_for(row)
    session = db.session
    owner = User(email="bench@example.com", password_hash="x", role="sa")
    session.add(owner)
    session.flush()
    accounts = [{"name": f"Account {i}", "created_by_id": owner.id} for i in range(n)]
    session.execute(insert(Account), accounts)
    account_ids = [a.id for a in session.query(Account.id).order_by(Account.id)]
    session.execute(
        insert(Discovery),
        [{"account_id": aid, "questionnaire_version_id": row.id, "owner_id": owner.id} for aid in account_ids],
    )
    discovery_ids = [d.id for d in session.query(Discovery.id).order_by(Discovery.id)]
    answers = []
    for did in discovery_ids:
        for qid, question in q.questions.items():
            if question.type in ("text", "long_text", "email") or rng.random() < 0.15:
                continue
            answers.append({"discovery_id": did, "question_id": qid, "value": random_value(question, rng)})
    session.execute(insert(Answer), answers)
    session.commit()
    print(f"stored {len(discovery_ids)} discoveries, {len(answers)} answers")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--discoveries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="impact-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        with app.app_context():
            from recommender.services import authoring, questionnaires, rulesets

            questionnaires.load_directory()
            rulesets.import_directory()
            populate(args.discoveries)
            source = authoring.active_version("stripe").source
            old = "    value: 50_000_000\n"  # the enterprise_volume parameter
            assert old in source, "the benchmark's threshold moved; update bench/impact.py"
            draft = source.replace(old, "    value: 20_000_000\n", 1)
            times = []
            for run in range(args.runs):
                started = time.perf_counter()
                report = authoring.impact("stripe", draft)
                times.append(time.perf_counter() - started)
                print(
                    f"run {run + 1}: {times[-1]:.2f} s, {report.evaluated} saved, "
                    f"{report.fully_evaluated} evaluated with both versions, "
                    f"{len(report.items)} would change, {len(report.errors)} errors, ask-next "
                    f"compared for {report.ask_next_evaluated} ({report.ask_next_unchecked} not)"
                )
            print(f"median: {statistics.median(times):.2f} s for {report.evaluated} saved discoveries")
        db.engine.dispose()


if __name__ == "__main__":
    main()
