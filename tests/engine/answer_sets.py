"""Random, realistic typed answer sets for `forms/sa_discovery.yaml` (tests only): countries
mostly from the 30 markets of DOMAIN.md section 5b, amounts around the rules' thresholds."""

from __future__ import annotations

import random
from typing import Any

from recommender.questionnaire.countries import COUNTRIES

MARKETS = [
    "US", "CA", "MX", "BR", "AR", "CO", "GB", "IE", "DE", "FR", "NL", "BE", "ES", "IT", "PL",
    "AT", "CH", "SE", "NO", "DK", "FI", "PT", "JP", "IN", "SG", "AU", "NZ", "HK", "CN", "AE",
]  # fmt: skip


def random_answers(q: Any, rnd: random.Random) -> dict[str, Any]:
    """Plausible typed answers: countries mostly from the 30 markets of DOMAIN.md 5b."""
    out: dict[str, Any] = {}
    for qid, question in q.questions.items():
        if rnd.random() < 0.2:
            continue
        kind = question.type
        options = [o.value for o in (question.options or [])]
        if kind == "single" and options:
            out[qid] = rnd.choice(options)
        elif kind == "multi" and options:
            out[qid] = [o for o in options if rnd.random() < 0.35] or [rnd.choice(options)]
        elif kind == "country":
            out[qid] = rnd.choice(MARKETS)
        elif kind == "country_list":
            pool = MARKETS if rnd.random() < 0.9 else sorted(COUNTRIES)
            out[qid] = sorted(rnd.sample(pool, rnd.randint(1, 6)))
        elif kind == "boolean":
            out[qid] = rnd.random() < 0.5
        elif kind == "integer":
            out[qid] = rnd.choice([0, 3, 40, 200, 2_000_000])
        elif kind == "money":
            out[qid] = rnd.choice([25, 180, 1_500, 40_000, 900_000, 30_000_000, 120_000_000])
        elif kind == "percent":
            out[qid] = rnd.choice([0.1, 0.5, 0.9, 2.4, 91.5])
    return q.visible_answers(out)
