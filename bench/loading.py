"""Loading (parsing and checking) a ruleset, each load in a fresh process, against another
checkout (the commit before a change) in the same run, alternating.

    python -m bench.loading [-n 9] [--base /tmp/loading-base] [--data DIR]

Cases, each timed inside a fresh `python` process (imports, also the ones a load makes
lazily, and the questionnaire not counted; what a worker pays once per version):
- stripe: rules/stripe.yaml with its questionnaire, parsed and checked (cold);
- 5000 rules: `bench.engine.synthetic(5000)` (5,000 distinct conditions of 2-3 atoms, no
  questionnaire, no data files; rules/stripe.yaml repeated would pass the 2 MB file limit);
- published: rules/stripe.yaml as a worker loads a stored published version (no
  questionnaire; `checked=True` where the checkout has it, i.e. its check marker is stored,
  and `stored=` its stored parse where the checkout has that, made beforehand in another
  process so the timed one starts cold).
`--data` takes rules/ and forms/ from another directory (both checkouts read the same files).
Prints median and p99 in milliseconds per case and checkout, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import inspect, json, sys, time
from pathlib import Path
case, data = sys.argv[1], Path(sys.argv[2])
from recommender.engine import load_ruleset_text
from recommender.engine.loader import find_questionnaire, read_data_files
# Imported lazily by a load (solution_design checks, the questionnaire's field kinds): a
# worker has them from its start; they are imports, not loading.
import recommender.questionnaire.forms, recommender.readout
path = data / "rules" / ("stripe5000.yaml" if case == "5000 rules" else "stripe.yaml")
text = path.read_text(encoding="utf-8")
files = read_data_files(text, data / "rules" / "stripe.yaml") if case != "5000 rules" else {}
q = None if case != "stripe" else find_questionnaire(data / "forms", "sa_discovery")
kw = {}
params = inspect.signature(load_ruleset_text).parameters
if case == "published" and "checked" in params:
    kw["checked"] = True
if case == "published" and "stored" in params:
    kw["stored"] = (data / "stripe.parsed.json").read_text(encoding="utf-8")
t = time.perf_counter()
ruleset = load_ruleset_text(text, "stripe v1", q, files, **kw)
print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "rules": len(ruleset.rules)}))
"""


def write_5000(data: Path) -> None:
    """bench.engine's synthetic ruleset of 5,000 rules (rules/stripe.yaml's rules repeated
    would pass the 2 MB limit of a ruleset file)."""
    from bench.engine import synthetic

    (data / "rules" / "stripe5000.yaml").write_text(synthetic(5000), encoding="utf-8")


STORE = r"""
import sys
from pathlib import Path
from recommender.engine.loader import read_data_files, stored_form
data = Path(sys.argv[1])
text = (data / "rules" / "stripe.yaml").read_text(encoding="utf-8")
form = stored_form(text, "stripe v1", read_data_files(text, data / "rules" / "stripe.yaml"))
assert form is not None
(data / "stripe.parsed.json").write_text(form, encoding="utf-8")
"""


def write_stored(data: Path) -> None:
    """The stored parse of rules/stripe.yaml (as publishing makes it), for the published case."""
    subprocess.run(
        [sys.executable, "-c", STORE, str(data)],
        cwd=ROOT,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def run(checkout: Path, case: str, data: Path) -> float:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, case, str(data)],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
    )
    return float(json.loads(result.stdout.strip().splitlines()[-1])["ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=9)
    parser.add_argument("--base", default="/tmp/loading-base")
    parser.add_argument("--data", default=None, help="directory with rules/ and forms/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        source = Path(args.data) if args.data else ROOT
        for part in ("rules", "forms"):
            subprocess.run(["cp", "-r", str(source / part), str(data / part)], check=True)
        write_5000(data)
        write_stored(data)
        checkouts = {"before": Path(args.base), "now": ROOT}
        cases = ("stripe", "5000 rules", "published")
        samples = {(c, k): [] for c in cases for k in checkouts}  # type: dict[tuple[str, str], list[float]]
        for _ in range(args.n):
            for case in cases:
                for label, checkout in checkouts.items():
                    samples[(case, label)].append(run(checkout, case, data))
    for case in cases:
        p50s = {}
        for label in checkouts:
            values = sorted(samples[(case, label)])
            p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
            p50s[label] = statistics.median(values)
            print(f"{case:>11} {label:>6}: p50 {p50s[label]:7.1f} ms  p99 {p99:7.1f} ms")
        print(f"{case:>11}  ratio now / before (p50): {p50s['now'] / p50s['before']:.2f}")


if __name__ == "__main__":
    main()
