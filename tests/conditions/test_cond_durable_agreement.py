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

from recommender.conditions import evaluate, parse, to_durable

from .cases import CONDITIONS, FACTS, SETS, with_counts

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
