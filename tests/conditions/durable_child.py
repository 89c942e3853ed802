"""Child-process driver for durable_rules: which (condition, fact) pairs make a rule fire.

Run as `python durable_child.py` with JSON on stdin: {"conditions": [expr, ...],
"facts": [fact, ...]}. Prints JSON: a list (per condition) of lists (per fact) of booleans.
durable_rules can segfault, so tests only ever import it in a child process.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import sys
from typing import Any


class _action_recorder:
    """A one-argument action (durable treats two-argument actions as asynchronous)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def action(self, c: Any) -> None:
        self.calls.append(1)


def fired_table(conditions: list[dict[str, Any]], facts: list[dict[str, Any]]) -> list[list[bool]]:
    """Register one single-rule ruleset per condition and assert each fact in a fresh session."""
    from durable import engine

    class QuietHost(engine.Host):
        def _run(self) -> None:  # no timer thread (it races the engine)
            return None

    host = QuietHost()
    sids = itertools.count(1)
    table: list[list[bool]] = []
    for index, condition in enumerate(conditions):
        name = f"cond{index}"
        fired = _action_recorder()

        guarded = {"$and": [copy.deepcopy(condition), {"$nex": {"$s": 1}}]}
        host.register_rulesets({name: {"r": {"all": [{"m": guarded}], "run": fired.action}}})
        row: list[bool] = []
        for fact in facts:
            before = len(fired.calls)
            message = dict(fact, sid=str(next(sids)))
            with contextlib.suppress(engine.MessageNotHandledException):
                host.assert_fact(name, message)
            row.append(len(fired.calls) > before)
        table.append(row)
    return table


if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump(fired_table(request["conditions"], request["facts"]), sys.stdout)
