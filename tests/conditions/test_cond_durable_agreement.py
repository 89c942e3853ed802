"""Compiled conditions agree with evaluate() when run by durable_rules (in a child process).

durable_rules can segfault, so it only ever runs in a child: a crash fails this test instead
of killing the test runner. The table covers absent fields, empty lists, negations, nested
and/or, count() and named sets.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from recommender.conditions import NotCompilable, aux_facts, evaluate, parse, to_durable

from .cases import CALCULATIONS, CALCULATIONS_IN_PYTHON, CONDITIONS, FACTS, SETS, with_counts

CHILD = Path(__file__).with_name("durable_child.py")


def run_child(conditions: list[dict], facts: list[dict]) -> list[list[bool]]:
    proc = subprocess.run(
        [sys.executable, str(CHILD)],
        input=json.dumps({"conditions": conditions, "facts": facts}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"durable child failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


def test_durable_agrees_with_evaluate() -> None:
    nodes = [parse(text) for text in CONDITIONS]
    table = run_child([to_durable(n, SETS) for n in nodes], [with_counts(f) for f in FACTS])
    mismatches = []
    for text, node, row in zip(CONDITIONS, nodes, table, strict=True):
        for fact, fired in zip(FACTS, row, strict=True):
            expected = evaluate(node, fact, SETS)
            if fired != expected:
                mismatches.append(f"{text!r} on {fact}: durable {fired}, evaluate {expected}")
    assert mismatches == []
    # The table must exercise both outcomes for most conditions, or it proves little.
    assert sum(1 for row in table if any(row) and not all(row)) >= len(CONDITIONS) - 8


def test_durable_agrees_with_evaluate_on_calculations() -> None:
    """Calculations, between, contains_none and count(x in ...): the engine asserts `Zero`
    and the count-in fields next to each fact (aux_facts), as CompiledRuleset does."""
    nodes = [parse(text) for text in CALCULATIONS]
    facts = [{**with_counts(f), **aux_facts(nodes, f, SETS)} for f in FACTS]
    table = run_child([to_durable(n, SETS) for n in nodes], facts)
    mismatches = []
    for text, node, row in zip(CALCULATIONS, nodes, table, strict=True):
        for fact, fired in zip(FACTS, row, strict=True):
            expected = evaluate(node, fact, SETS)
            if fired != expected:
                mismatches.append(f"{text!r} on {fact}: durable {fired}, evaluate {expected}")
    assert mismatches == []
    assert sum(1 for row in table if any(row) and not all(row)) >= len(CALCULATIONS) - 2


@pytest.mark.parametrize("text", CALCULATIONS_IN_PYTHON)
def test_division_by_an_answer_is_not_compiled(text: str) -> None:
    with pytest.raises(NotCompilable):
        to_durable(parse(text), SETS)


def test_durable_arithmetic_pitfalls_the_compiler_avoids() -> None:
    """Why calculations are compiled the way they are (recommender/conditions/compile.py):
    durable divides integers as integers and reads `$m` operands of a missing field as
    false; with `x + 0.0` operands the division is exact."""
    half = {"$div": {"$l": {"$m": "b"}, "$r": 2}}
    exact = {"$div": {"$l": {"$add": {"$l": {"$m": "b"}, "$r": 0.0}}, "$r": 2.0}}
    table = run_child(
        [{"$gte": {"a": half}}, {"$gte": {"a": exact}}, {"$lt": {"a": exact}}],
        [{"a": 3, "b": 7}, {"a": 3}],
    )
    assert table[0] == [True, False]  # 3 >= 7 / 2 "holds": integer division gives 3
    assert table[1] == [False, False]  # 3 >= 3.5 is false, as in Python
    assert table[2] == [True, False]  # a missing operand: false, even for the opposite


def test_durable_facts_the_compiler_relies_on() -> None:
    """The measured behaviours documented in recommender/conditions/compile.py."""
    conditions = [
        {"$iany": {"x": {"$i": "a"}}},
        {"$iall": {"x": {"$neq": {"$i": "a"}}}},
        {"$neq": {"x": "a"}},
        {"x": True},
    ]
    facts = [{}, {"x": []}, {"x": ["b"]}, {"x": 1}]
    table = run_child(conditions, facts)
    assert table[0] == [False, False, False, False]  # $iany: absent and empty are false
    assert table[1] == [False, False, True, False]  # $iall over [] is false (hence x__count)
    assert table[2] == [False, False, False, True]  # $neq: absent is false
    assert table[3] == [False, False, False, True]  # 1 == true: answers must be typed
