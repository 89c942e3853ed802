"""Differential run of the default ruleset (executed in a child process by test_market_data).

Random realistic answer sets over the 30 markets: the durable-backed engine and the reference
evaluator must give the same Result, including the facts computed from the data tables and
the per-market plan. Prints a JSON report; exits 1 on a mismatch.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from recommender.engine import compile_ruleset, load_ruleset
from recommender.engine.loader import load_questionnaires
from recommender.engine.reference import ReferenceEvaluator
from tests.engine.answer_sets import random_answers

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    form = load_questionnaires(ROOT / "forms")["sa_discovery"]
    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", form)
    compiled = compile_ruleset(ruleset)
    reference = ReferenceEvaluator(ruleset)
    rnd = random.Random(8)
    compared = 0
    for _ in range(300):
        answers = random_answers(form, rnd)
        got = compiled.evaluate(answers, form).to_dict()
        want = reference.evaluate(answers, form).to_dict()
        if got != want:
            diff = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
            print(json.dumps({"ok": False, "answers": answers, "diff": diff}, default=str)[:4000])
            return 1
        compared += 1
    compiled.close()
    print(json.dumps({"ok": True, "compared": compared}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
