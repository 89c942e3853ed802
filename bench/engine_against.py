"""The engine of this checkout against the engine of another, alternating child processes.

    git worktree add /tmp/engine-before <rev>
    python -m bench.engine_against /tmp/engine-before [--rounds 4] [-n 1000]

Each round runs one child per checkout (in turn, the order alternating), each importing its
own `recommender` and timing, on the same answer sets: the default ruleset's `evaluate`
(without and with open questions) and `fire`, and the synthetic 1,000- and 5,000-rule
rulesets' `fire` and `evaluate` (bench/engine.py's generator and answers). Prints the median
over the rounds of each child's p50 and p99, and the ratio this/other.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, random, statistics, sys, time
from pathlib import Path
from bench.engine import answers, random_answers_for, synthetic
from recommender.engine import compile_ruleset, load_ruleset, load_ruleset_text
from recommender.engine.loader import find_questionnaire, questionnaire_id_of

n = int(sys.argv[1])
out = {}

def timed(f, sets, count):
    samples = []
    for i in range(count):
        a = sets[i % len(sets)]
        t = time.perf_counter()
        f(a)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return [statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]]

path = Path("rules/stripe.yaml")
q = find_questionnaire(Path("forms"), questionnaire_id_of(path.read_text()) or "")
c = compile_ruleset(load_ruleset(path, q))
rnd = random.Random(3)
sets = [random_answers_for(q, rnd) for _ in range(50)]
for a in sets:
    c.evaluate(a, q)
out["default evaluate"] = timed(lambda a: c.evaluate(a, q, open_questions=False), sets, n)
out["default evaluate + open"] = timed(lambda a: c.evaluate(a, q), sets, n)
out["default fire"] = timed(c.fire, sets, n)
rnd = random.Random(5)
sets = [answers(rnd) for _ in range(50)]
for size in (1000, 5000):
    c = compile_ruleset(load_ruleset_text(synthetic(size), "s.yaml"))
    count = n if size == 1000 else max(50, n // 5)
    for a in sets[:5]:
        c.evaluate(a)
    out[f"{size} rules fire"] = timed(c.fire, sets, count)
    out[f"{size} rules evaluate"] = timed(c.evaluate, sets, count)
    c.close()
print(json.dumps(out))
"""


def run(tree: Path, n: int) -> dict[str, list[float]]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(n)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{tree}: child failed\n{done.stderr[-3000:]}")
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("other", type=Path, help="another checkout (e.g. a git worktree)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("-n", type=int, default=1000, help="calls per case and child")
    args = parser.parse_args(argv)
    trees = {"this": ROOT, "other": args.other.resolve()}
    results: dict[str, list[dict[str, list[float]]]] = {label: [] for label in trees}
    for r in range(args.rounds):
        for label in ("this", "other") if r % 2 else ("other", "this"):
            results[label].append(run(trees[label], args.n))
    print(f"this: {ROOT}  other: {trees['other']}  ({args.rounds} rounds, median of each)")
    for case in results["this"][0]:
        stats = {
            label: [statistics.median(x[case][k] for x in results[label]) for k in (0, 1)]
            for label in trees
        }
        print(
            f"  {case:<26} other p50 {stats['other'][0]:7.3f} p99 {stats['other'][1]:7.3f} ms"
            f" | this p50 {stats['this'][0]:7.3f} p99 {stats['this'][1]:7.3f} ms"
            f" | this/other {stats['this'][0] / stats['other'][0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
