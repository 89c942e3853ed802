"""The engine against its peers: the same synthetic rulesets, match only.

    python -m bench.peers [--quick] [--sizes 100,1000,5000]

The rulesets are bench/engine.py's synthetic ones (conjunctions of 2-3 conditions over 30
answers: `s == v`, `s in [v, w]`, `n > k`, a bare boolean, `c contains XX`) at 100, 1,000 and
5,000 rules, and each engine answers "which rules hold for this answer set":

- engine: `CompiledRuleset.fire` (durable_rules behind the anchor index, the product's path);
- engine, no index: the same compiled with `index=False` (every shard sees every fact);
- zen: GoRules zen-engine (PyPI `zen-engine`), one JDM decision table, hit policy "collect",
  one input column per answer and one row per rule (an empty cell matches anything);
- clips: CLIPS through clipspy, one `answers` template (a slot per answer, a multislot per
  list answer), one defrule per rule; the matched rules are read from the agenda after the
  fact is asserted (no rule is run), then the fact is retracted;
- python: an indexed plain-Python matcher (rules indexed by their equality and membership
  tests, each candidate checked with precompiled tests).

Every engine's matched rule set is checked equal to the engine's (and to the reference
evaluator's) on every answer set before anything is timed. Then the engines are timed
interleaved, call by call, on the same answer sets; medians, p99 and ratios are printed.
The peers are optional (`pip install -e .[bench]`): a missing one is reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import operator
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.engine import FIELDS, answers, synthetic
from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.engine import cond as c
from recommender.engine.model import Ruleset
from recommender.engine.reference import ReferenceEvaluator

Matcher = Callable[[dict[str, Any]], frozenset[str]]
LISTS = [name for name, kind in FIELDS.items() if kind == "country_list"]


def atoms(ruleset: Ruleset) -> list[tuple[str, list[Any]]]:
    """Each rule as (id, its atoms); the synthetic rules are conjunctions of atoms over
    distinct answers."""
    out = []
    for rule in ruleset.rules:
        node = rule.condition
        parts = list(node.operands) if isinstance(node, c.And) else [node]
        names = [getattr(getattr(p, "subject", p), "name", None) for p in parts]
        if len(set(names)) != len(names):
            raise ValueError(f"{rule.id}: two conditions on one answer")
        out.append((rule.id, parts))
    return out


def _name(atom: Any) -> str:
    return str(atom.name if isinstance(atom, c.Truthy) else atom.subject.name)


# --- zen-engine --------------------------------------------------------------------------


def zen_cell(atom: Any) -> str:
    """A decision-table cell (a unary test on the column's answer `$`)."""
    if isinstance(atom, c.Truthy):
        return "true"
    if isinstance(atom, c.Compare):
        value = json.dumps(atom.value.value)
        return value if atom.op == "==" else f"{atom.op} {value}"
    if isinstance(atom, c.In) and not atom.negated:
        return ", ".join(json.dumps(v.value) for v in atom.values.items)
    if isinstance(atom, c.Contains) and atom.mode == "one":
        return f"contains($, {json.dumps(atom.values.value)})"
    raise ValueError(f"no zen cell for {atom}")


def zen_matcher(ruleset: Ruleset) -> Matcher:
    import zen

    fields = list(FIELDS)
    rows = []
    for rule_id, parts in atoms(ruleset):
        row = {"_id": rule_id, "out": json.dumps(rule_id)}
        row |= {f"i_{name}": "" for name in fields}
        for atom in parts:
            row[f"i_{_name(atom)}"] = zen_cell(atom)
        rows.append(row)
    position = {"x": 0, "y": 0}
    model = {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "answers", "position": position},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "rules",
                "position": position,
                "content": {
                    "hitPolicy": "collect",
                    "inputs": [{"id": f"i_{n}", "name": n, "field": n} for n in fields],
                    "outputs": [{"id": "out", "name": "rule", "field": "rule"}],
                    "rules": rows,
                },
            },
            {"id": "out", "type": "outputNode", "name": "result", "position": position},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }
    # ZenDecisionContent: the model is parsed and its expressions compiled once
    decision = zen.ZenEngine().create_decision(zen.ZenDecisionContent(json.dumps(model)))
    options = {"trace": False}

    def match(facts: dict[str, Any]) -> frozenset[str]:
        return frozenset(r["rule"] for r in decision.evaluate(facts, options)["result"])

    return match


# --- CLIPS -------------------------------------------------------------------------------


def clips_pattern(atom: Any) -> str:
    """A slot constraint of the one `answers` pattern."""
    name = _name(atom)
    if isinstance(atom, c.Truthy):
        return f"({name} TRUE)"
    if isinstance(atom, c.Compare):
        value = json.dumps(atom.value.value)
        if atom.op == "==":
            return f"({name} {value})"
        return f"({name} ?{name}&:(and (numberp ?{name}) ({atom.op} ?{name} {value})))"
    if isinstance(atom, c.In) and not atom.negated:
        return f"({name} ?{name}&{'|'.join(json.dumps(v.value) for v in atom.values.items)})"
    if isinstance(atom, c.Contains) and atom.mode == "one":
        return f"({name} $? {json.dumps(atom.values.value)} $?)"
    raise ValueError(f"no CLIPS pattern for {atom}")


class ClipsMatcher:
    def __init__(self, ruleset: Ruleset) -> None:
        import clips

        self.env = clips.Environment()
        slots = " ".join(f"(multislot {n})" if n in LISTS else f"(slot {n})" for n in FIELDS)
        self.env.build(f"(deftemplate answers {slots})")
        for rule_id, parts in atoms(ruleset):
            patterns = " ".join(clips_pattern(a) for a in parts)
            self.env.build(f"(defrule {rule_id} (answers {patterns}) => )")
        self.template = self.env.find_template("answers")

    def __call__(self, facts: dict[str, Any]) -> frozenset[str]:
        fact = self.template.assert_fact(**facts)
        try:
            return frozenset(a.name for a in self.env.activations())
        finally:
            fact.retract()


# --- indexed plain Python ----------------------------------------------------------------

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def python_test(atom: Any) -> tuple[Callable[[dict[str, Any]], bool], tuple[str, Any] | None]:
    """(test, index key or None): the key is (answer, value) for tests an index can find."""
    name = _name(atom)
    if isinstance(atom, c.Truthy):
        return (lambda f: f.get(name) is True), (name, True)
    if isinstance(atom, c.Compare) and atom.op == "==":
        value = atom.value.value
        return (lambda f: f.get(name) == value), (name, value)
    if isinstance(atom, c.Compare):
        op, bound = _OPS[atom.op], atom.value.value

        def numeric(f: dict[str, Any]) -> bool:
            v = f.get(name)
            return v is not None and not isinstance(v, bool) and op(v, bound)

        return numeric, None
    if isinstance(atom, c.In) and not atom.negated:
        values = frozenset(v.value for v in atom.values.items)
        return (lambda f: f.get(name) in values), None
    if isinstance(atom, c.Contains) and atom.mode == "one":
        item = atom.values.value
        return (lambda f: item in (f.get(name) or ())), (name, item)
    raise ValueError(f"no Python test for {atom}")


class PythonMatcher:
    """Rules indexed by one equality/membership test each; candidates checked in full."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.index: dict[tuple[str, Any], list[tuple[str, list[Any]]]] = {}
        self.always: list[tuple[str, list[Any]]] = []
        for rule_id, parts in atoms(ruleset):
            tests = [python_test(a) for a in parts]
            keys = [k for _, k in tests if k is not None]
            entry = (rule_id, [t for t, _ in tests])
            if keys:
                self.index.setdefault(keys[0], []).append(entry)
            else:
                self.always.append(entry)

    def __call__(self, facts: dict[str, Any]) -> frozenset[str]:
        index = self.index
        candidates = list(self.always)
        for name, value in facts.items():
            for v in value if isinstance(value, list) else (value,):
                found = index.get((name, v))
                if found:
                    candidates += found
        return frozenset(rid for rid, tests in candidates if all(t(facts) for t in tests))


# --- the run -----------------------------------------------------------------------------


def engine_matcher(ruleset: Ruleset, index: bool = True) -> tuple[Matcher, Any]:
    compiled = compile_ruleset(ruleset, index=index)
    ids = [r.id for r in ruleset.rules]

    def match(facts: dict[str, Any]) -> frozenset[str]:
        return frozenset(ids[i] for i in compiled.fire(facts))

    return match, compiled


def peers(ruleset: Ruleset) -> dict[str, Matcher]:
    out: dict[str, Matcher] = {}
    for label, build in (("zen", zen_matcher), ("clips", ClipsMatcher)):
        try:
            out[label] = build(ruleset)
        except ImportError as exc:
            print(f"  {label}: not installed ({exc.name}); `pip install -e .[bench]` adds it")
    out["python"] = PythonMatcher(ruleset)
    return out


def run_size(size: int, n: int, sets: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    ruleset = load_ruleset_text(synthetic(size), f"synthetic{size}.yaml")
    matchers: dict[str, Matcher] = {}
    compiled = []
    for label, index in (("engine", True), ("engine, no index", False)):
        matcher, handle = engine_matcher(ruleset, index)
        matchers[label] = matcher
        compiled.append(handle)
    matchers |= peers(ruleset)
    reference = ReferenceEvaluator(ruleset)
    ids = [r.id for r in ruleset.rules]
    matched = 0
    for facts in sets:
        want = matchers["engine"](facts)
        assert want == frozenset(ids[i] for i in reference.fire(facts)), "engine != reference"
        for label, matcher in matchers.items():
            got = matcher(facts)
            assert got == want, f"{size} rules: {label} matched {sorted(got ^ want)} differently"
        matched += len(want)
    labels = list(matchers)
    times: dict[str, list[float]] = {label: [] for label in labels}
    order = random.Random(size)
    for i in range(n):
        facts = sets[i % len(sets)]
        # a random order each time: no engine always runs right after the same one (the
        # two durable-backed ones would share warm caches)
        for label in order.sample(labels, len(labels)):
            matcher = matchers[label]
            t = time.perf_counter()
            matcher(facts)
            times[label].append((time.perf_counter() - t) * 1000)
    stats: dict[str, tuple[float, float]] = {}
    for label, values in times.items():
        values.sort()
        stats[label] = (statistics.median(values), values[int(0.99 * (len(values) - 1))])
    base = stats["engine"][0]
    print(
        f"{size} rules ({matched / len(sets):.0f} match per answer set on average;"
        f" all engines agree on {len(sets)} answer sets), {n} calls each:"
    )
    for label, (p50, p99) in stats.items():
        print(
            f"  {label:<17} p50 {p50:8.3f} ms  p99 {p99:8.3f} ms  engine/{label} {base / p50:6.2f}"
        )
    for handle in compiled:
        handle.close()
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    parser.add_argument("--sizes", default="100,1000,5000")
    args = parser.parse_args(argv)
    n = 300 if args.quick else 2000
    rnd = random.Random(5)
    sets = [answers(rnd) for _ in range(50)]
    print("Engine against peers: which rules hold (match only), same rulesets and answers")
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, n if size < 5000 else max(100, n // 4), sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
