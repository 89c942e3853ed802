"""Loading (parsing and checking) rules/stripe.yaml: rule-text checks remembered per process
against the same loads with that memo emptied before each one, interleaved in one run.

    python -m bench.loading [-n 15]

Prints median and p99 in milliseconds and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from recommender.engine import load_ruleset, templates
from recommender.engine.loader import find_questionnaire

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=15)
    args = parser.parse_args()
    q = find_questionnaire(str(ROOT / "forms"), "sa_discovery")
    path = ROOT / "rules" / "stripe.yaml"
    load_ruleset(path, q)  # imports, schema validators, questionnaire: warm
    samples: dict[str, list[float]] = {"checks not remembered": [], "checks remembered": []}
    for _ in range(args.n):
        for label in samples:
            if label == "checks not remembered":
                templates._PROBLEMS.clear()
            t = time.perf_counter()
            load_ruleset(path, q)
            samples[label].append((time.perf_counter() - t) * 1000)
    for label, values in samples.items():
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        print(f"{label:>22}: p50 {statistics.median(values):7.1f} ms  p99 {p99:7.1f} ms")
    base, new = (statistics.median(v) for v in samples.values())
    print(f"ratio remembered / not remembered (p50): {new / base:.2f}")


if __name__ == "__main__":
    main()
