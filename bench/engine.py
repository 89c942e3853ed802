"""Engine benchmarks: durable-backed engine vs the plain-Python reference evaluator.

    python -m bench.engine [--quick]

(a) the default ruleset rules/stripe.yaml per evaluation; (b) synthetic rulesets of 100,
1,000 and 5,000 rules (conjunctions of 2-3 conditions over 30 answers); (c) the low-level
driver vs a Host with a Python callback per fired rule. Results are checked equal to the
reference before anything is timed. Prints medians, p99 and ratios.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recommender.engine import compile_ruleset, load_ruleset, load_ruleset_text
from recommender.engine.loader import find_questionnaire
from recommender.engine.reference import ReferenceEvaluator

ROOT = Path(__file__).resolve().parent.parent
OPTS = ["a", "b", "c", "d", "e"]
COUNTRIES = ["DE", "NL", "BE", "US", "GB", "FR", "BR", "JP"]
FIELDS = {f"s{i}": "single" for i in range(10)}
FIELDS |= {f"n{i}": "integer" for i in range(8)}
FIELDS |= {f"b{i}": "boolean" for i in range(6)}
FIELDS |= {f"c{i}": "country_list" for i in range(6)}


def timeit(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """(median, p99) in milliseconds over n calls."""
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def atom(rnd: random.Random, name: str) -> str:
    kind = FIELDS[name]
    if kind == "single":
        if rnd.random() < 0.7:
            return f"{name} == {rnd.choice(OPTS)}"
        return f"{name} in [{', '.join(rnd.sample(OPTS, 2))}]"
    if kind == "integer":
        return f"{name} {rnd.choice(['>', '<', '>=', '<='])} {rnd.randint(0, 100)}"
    if kind == "boolean":
        return name
    return f"{name} contains {rnd.choice(COUNTRIES)}"


def synthetic(n_rules: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    lines = [
        "name: synthetic",
        "version: 1",
        "questionnaire: synthetic",
        "products:",
        *[f"  - {{id: p{i}, name: P{i}, family: other}}" for i in range(40)],
        "risks:",
        *[f"  - {{id: k{i}, title: K{i}, severity: medium, mitigation: m}}" for i in range(10)],
        "rules:",
    ]
    for i in range(n_rules):
        names = rnd.sample(list(FIELDS), rnd.randint(2, 3))
        when = " and ".join(atom(rnd, name) for name in names)
        lines += [f"  - id: r{i}", f"    when: {when}", f"    priority: {rnd.randint(0, 5)}"]
        if rnd.random() < 0.8:
            lines.append(f"    recommend: [{{product: p{rnd.randrange(40)}}}]")
        else:
            lines.append(f"    flag: [{{risk: k{rnd.randrange(10)}}}]")
    return "\n".join(lines) + "\n"


def answers(rnd: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if rnd.random() < 0.15:
            continue
        if kind == "single":
            out[name] = rnd.choice(OPTS)
        elif kind == "integer":
            out[name] = rnd.randint(0, 100)
        elif kind == "boolean":
            out[name] = rnd.random() < 0.5
        else:
            out[name] = sorted(rnd.sample(COUNTRIES, rnd.randint(0, 4)))
    return out


def compare(
    label: str, compiled: Any, reference: Any, sets: list[dict[str, Any]], n: int, q: Any = None
) -> None:
    for a in sets:
        got = compiled.evaluate(a, q).to_dict()
        want = reference.evaluate(a, q).to_dict()
        assert got == want, f"{label}: durable and reference differ for {a}"
    it = iter(range(10**9))

    def run(ev: Any) -> Callable[[], Any]:
        return lambda: ev.evaluate(sets[next(it) % len(sets)], q)

    d50, d99 = timeit(run(compiled), n)
    r50, r99 = timeit(run(reference), n)
    print(
        f"  {label:<34} durable p50 {d50:7.3f} ms  p99 {d99:7.3f} ms | reference p50 {r50:7.3f} ms"
        f"  p99 {r99:7.3f} ms | ratio durable/reference {d50 / r50:5.2f}"
    )


def default_ruleset(n: int) -> None:
    path = ROOT / "rules" / "stripe.yaml"
    print(f"(a) default ruleset {path.relative_to(ROOT)}")
    if not path.exists():
        print("  rules/stripe.yaml missing: synthetic stand-in of 100 rules")
        ruleset, q = load_ruleset_text(synthetic(100), "synthetic.yaml"), None
    else:
        text = path.read_text()
        from recommender.engine.loader import questionnaire_id_of

        q = find_questionnaire(ROOT / "forms", questionnaire_id_of(text) or "")
        ruleset = load_ruleset(path, q)
    print(f"  {len(ruleset.rules)} rules, {len(ruleset.products)} products")
    rnd = random.Random(3)
    sets = [random_answers_for(q, rnd) if q else answers(rnd) for _ in range(50)]
    t = time.perf_counter()
    compiled = compile_ruleset(ruleset)
    print(f"  compile {1000 * (time.perf_counter() - t):.1f} ms")
    reference = ReferenceEvaluator(ruleset)

    class NoOpen:
        def __init__(self, ev: Any) -> None:
            self.ev = ev

        def evaluate(self, a: Any, q: Any = None) -> Any:
            return self.ev.evaluate(a, q, open_questions=False)

    compare("evaluate (no open questions)", NoOpen(compiled), NoOpen(reference), sets, n, q)
    if q is not None:
        compare("evaluate + open questions", compiled, reference, sets, n, q)
    fire_sets = [dict(a) for a in sets]
    it = iter(range(10**9))
    d50, d99 = timeit(lambda: compiled.fire(fire_sets[next(it) % 50]), n)
    r50, r99 = timeit(lambda: reference.fire(fire_sets[next(it) % 50]), n)
    print(
        f"  {'which rules fire (one round)':<34} durable p50 {d50:7.3f} ms  p99 {d99:7.3f} ms | reference p50 {r50:7.3f} ms  p99 {r99:7.3f} ms | ratio {d50 / r50:5.2f}"
    )
    compiled.close()


def random_answers_for(q: Any, rnd: random.Random) -> dict[str, Any]:
    """Plausible typed answers for a questionnaire (visible ones only)."""
    out: dict[str, Any] = {}
    for qid, question in q.questions.items():
        if rnd.random() < 0.25:
            continue
        kind = question.type
        options = [o.value for o in (question.options or [])]
        if kind == "single" and options:
            out[qid] = rnd.choice(options)
        elif kind == "multi" and options:
            out[qid] = [o for o in options if rnd.random() < 0.3]
        elif kind == "country":
            out[qid] = rnd.choice(COUNTRIES)
        elif kind == "country_list":
            out[qid] = sorted(rnd.sample(COUNTRIES, rnd.randint(1, 4)))
        elif kind == "boolean":
            out[qid] = rnd.random() < 0.5
        elif kind == "integer":
            out[qid] = rnd.randint(0, 500)
        elif kind in ("money", "percent"):
            out[qid] = rnd.choice([0.3, 1.2, 5000, 250_000, 30_000_000])
    return q.visible_answers(out)


def synthetic_sizes(sizes: list[int], n: int) -> None:
    print("(b) synthetic rulesets (conjunctions of 2-3 conditions over 30 answers)")
    rnd = random.Random(5)
    sets = [answers(rnd) for _ in range(50)]
    for size in sizes:
        ruleset = load_ruleset_text(synthetic(size), f"synthetic{size}.yaml")
        gc.collect()
        t = time.perf_counter()
        compiled = compile_ruleset(ruleset)
        compile_ms = 1000 * (time.perf_counter() - t)
        print(
            f"  {size} rules: compile {compile_ms:.0f} ms ({len(compiled.base.shards._handles) if compiled.base.shards else 0} shards)"
        )
        compare(f"{size} rules", compiled, ReferenceEvaluator(ruleset), sets, n)
        compiled.close()


BASELINE_COMMIT = "e4d89a5"  # main before the method and market data tables (issue 8)


def before_after(n: int, baseline: str = BASELINE_COMMIT) -> None:
    """The default ruleset now (with its data tables) vs the one at `baseline`, on the same
    answer sets, interleaved in one run: full evaluation with open questions."""
    import subprocess

    print(f"(a0) default ruleset before (git {baseline}) and after, same run, interleaved")
    try:
        old_text = subprocess.run(
            ["git", "show", f"{baseline}:rules/stripe.yaml"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        print(f"  baseline {baseline} not in this clone's history: skipped")
        return
    q = find_questionnaire(ROOT / "forms", "sa_discovery")
    old = compile_ruleset(load_ruleset_text(old_text, "stripe-before.yaml"))
    new = compile_ruleset(load_ruleset(ROOT / "rules" / "stripe.yaml", q))
    rnd = random.Random(11)
    sets = [random_answers_for(q, rnd) for _ in range(50)]
    for a in sets:  # warm both (template compilation, caches)
        old.evaluate(a, q)
        new.evaluate(a, q)
    times: dict[str, list[float]] = {"before": [], "after": []}
    for i in range(n):
        a = sets[i % 50]
        for label, ev in (
            (("before", old), ("after", new)) if i % 2 else (("after", new), ("before", old))
        ):
            t = time.perf_counter()
            ev.evaluate(a, q)
            times[label].append(1000 * (time.perf_counter() - t))
    stats = {}
    for label, values in times.items():
        values.sort()
        stats[label] = (statistics.median(values), values[int(0.99 * (len(values) - 1))])
        print(
            f"  {label:<7} {len(old.ruleset.rules) if label == 'before' else len(new.ruleset.rules)} rules"
            f"  p50 {stats[label][0]:.3f} ms  p99 {stats[label][1]:.3f} ms"
        )
    print(f"  ratio after/before p50 {stats['after'][0] / stats['before'][0]:.2f}")
    old.close()
    new.close()


def drivers(n: int) -> None:
    print("(c) driver: low-level durable_rules_engine vs Host + Python callback per fired rule")
    from recommender.engine import cond
    from recommender.engine.durable import CallbackShards, RuleShards

    ruleset = load_ruleset_text(synthetic(1000), "synthetic1000.yaml")
    compiled_rules = [(r.id, cond.to_durable(r.condition, ruleset.sets)) for r in ruleset.rules]
    low, cb = RuleShards(compiled_rules, "low"), CallbackShards(compiled_rules, "cb")
    rnd = random.Random(9)
    sets = [answers(rnd) for _ in range(50)]
    for a in sets:
        assert low.fired(a) == cb.fired(a)
    fired = statistics.mean(len(low.fired(a)) for a in sets)
    it = iter(range(10**9))
    l50, l99 = timeit(lambda: low.fired(sets[next(it) % 50]), n)
    c50, c99 = timeit(lambda: cb.fired(sets[next(it) % 50]), n)
    print(
        f"  1000 rules, {fired:.0f} fired on average: low-level p50 {l50:.3f} ms p99 {l99:.3f} ms"
        f" | callbacks p50 {c50:.3f} ms p99 {c99:.3f} ms | ratio {c50 / l50:.1f}x"
    )
    low.close()
    cb.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args(argv)
    n = 200 if args.quick else 1000
    before_after(n)
    default_ruleset(n)
    synthetic_sizes([100, 1000, 5000], max(50, n // 5))
    drivers(max(50, n // 5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
