"""Co-pilot benchmark (issue 10): what "ask next" adds to an evaluation, before and after.

    .venv/bin/python -m bench.copilot [-n 200] [--rounds 3] [--baseline 8248e4f] [--fill 0.5]

On the default ruleset (rules/stripe.yaml with forms/sa_discovery.yaml) and 40 typical
half-answered discoveries (`--fill 0.1`: nearly empty ones, a call's first minutes), times `CompiledRuleset.evaluate` without open questions and with
them (what the panel asks for on every answer), for the engine of this tree ("after") and of
the baseline commit ("before": `git archive` of its `recommender/` into a temporary
directory). Each engine runs in its own child process (two copies of one package cannot share
a process); the children alternate `--rounds` times on the same answer sets, so load changes
hit both alike. Also times `why_not` (on demand, one product) in this tree. Prints p50/p99.
Not a test: nothing asserts a time.

    .venv/bin/python -m bench.copilot --asknext-against /tmp/asknext-base [--fill 0.1]

times only `asknext.open_questions` in one process, on the arguments `build` hands it for
the 40 discoveries: this tree's `asknext` and `whatif` modules against those of another
checkout (loaded from its files under other names; both use this tree's other engine modules
and the compiled ruleset of `--data`, so it fits a change confined to those two files),
alternating 30 times; prints the medians and the ratio (finer than the difference of two
evaluate timings above). Each side's output is checked to be equal first.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "8248e4f"  # main before the co-pilot's analysis (show_if gating, exclusions)


def answer_sets(n: int = 40, seed: int = 10, fill: float = 0.5) -> list[dict[str, Any]]:
    """Partly answered discoveries: random plausible answers, `fill` of them kept (half by
    default), visible only."""
    sys.path.insert(0, str(ROOT))
    from recommender.engine.loader import find_questionnaire
    from tests.engine.answer_sets import random_answers

    q = find_questionnaire(ROOT / "forms", "sa_discovery")
    assert q is not None, "forms/sa_discovery.yaml is missing"
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        full = random_answers(q, rnd)
        keys = sorted(full)
        rnd.shuffle(keys)
        out.append(q.visible_answers({k: full[k] for k in keys[: int(len(keys) * fill)]}))
    return out


def child(sets_path: str, n: int, data_root: str) -> None:
    """Runs inside a child whose sys.path starts with the engine's tree: prints the samples
    (ms) of evaluate without and with open questions, interleaved, as JSON. The ruleset and
    questionnaire come from `data_root` (this tree's rules/ and forms/, for both engines)."""
    from recommender.engine import compile_ruleset, load_ruleset
    from recommender.engine.loader import find_questionnaire

    sets = json.loads(Path(sets_path).read_text())
    q = find_questionnaire(Path(data_root) / "forms", "sa_discovery")
    compiled = compile_ruleset(load_ruleset(Path(data_root) / "rules" / "stripe.yaml", q))
    for a in sets:  # warm up: templates compiled, caches filled
        compiled.evaluate(a, q)
    samples: dict[str, list[float]] = {"plain": [], "open": []}
    for i in range(n):
        a = sets[i % len(sets)]
        for label, flag in (("plain", False), ("open", True)):
            t = time.perf_counter()
            compiled.evaluate(a, q, open_questions=flag)
            samples[label].append(1000 * (time.perf_counter() - t))
    compiled.close()
    print(json.dumps(samples))


def _run_child(tree: Path, sets_path: Path, n: int, data: Path = ROOT) -> dict[str, list[float]]:
    code = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); sys.path.insert(1, {str(ROOT)!r}); "
        f"from bench.copilot import child; child({str(sets_path)!r}, {n}, {str(data)!r})"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"engine in {tree} failed:\n{out.stderr[-3000:]}")
    samples: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return samples


def _baseline_tree(commit: str, into: Path) -> Path | None:
    """`recommender/` of `commit` (with the schemas in its forms/ and rules/) extracted into
    `into`, plus this benchmark (None when the commit is unknown)."""
    archive = into / "baseline.tar"
    try:
        with archive.open("wb") as fh:
            subprocess.run(
                ["git", "archive", commit, "recommender", "forms", "rules"],
                cwd=ROOT,
                stdout=fh,
                check=True,
            )
    except (OSError, subprocess.CalledProcessError):
        return None
    tree = into / "baseline"
    tree.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    (tree / "bench").mkdir()
    (tree / "bench" / "__init__.py").write_text("")
    (tree / "bench" / "copilot.py").write_text(Path(__file__).read_text())
    return tree


def _stats(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(0.99 * (len(values) - 1))]


def before_after(n: int, rounds: int, baseline: str, fill: float = 0.5, data: Path = ROOT) -> None:
    print(f"(a) evaluate on 40 discoveries {fill:.0%} answered, this tree vs git {baseline}")
    with tempfile.TemporaryDirectory(prefix="bench-copilot-") as tmp:
        sets_path = Path(tmp) / "sets.json"
        sets_path.write_text(json.dumps(answer_sets(fill=fill)))
        old = _baseline_tree(baseline, Path(tmp))
        if old is None:
            print(f"  baseline {baseline} not in this clone's history: only 'after'")
        trees = [("after", ROOT)] + ([("before", old)] if old is not None else [])
        samples: dict[str, dict[str, list[float]]] = {
            label: {"plain": [], "open": []} for label, _ in trees
        }
        for r in range(rounds):
            for label, tree in trees if r % 2 == 0 else list(reversed(trees)):
                got = _run_child(tree, sets_path, n, data)
                for kind, values in got.items():
                    samples[label][kind] += values
    for label, _ in trees:
        plain50, plain99 = _stats(samples[label]["plain"])
        open50, open99 = _stats(samples[label]["open"])
        print(
            f"  {label:<6} no open questions p50 {plain50:6.2f} ms p99 {plain99:6.2f} ms | "
            f"with open questions p50 {open50:6.2f} ms p99 {open99:6.2f} ms | "
            f"ask next adds p50 {open50 - plain50:5.2f} ms"
        )


def asknext_against(other: Path, fill: float, data: Path = ROOT, reps: int = 30) -> None:
    """`asknext.open_questions` of this tree vs of `other`, in one process (see above)."""
    import importlib.util

    from recommender.engine import asknext, compile_ruleset, load_ruleset
    from recommender.engine.loader import find_questionnaire

    def load(name: str, path: Path) -> Any:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    engine = other / "recommender" / "engine"
    other_whatif = load("bench_other_whatif", engine / "whatif.py")
    other_asknext = load("bench_other_asknext", engine / "asknext.py")
    other_asknext.WhatIf = other_whatif.WhatIf
    q = find_questionnaire(data / "forms", "sa_discovery")
    compiled = compile_ruleset(load_ruleset(data / "rules" / "stripe.yaml", q))
    calls: list[tuple[Any, ...]] = []
    mine = asknext.open_questions

    def spy(*args: Any) -> Any:
        calls.append(args)
        return mine(*args)

    asknext.open_questions = spy  # type: ignore[assignment]
    try:
        for a in answer_sets(fill=fill):
            compiled.evaluate(a, q)
    finally:
        asknext.open_questions = mine
    for args in calls:
        assert mine(*args) == other_asknext.open_questions(*args), "the outputs differ"
    times: dict[str, list[float]] = {"this": [], "other": []}
    sides = [("this", mine), ("other", other_asknext.open_questions)]
    for r in range(reps):
        for label, fn in sides if r % 2 == 0 else sides[::-1]:
            t = time.perf_counter()
            for args in calls:
                fn(*args)
            times[label].append(1000 * (time.perf_counter() - t) / len(calls))
    compiled.close()
    this, that = statistics.median(times["this"]), statistics.median(times["other"])
    print(f"(c) open_questions per evaluation, {fill:.0%} answered, {reps} alternations")
    print(f"  this tree p50 {this:.3f} ms | {other} p50 {that:.3f} ms | ratio {this / that:.2f}")


def why_not(n: int) -> None:
    from recommender.engine import compile_ruleset, load_ruleset
    from recommender.engine.loader import find_questionnaire

    print("(b) why_not (on demand), this tree")
    q = find_questionnaire(ROOT / "forms", "sa_discovery")
    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", q)
    compiled = compile_ruleset(ruleset)
    sets = answer_sets()
    rnd = random.Random(3)
    times = []
    for i in range(n):
        a = sets[i % len(sets)]
        missing = [p for p in ruleset.products if p not in compiled.summarize(a).products]
        pid = rnd.choice(missing)
        t = time.perf_counter()
        compiled.why_not(a, pid, q)
        times.append(1000 * (time.perf_counter() - t))
    p50, p99 = _stats(times)
    print(f"  one product not recommended: p50 {p50:6.1f} ms p99 {p99:6.1f} ms")
    compiled.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=200, help="evaluations per child and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--fill", type=float, default=0.5, help="share of answers kept")
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT,
        help="the checkout whose rules/ and forms/ both engines load (default this one)",
    )
    parser.add_argument(
        "--asknext-against",
        type=Path,
        help="only time asknext.open_questions against this checkout's, in one process",
    )
    parser.add_argument("--no-why-not", action="store_true", help="skip (b)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.asknext_against is not None:
        asknext_against(args.asknext_against, args.fill, args.data)
        return
    before_after(args.n, args.rounds, args.baseline, args.fill, args.data)
    if not args.no_why_not:
        why_not(max(20, args.n // 4))


if __name__ == "__main__":
    main()
