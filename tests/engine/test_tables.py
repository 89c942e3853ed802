"""Decision tables: expansion into rules for each hit policy (against a brute-force reading of
the table), checks located at the cell with did-you-mean, overlaps, rows that never count,
gaps, and the trace."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from recommender.conditions import evaluate, parse
from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.engine.loader import load_questionnaires
from recommender.engine.reference import ReferenceEvaluator
from recommender.engine.table_findings import table_findings
from recommender.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]

HEAD = """name: t
version: 1
questionnaire: sa_discovery
derived:
  tier: {type: single, options: [gold, silver]}
products:
  - {id: ideal, name: iDEAL, family: payment_methods}
  - {id: bancontact, name: Bancontact, family: payment_methods}
  - {id: sepa_debit, name: SEPA Direct Debit, family: payment_methods}
risks:
  - {id: sepa_settlement_delay, title: Slow, severity: medium, mitigation: m}
rules: []
"""

TABLE = """tables:
  - id: market-methods
    title: Methods per market
    hit: {hit}
    inputs:
      - id: country
        label: Buyer country
        input: hq_country
      - id: volume
        label: Volume
        input: annual_volume_usd
    outputs:
      - id: method
        label: Method
        kind: recommend
        because: "A local method."
      - id: slow
        label: Slow settlement
        kind: flag
        risk: sepa_settlement_delay
      - id: tier
        label: Tier
        kind: derive
        fact: tier
    rows:
      - country: in [NL, BE]
        volume: ">= 1000"
        method: ideal
        tier: gold
        priority: 1
      - country: NL
        method: [ideal, bancontact]
        slow: low
        priority: 5
      - volume: "< 10"
        method: sepa_debit
        tier: silver
"""


@pytest.fixture(scope="module")
def form() -> Any:
    return load_questionnaires(ROOT / "forms")["sa_discovery"]


def load(form: Any, hit: str = "first", table: str = TABLE) -> Any:
    return load_ruleset_text(HEAD + table.replace("{hit}", hit), "t.yaml", form)


def problems(form: Any, text: str) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        load_ruleset_text(HEAD + text, "t.yaml", form)
    return [str(p) for p in exc.value.problems]


# --------------------------------------------------------------------------- expansion


def test_rows_become_rules_named_after_the_table(form: Any) -> None:
    ruleset = load(form, "collect")
    ids = [r.id for r in ruleset.rules]
    assert ids == ["market-methods[1]", "market-methods[2]", "market-methods[3]"]
    first = ruleset.rules[0]
    assert first.when == "hq_country in [NL, BE] and annual_volume_usd >= 1000"
    assert first.description == (
        "table Methods per market, row 1: Buyer country: in [NL, BE]; Volume: >= 1000"
    )
    assert [e.target for e in ruleset.rules[1].effects] == [
        "ideal",
        "bancontact",
        "sepa_settlement_delay",
    ]
    assert ruleset.rules[1].effects[2].severity == "low"
    assert ruleset.rules[0].effects[0].because == "A local method."
    assert [t.id for t in ruleset.tables] == ["market-methods"]


@pytest.mark.parametrize(
    ("hit", "answers", "fired"),
    [
        ("collect", {"hq_country": "NL", "annual_volume_usd": 5}, [2, 3]),
        ("collect", {"hq_country": "NL", "annual_volume_usd": 5000}, [1, 2]),
        ("first", {"hq_country": "NL", "annual_volume_usd": 5}, [2]),
        ("first", {"hq_country": "NL", "annual_volume_usd": 5000}, [1]),
        ("priority", {"hq_country": "NL", "annual_volume_usd": 5000}, [2]),
        ("priority", {"hq_country": "BE", "annual_volume_usd": 5000}, [1]),
        ("priority", {"hq_country": "DE", "annual_volume_usd": 5}, [3]),
        ("first", {"hq_country": "DE", "annual_volume_usd": 50}, []),
    ],
)
def test_hit_policies(form: Any, hit: str, answers: dict[str, Any], fired: list[int]) -> None:
    ruleset = load(form, hit)
    result = compile_ruleset(ruleset).evaluate(answers, form)
    assert result.fired == [f"market-methods[{n}]" for n in fired]
    assert ReferenceEvaluator(ruleset).evaluate(answers, form).fired == result.fired


def test_trace_names_the_row_and_why(form: Any) -> None:
    ruleset = load(form, "first")
    result = compile_ruleset(ruleset).evaluate({"hq_country": "NL", "annual_volume_usd": 5}, form)
    entry = next(t for t in result.trace if t["rule"] == "market-methods[2]")
    assert entry["fired"] is True
    assert entry["description"].startswith("table Methods per market, row 2: Buyer country: NL")
    assert entry["matched_answers"] == {"hq_country": "NL", "annual_volume_usd": 5}
    assert "recommend bancontact" in entry["effects"]
    row1 = next(t for t in result.trace if t["rule"] == "market-methods[1]")
    assert row1["fired"] is False
    assert set(result.product_ids) == {"ideal", "bancontact"}


def test_first_hit_adds_not_only_for_rows_that_can_overlap(form: Any) -> None:
    table = TABLE.replace('volume: "< 10"', 'country: DE\n        volume: "< 10"')
    ruleset = load(form, "first", table)
    # Row 3 (country DE) cannot hold with rows 1 or 2 (NL/BE): no `not (...)` needed.
    assert ruleset.rules[2].when == "hq_country == DE and annual_volume_usd < 10"
    # Row 2 (NL) can hold with row 1 (NL or BE, volume >= 1000).
    assert ruleset.rules[1].when == (
        "hq_country == NL and not (hq_country in [NL, BE] and annual_volume_usd >= 1000)"
    )


# Brute force: the table read directly (each cell parsed as `input cell`), then the policy.
FIELDS = {"i0": "integer", "i1": "integer", "s0": "single", "b0": "boolean", "m0": "multi"}
OPTS = ["a", "b", "c"]


def _cell(rnd: random.Random, field: str) -> str:
    kind = FIELDS[field]
    if rnd.random() < 0.3:
        return "-"
    if kind == "integer":
        return f"{rnd.choice(['<', '<=', '>', '>=', '==', '!='])} {rnd.randint(0, 4)}"
    if kind == "single":
        return rnd.choice(
            [rnd.choice(OPTS), f"in [{', '.join(rnd.sample(OPTS, 2))}]", f"!= {rnd.choice(OPTS)}"]
        )
    if kind == "boolean":
        return rnd.choice(["== true", "== false", "answered"])
    return rnd.choice(
        [
            f"contains {rnd.choice(OPTS)}",
            f"contains_any [{', '.join(rnd.sample(OPTS, 2))}]",
            "unanswered",
        ]
    )


def _table(rnd: random.Random, hit: str) -> tuple[str, list[dict[str, Any]], list[str]]:
    columns = rnd.sample(list(FIELDS), rnd.randint(1, 3))
    rows = []
    for _ in range(rnd.randint(1, 6)):
        row = {c: _cell(rnd, c) for c in columns}
        row["out"] = rnd.choice(["p0", "p1", "p2"])
        row["priority"] = rnd.randint(0, 2)
        rows.append(row)
    lines = [
        "name: r",
        "version: 1",
        "questionnaire: x",
        "products:",
        *[f"  - {{id: p{i}, name: P{i}, family: other}}" for i in range(3)],
        "rules: []",
        "tables:",
        "  - id: t",
        f"    hit: {hit}",
        "    inputs:",
        *[f"      - {{id: {c}}}" for c in columns],
        "    outputs:",
        "      - {id: out, kind: recommend}",
        "    rows:",
    ]
    for row in rows:
        lines.append("      - " + json.dumps(row))
    return "\n".join(lines) + "\n", rows, columns


def _answers(rnd: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if rnd.random() < 0.2:
            continue
        out[name] = {
            "integer": lambda: rnd.randint(-1, 5),
            "single": lambda: rnd.choice(OPTS),
            "boolean": lambda: rnd.random() < 0.5,
            "multi": lambda: sorted(rnd.sample(OPTS, rnd.randint(0, 2))),
        }[kind]()
    return out


def _brute_force(
    rows: list[dict[str, Any]], columns: list[str], hit: str, facts: dict[str, Any]
) -> list[int]:
    def holds(row: dict[str, Any]) -> bool:
        for c in columns:
            cell = row[c]
            if cell == "-":
                continue
            if cell in ("answered", "unanswered"):
                text = f"{cell}({c})"
            elif cell[0] in "<>=!" or cell.split()[0] in ("in", "contains", "contains_any"):
                text = f"{c} {cell}"
            else:
                text = f"{c} == {cell}"
            if not evaluate(parse(text), facts):
                return False
        return True

    holding = [n for n, row in enumerate(rows) if holds(row)]
    if hit == "collect" or not holding:
        return holding
    if hit == "first":
        return holding[:1]
    best = max(rows[n]["priority"] for n in holding)
    return [next(n for n in holding if rows[n]["priority"] == best)]


@pytest.mark.parametrize("hit", ["first", "collect", "priority"])
def test_expansion_matches_the_tables_meaning(hit: str) -> None:
    rnd = random.Random(f"tables-{hit}")
    compared = 0
    for _ in range(60):
        text, rows, columns = _table(rnd, hit)
        try:
            ruleset = load_ruleset_text(text, "r.yaml")
        except DefinitionError:
            continue  # e.g. a row whose cells can never hold together
        reference = ReferenceEvaluator(ruleset)
        compiled = compile_ruleset(ruleset)
        for _ in range(25):
            facts = _answers(rnd)
            want = [f"t[{n + 1}]" for n in _brute_force(rows, columns, hit, facts)]
            assert reference.fire(facts) == [r.index for r in ruleset.rules if r.id in want], (
                text,
                facts,
            )
            assert compiled.evaluate(facts, open_questions=False).fired == want, (text, facts)
            compared += 1
        compiled.close()
    assert compared > 1000


# --------------------------------------------------------------------------- checks


def test_a_bad_cell_is_reported_at_its_row_and_column(form: Any) -> None:
    text = TABLE.replace("{hit}", "first").replace("in [NL, BE]", "in [NL, BE")
    found = problems(form, text)
    line = (HEAD + text).splitlines().index("      - country: in [NL, BE") + 1
    assert found == [
        f"t.yaml:{line}:21: table market-methods, row 1, column \"Buyer country\": unclosed '[': add a ']'"
    ]


def test_unknown_ids_get_did_you_mean(form: Any) -> None:
    text = (
        TABLE.replace("{hit}", "first")
        .replace("input: hq_country", "input: hq_contry")
        .replace("method: sepa_debit", "method: sepa_debt")
        .replace("risk: sepa_settlement_delay", "risk: sepa_settlement")
        .replace("      - country: NL\n", "      - contry: NL\n")
        .replace("fact: tier", "fact: tiers")
    )
    found = "\n".join(problems(form, text))
    assert (
        "table market-methods, column \"Buyer country\": unknown answer id 'hq_contry', did you mean 'hq_country'?"
        in found
    )
    assert (
        "table market-methods, row 3, column \"Method\": unknown product 'sepa_debt' (did you mean 'sepa_debit'?)"
        in found
    )
    assert "unknown risk 'sepa_settlement' (did you mean 'sepa_settlement_delay'?)" in found
    assert "table market-methods, row 2: unknown column 'contry' (did you mean 'country'?)" in found
    assert "unknown derived fact 'tiers' (did you mean 'tier'?)" in found
    # The column's input is reported once, at the column, not for every row.
    assert found.count("hq_contry") == 1


def test_cell_values_are_checked_against_the_answer(form: Any) -> None:
    text = TABLE.replace("{hit}", "first").replace('volume: ">= 1000"', 'volume: ">= lots"')
    text = text.replace("tier: silver", "tier: bronze").replace("slow: low", "slow: maybe")
    found = "\n".join(problems(form, text))
    assert "row 1, column \"Volume\": '>=' needs a number, not lots" in found
    assert "row 3, column \"Tier\": 'bronze' is not an option of derived fact 'tier'" in found
    assert "row 2, column \"Slow settlement\": 'maybe' is not a mark for this column" in found


def test_a_bare_value_on_a_list_says_to_write_contains(form: Any) -> None:
    text = TABLE.replace("{hit}", "collect").replace(
        "input: hq_country", "input: customer_countries"
    )
    found = "\n".join(problems(form, text))
    assert "row 2, column \"Buyer country\": 'customer_countries' is a list of" in found
    assert "write 'contains NL'" in found


def test_because_keys_name_output_columns(form: Any) -> None:
    text = TABLE.replace("{hit}", "collect").replace(
        "        tier: silver\n",
        "        tier: silver\n        because: {metod: x, tier: '{{ hq_contry }}'}\n",
    )
    found = "\n".join(problems(form, text))
    assert (
        "row 3: `because` names 'metod', which is not an output column (did you mean 'method'?)"
        in found
    )
    assert "row 3: template names unknown answer 'hq_contry' (did you mean 'hq_country'?)" in found


def test_schema_errors_name_the_table_and_row(form: Any) -> None:
    text = TABLE.replace("{hit}", "firts")
    found = "\n".join(problems(form, text))
    assert "table 1 (`market-methods`)" in found and "first, collect, priority" in found


# --------------------------------------------------------------------------- findings


def test_overlapping_rows_of_a_first_hit_table_are_named_with_an_example(form: Any) -> None:
    findings = table_findings(load(form, "first"), form.field_specs())
    overlaps = [f for f in findings if f.kind == "overlap"]
    # Rows 1 and 3 cannot both hold (volume >= 1000 and < 10): not an overlap.
    assert [f.rows for f in overlaps] == [(1, 2), (2, 3)]
    one = next(f for f in overlaps if f.rows == (1, 2))
    assert "rows 1 and 2 can both hold (for example Buyer country: NL; Volume: " in one.message
    # Collect tables are meant to overlap.
    assert [
        f for f in table_findings(load(form, "collect"), form.field_specs()) if f.kind == "overlap"
    ] == []


def test_exclusive_rows_do_not_overlap_and_a_gap_is_found(form: Any) -> None:
    table = TABLE.replace("      - country: NL\n", "      - country: DE\n").replace(
        'volume: "< 10"', 'country: FR\n        volume: "< 10"'
    )
    findings = table_findings(load(form, "first", table), form.field_specs())
    assert [f.kind for f in findings] == ["gap"]
    assert "no row holds for some answers (for example Buyer country: " in findings[0].message
    # A last row of '-' closes the gap.
    closed = table + "      - {method: ideal}\n"
    assert table_findings(load(form, "first", closed), form.field_specs()) == []


def test_a_row_after_a_catch_all_never_counts(form: Any) -> None:
    table = TABLE.replace("    rows:\n", "    rows:\n      - {method: sepa_debit}\n")
    ruleset = load(form, "first", table)
    findings = table_findings(ruleset, form.field_specs())
    assert {f.kind for f in findings} == {"unreachable"}
    assert findings[0].message.startswith("table market-methods, row 2 never counts: row 1 wins")
    result = compile_ruleset(ruleset).evaluate(
        {"hq_country": "NL", "annual_volume_usd": 5000}, form
    )
    assert result.fired == ["market-methods[1]"]


def test_the_default_ruleset_has_its_method_tables(form: Any) -> None:
    from recommender.engine import load_ruleset

    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", form)
    tables = {t.id: t for t in ruleset.tables}
    assert {"local-methods", "methods-needing-another-account"} <= set(tables)
    methods = tables["local-methods"]
    assert methods.hit == "collect"
    pix = next(r for r in ruleset.rules if r.id.startswith("local-methods[") and "pix" in r.when)
    assert pix.when == (
        "eligible_methods contains pix and (expected_methods contains pix or "
        "current_payment_methods contains pix)"
    )
    assert table_findings(ruleset, form.field_specs()) == []


def test_rules_check_prints_the_notes_and_still_passes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from recommender.cli import main

    path = tmp_path / "seg.yaml"
    path.write_text(
        HEAD
        + TABLE.replace("{hit}", "first").replace(
            'volume: "< 10"', 'country: FR\n        volume: "< 10"'
        )
    )
    out = CliRunner().invoke(main, ["rules", "check", str(path), "--forms", str(ROOT / "forms")])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[-1] == "ok: 1 rulesets"
    assert any(
        line.startswith(f"{path}:")
        and ": note: table market-methods: rows 1 and 2 can both hold" in line
        for line in lines
    )
    assert any("no row holds for some answers" in line for line in lines)
