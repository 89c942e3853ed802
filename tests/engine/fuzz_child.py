"""Differential fuzz run (executed in a child process by test_fuzz.py).

Random rulesets over ~30 typed answers of every kind (negations, in/not in, contains*,
count, answered, chaining; calculations with + - * / and parentheses, between,
contains_none, count(x in ...), $parameters, named conditions and calculated facts; half of
them with decision tables of every hit policy, whose rows become rules) x random answer sets, some answers a stored `None`: the
durable-backed engine must give the same Result as the plain-Python reference evaluator, and
an answer set with `None` values the same Result and summary as without those ids. Prints a
JSON report; exits 1 on a mismatch. A segfault in durable_rules kills only this process.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
from typing import Any

from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.engine.reference import ReferenceEvaluator
from recommender.questionnaire.countries import COUNTRIES as COUNTRY_NAMES

OPTS = ["a", "b", "c", "d"]
COUNTRIES = ["DE", "NL", "BE", "US", "GB", "FR"]
FIELDS: dict[str, str] = {}
for n in range(5):
    FIELDS[f"s{n}"] = "single"
    FIELDS[f"m{n}"] = "multi"
    FIELDS[f"b{n}"] = "boolean"
    FIELDS[f"i{n}"] = "integer"
    FIELDS[f"f{n}"] = "money"
    FIELDS[f"c{n}"] = "country_list"
DERIVED = {"seg": ["big", "small", "mid"], "tier": ["one", "two"]}
NUMERIC = [n for n, k in FIELDS.items() if k in ("integer", "money")]
LISTS = [n for n, k in FIELDS.items() if k in ("multi", "country_list")]
# Named conditions and parameters every fuzz ruleset declares (values drawn per ruleset).
NAMED = ["nc0", "nc1", "nc2"]


def operand(rnd: random.Random, depth: int = 0, calculated: bool = True) -> str:
    """A calculation over numeric answers, counts, calculated facts and constants."""
    if depth >= 2 or rnd.random() < 0.45:
        pick = rnd.random()
        if pick < 0.5:
            return rnd.choice(NUMERIC)
        if pick < 0.65:
            return f"count({rnd.choice(LISTS)})"
        if pick < 0.8:
            name = rnd.choice(LISTS)
            pool = OPTS if FIELDS[name] == "multi" else COUNTRIES
            if FIELDS[name] == "country_list" and rnd.random() < 0.3:
                return f"count({name} in @eu)"
            return f"count({name} in [{', '.join(rnd.sample(pool, rnd.randint(1, 3)))}])"
        if pick < 0.9 and calculated:
            return rnd.choice(["calc0", "calc1"])
        return rnd.choice(["2", "0.5", "3", "$p_int", "-1"])
    op = rnd.choice(["+", "-", "*", "/"])
    left = operand(rnd, depth + 1, calculated)
    if op == "/" and rnd.random() < 0.7:  # mostly constant divisors (compiled for durable)
        right = rnd.choice(["2", "4", "0.5", "$p_rate", "3"])
    else:  # an answer as divisor: decided in Python, /0 included
        right = operand(rnd, depth + 1, calculated)
    text = f"{left} {op} {right}"
    return f"({text})" if rnd.random() < 0.5 else text


def reading_operand(rnd: random.Random) -> str:
    """An operand that reads at least one answer (the left side of a comparison)."""
    text = operand(rnd)
    if not re.search(r"\b(count\(|[ifmc]\d|calc\d)", text):
        text = f"{rnd.choice(NUMERIC)} {rnd.choice(['+', '-', '*'])} {text}"
    return text


def calculation(rnd: random.Random, named: bool = True) -> str:
    """A comparison built with the issue-11 constructs."""
    r = rnd.random()
    if r < 0.15:
        low = rnd.choice(["0", "1", "$p_int", "2.5", "-1"])
        high = rnd.choice(["5", "100", "$p_money", "$p_int + 3"])
        return f"{reading_operand(rnd)} between {low} and {high}"
    if r < 0.3:
        name = rnd.choice(LISTS)
        pool = OPTS if FIELDS[name] == "multi" else COUNTRIES
        if FIELDS[name] == "country_list" and rnd.random() < 0.3:
            return f"{name} contains_none @eu"
        return f"{name} contains_none [{', '.join(rnd.sample(pool, rnd.randint(1, 3)))}]"
    if r < 0.4:
        op = rnd.choice([">=", "<", "==", "!="])
        return f"{rnd.choice(NUMERIC)} {op} {rnd.choice(['$p_int', '$p_money', '$p_int * 2'])}"
    if r < 0.5 and named:
        return rnd.choice(NAMED)
    op = rnd.choice(["==", "!=", "<", "<=", ">", ">="])
    right = rnd.choice(["0", "1", "2.5", "10", "-1", "$p_int", "$p_money", "$p_rate * 4"])
    return f"{reading_operand(rnd)} {op} {right}"


def lit(kind: str, rnd: random.Random) -> str:
    if kind in ("single", "multi"):
        return rnd.choice(OPTS)
    if kind == "country_list":
        return rnd.choice(COUNTRIES)
    if kind == "boolean":
        return rnd.choice(["true", "false"])
    if kind == "integer":
        return str(rnd.randint(-2, 6))
    return rnd.choice(["0", "2.5", "100", "1_000", "-1.5"])


def atom(rnd: random.Random, derived: bool, named: bool = True) -> str:
    if rnd.random() < 0.25:
        return calculation(rnd, named)
    if derived and rnd.random() < 0.2:
        fact = rnd.choice(list(DERIVED))
        values = DERIVED[fact]
        return rnd.choice(
            [
                f"{fact} == {rnd.choice(values)}",
                f"{fact} != {rnd.choice(values)}",
                f"{fact} in [{', '.join(rnd.sample(values, 2))}]",
                f"answered({fact})",
            ]
        )
    name = rnd.choice(list(FIELDS))
    kind = FIELDS[name]
    pick = rnd.random()
    if pick < 0.12:
        return rnd.choice([f"answered({name})", f"unanswered({name})", f"{name} is answered"])
    if kind == "boolean":
        return rnd.choice([name, f"{name} == {lit(kind, rnd)}", f"{name} != {lit(kind, rnd)}"])
    if kind in ("integer", "money"):
        op = rnd.choice(["==", "!=", "<", "<=", ">", ">="])
        if rnd.random() < 0.2:
            vals = ", ".join(lit(kind, rnd) for _ in range(rnd.randint(1, 3)))
            return f"{name} {rnd.choice(['in', 'not in'])} [{vals}]"
        return f"{name} {op} {lit(kind, rnd)}"
    if kind == "single":
        if rnd.random() < 0.5:
            return f"{name} {rnd.choice(['==', '!='])} {lit(kind, rnd)}"
        vals = ", ".join(rnd.sample(OPTS, rnd.randint(1, 3)))
        return f"{name} {rnd.choice(['in', 'not in'])} [{vals}]"
    pool = OPTS if kind == "multi" else COUNTRIES
    r = rnd.random()
    if r < 0.25:
        return f"count({name}) {rnd.choice(['==', '>', '<', '>=', '!='])} {rnd.randint(0, 3)}"
    if r < 0.5:
        return f"{name} contains {rnd.choice(pool)}"
    mode = rnd.choice(["contains_any", "contains_all"])
    if kind == "country_list" and rnd.random() < 0.3:
        return f"{name} {mode} {rnd.choice(['@eu', '@world'])}"
    return f"{name} {mode} [{', '.join(rnd.sample(pool, rnd.randint(1, 3)))}]"


def condition(rnd: random.Random, depth: int = 0, derived: bool = True, named: bool = True) -> str:
    r = rnd.random()
    if depth >= 2 or r < 0.4:
        text = atom(rnd, derived, named)
    elif r < 0.7:
        parts = [condition(rnd, depth + 1, derived, named) for _ in range(rnd.randint(2, 3))]
        text = " and ".join(parts)
    else:
        parts = [condition(rnd, depth + 1, derived, named) for _ in range(rnd.randint(2, 3))]
        text = " or ".join(parts)
    if depth > 0 and (" and " in text or " or " in text):
        text = f"({text})"
    if rnd.random() < 0.15:
        text = f"not ({text})" if " " in text else f"not {text}"
    return text


def ruleset_text(rnd: random.Random, n_rules: int) -> str:
    products = [f"p{i}" for i in range(8)]
    lines = [
        "name: fuzz",
        "version: 1",
        "questionnaire: fuzz",
        "sets:",
        "  eu: [DE, NL, BE, FR]",
        "  world: [" + ", ".join(sorted(COUNTRY_NAMES)) + "]",
        "params:",
        f"  - {{id: p_int, type: integer, value: {rnd.randint(-1, 4)}}}",
        f"  - {{id: p_money, type: money, value: {rnd.choice(['0', '2.5', '100', '1_000'])}}}",
        f"  - {{id: p_rate, type: number, value: {rnd.choice(['0.5', '2', '4', '1.5'])}}}",
        "conditions:",
        f"  nc0: {json.dumps(condition(rnd, 1, derived=False, named=False))}",
        f"  nc1: {json.dumps('nc0 and (' + condition(rnd, 2, derived=False, named=False) + ')')}",
        f"  nc2: {json.dumps('not nc1 or (' + condition(rnd, 2, derived=False, named=False) + ')')}",
        "derived:",
        "  seg: {type: single, options: [big, small, mid]}",
        "  tier: {type: single, options: [one, two]}",
        f"  calc0: {{type: number, value: {json.dumps(rnd.choice(NUMERIC) + ' / ' + operand(rnd, 1, calculated=False))}}}",
        f"  calc1: {{type: integer, value: {json.dumps('calc0 * 2 + ' + rnd.choice(NUMERIC))}}}",
        "products:",
        *[f"  - {{id: {p}, name: P {p}, family: other}}" for p in products],
        "risks:",
        *[
            f"  - {{id: k{i}, title: K{i}, severity: {s}, mitigation: m}}"
            for i, s in enumerate(["low", "high", "medium"])
        ],
        "bundles:",
        "  - {id: bun, title: B, core: [p0, p1], products: [p2, p3]}",
        "rules:",
    ]
    for i in range(n_rules):
        lines.append(f"  - id: r{i}")
        lines.append(f"    when: {json.dumps(condition(rnd))}")
        lines.append(f"    priority: {rnd.randint(-2, 3)}")
        r = rnd.random()
        if r < 0.2:
            fact = rnd.choice(list(DERIVED))
            lines.append(f"    derive: [{{fact: {fact}, value: {rnd.choice(DERIVED[fact])}}}]")
        elif r < 0.3:
            lines.append(f'    exclude: [{{product: {rnd.choice(products)}, because: "not here"}}]')
        elif r < 0.45:
            lines.append(f"    flag: [{{risk: k{rnd.randint(0, 2)}}}]")
        else:
            lines.append(
                f'    recommend: [{{product: {rnd.choice(products)}, because: "{{{{ i0 }}}} {{{{ c0 | countries }}}}"}}]'
            )
    if rnd.random() < 0.5:
        lines.append("tables:")
        for t in range(rnd.randint(1, 2)):
            lines.extend(table_lines(rnd, f"t{t}", products))
    return "\n".join(lines) + "\n"


def cell(rnd: random.Random, kind: str) -> str:
    """A decision-table cell for a column of this kind (a condition fragment or a value)."""
    r = rnd.random()
    if r < 0.25:
        return "-"
    if r < 0.32:
        return rnd.choice(["answered", "unanswered"])
    if kind == "derived":
        return rnd.choice([rnd.choice(DERIVED["seg"]), "in [big, mid]", "!= small"])
    if kind == "boolean":
        return rnd.choice(["== true", "== false", "true", "!= true"])
    if kind in ("integer", "money"):
        if rnd.random() < 0.2:
            return f"{rnd.choice(['in', 'not in'])} [{lit(kind, rnd)}, {lit(kind, rnd)}]"
        return f"{rnd.choice(['==', '!=', '<', '<=', '>', '>='])} {lit(kind, rnd)}"
    if kind == "single":
        return rnd.choice(
            [lit(kind, rnd), f"in [{', '.join(rnd.sample(OPTS, 2))}]", f"!= {lit(kind, rnd)}"]
        )
    pool = OPTS if kind == "multi" else COUNTRIES
    mode = rnd.choice(["contains", "contains_any", "contains_all"])
    if mode == "contains":
        return f"contains {rnd.choice(pool)}"
    return f"{mode} [{', '.join(rnd.sample(pool, rnd.randint(1, 3)))}]"


def table_lines(rnd: random.Random, tid: str, products: list[str]) -> list[str]:
    """A random decision table: 1-3 input columns (one may read two answers of a kind, or
    the derived fact seg), a recommend, a fixed-risk flag and a derive column, 1-8 rows."""
    columns: list[tuple[str, str, list[str]]] = []
    for c in range(rnd.randint(1, 3)):
        if rnd.random() < 0.1:
            columns.append((f"c{c}", "derived", ["seg"]))
            continue
        name = rnd.choice(list(FIELDS))
        kind = FIELDS[name]
        inputs = [name]
        if rnd.random() < 0.2:
            inputs.append(rnd.choice([f for f, k in FIELDS.items() if k == kind]))
        columns.append((f"c{c}", kind, inputs))
    hit = rnd.choice(["first", "collect", "priority"])
    lines = [f"  - id: {tid}", f"    hit: {hit}", "    inputs:"]
    for cid, _kind, inputs in columns:
        lines.append(f"      - {{id: {cid}, input: [{', '.join(inputs)}]}}")
    lines += [
        "    outputs:",
        "      - {id: rec, kind: recommend}",
        "      - {id: risk, kind: flag, risk: k1}",
        "      - {id: tier, kind: derive, fact: tier}",
        "    rows:",
    ]
    for _ in range(rnd.randint(1, 8)):
        row: dict[str, Any] = {cid: cell(rnd, kind) for cid, kind, _inputs in columns}
        row["rec"] = rnd.choice(products)
        if rnd.random() < 0.3:
            row["risk"] = rnd.choice(["yes", "low", "high"])
        if rnd.random() < 0.2:
            row["tier"] = rnd.choice(DERIVED["tier"])
        if rnd.random() < 0.5:
            row["priority"] = rnd.randint(-1, 2)
        lines.append(f"      - {json.dumps(row)}")
    return lines


def answers(rnd: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if rnd.random() < 0.3:
            continue
        if rnd.random() < 0.08:  # a stored null: unanswered on every path
            out[name] = None
        elif kind == "single":
            out[name] = rnd.choice(OPTS)
        elif kind == "multi":
            out[name] = sorted(rnd.sample(OPTS, rnd.randint(0, 3)))
        elif kind == "country_list":
            out[name] = sorted(rnd.sample(COUNTRIES, rnd.randint(0, 3)))
        elif kind == "boolean":
            out[name] = rnd.random() < 0.5
        elif kind == "integer":
            out[name] = rnd.randint(-2, 6)
        else:
            out[name] = rnd.choice([0, 2.5, 100, 1000, -1.5, 99.99, 3])
    return out


def count_constructs(ruleset: Any, compiled: Any, out: dict[str, int]) -> None:
    """How many rules use each issue-11 construct, and how many are decided in Python."""
    from recommender.conditions.ast import Calc, Contains, CountIn
    from recommender.conditions.evaluate import walk

    for rule in ruleset.rules:
        nodes = walk(rule.condition)
        out["calculation"] += any(isinstance(n, Calc) for n in nodes)
        out["contains_none"] += any(isinstance(n, Contains) and n.mode == "none" for n in nodes)
        out["count_in"] += any(isinstance(n, CountIn) for n in nodes)
    out["in_python"] += len(compiled.python_rules)


def minimise(text: str, facts: dict[str, Any], differs: Any) -> dict[str, Any]:
    """Drop answers one at a time while the mismatch persists (cheap, good enough)."""
    for key in list(facts):
        trial = {k: v for k, v in facts.items() if k != key}
        if differs(trial):
            facts = trial
    return facts


def main() -> int:
    seed = int(os.environ.get("ENGINE_FUZZ_SEED", "20240611"))
    n_sets = int(os.environ.get("ENGINE_FUZZ_RULESETS", "300"))
    n_answers = int(os.environ.get("ENGINE_FUZZ_ANSWERS", "20"))
    rnd = random.Random(seed)
    compared = loaded = 0
    constructs: dict[str, int] = {
        "calculation": 0,
        "in_python": 0,
        "contains_none": 0,
        "count_in": 0,
    }
    for k in range(n_sets):
        text = ruleset_text(rnd, rnd.randint(1, 80 if k % 10 == 0 else 15))
        try:
            ruleset = load_ruleset_text(text, f"fuzz{k}.yaml")
        except Exception:
            continue  # e.g. a random condition the checker proves can never hold
        compiled = compile_ruleset(ruleset)
        reference = ReferenceEvaluator(ruleset)
        loaded += 1
        count_constructs(ruleset, compiled, constructs)
        for _ in range(n_answers):
            facts = answers(rnd)

            def differs(
                f: dict[str, Any],
                compiled: Any = compiled,
                reference: ReferenceEvaluator = reference,
            ) -> bool:
                a = compiled.evaluate(f, open_questions=False).to_dict()
                b = reference.evaluate(f, open_questions=False).to_dict()
                if a != b:
                    return True
                if any(v is None for v in f.values()):  # None == left out, on every path
                    bare = {k: v for k, v in f.items() if v is not None}
                    if compiled.evaluate(bare, open_questions=False).to_dict() != a:
                        return True
                    summary = compiled.summarize(f)
                    if summary != compiled.summarize(bare):
                        return True
                    return sorted(summary.products) != sorted(p["id"] for p in a["products"])
                return False

            compared += 1
            if differs(facts):
                small = minimise(text, facts, differs)
                got = compiled.evaluate(small, open_questions=False)
                want = reference.evaluate(small, open_questions=False)
                report = {
                    "ok": False,
                    "seed": seed,
                    "ruleset_index": k,
                    "answers": small,
                    "durable_fired": got.fired,
                    "reference_fired": want.fired,
                    "ruleset": text,
                }
                print(json.dumps(report, indent=1))
                return 1
        compiled.close()
    print(
        json.dumps({"ok": True, "seed": seed, "compared": compared, "loaded": loaded, **constructs})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
