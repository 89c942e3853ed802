"""Summaries of many answer sets under several rulesets, optionally over several processes.

For bulk comparisons (the authoring impact preview): `summarize_all(rulesets, answer_sets)`
gives, per answer set, one `Outcome` per ruleset: `(products, risks, fired rule ids)` as
`CompiledRuleset.summarize` finds them, or the error message when that answer set cannot
be evaluated (bad values, derived facts that do not settle).

With `processes > 1` the answer sets are split: the calling process takes one share and
each of `processes - 1` children started with 'spawn' takes another. A child gets the
loaded (plain data) rulesets and compiles them itself: durable_rules state lives in C and
never crosses a process boundary. A child that fails has its share evaluated here.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from recommender.engine.compiler import compile_ruleset
from recommender.engine.durable import normalise_facts
from recommender.engine.model import Ruleset
from recommender.engine.result import drop_unanswered

# (products, risks, fired rule ids), or the error message.
Outcome = tuple[frozenset[str], frozenset[str], frozenset[str]] | str

# Fewer answer sets than this per process are not worth starting a process for (a spawned
# child needs ~0.5 s to import and compile).
MIN_PER_PROCESS = 1000


def _outcome(compiled: Any, answers: Mapping[str, Any], clean: Mapping[str, Any]) -> Outcome:
    try:
        summary = compiled.summarize_normalised(answers, clean)
    except Exception as exc:  # EngineError: reported for this answer set only
        return str(exc)
    if summary.chain_error is not None:
        return str(summary.chain_error)
    return summary.products, summary.risks, summary.fired


def _outcomes(
    compiled: Sequence[Any], answers: Mapping[str, Any], want: Sequence[bool]
) -> tuple[Outcome | None, ...]:
    """The outcome under each wanted compiled ruleset; the answers are validated once (a
    `None` value is unanswered)."""
    answers = drop_unanswered(answers)
    try:
        clean = normalise_facts(answers)
    except Exception as exc:  # FactError: the same for every ruleset
        return tuple(str(exc) if w else None for w in want)
    return tuple(
        _outcome(c, answers, clean) if w else None for c, w in zip(compiled, want, strict=True)
    )


def _die_with_parent() -> None:
    """In a child: be killed when the process that started it dies, even by SIGKILL (Linux
    prctl PR_SET_PDEATHSIG), so a killed web worker or job worker leaves no orphan
    evaluating on; elsewhere nothing."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux
        pass


def summarize_serial(
    rulesets: Sequence[Ruleset],
    answer_sets: Sequence[Mapping[str, Any]],
    wanted: Sequence[Sequence[bool]] | None = None,
) -> list[tuple[Outcome | None, ...]]:
    """`summarize_all` in this process (compiles the rulesets and frees them afterwards)."""
    compiled = [compile_ruleset(r) for r in rulesets]
    try:
        return summarize_compiled(compiled, answer_sets, wanted)
    finally:
        for c in compiled:
            c.close()


def summarize_compiled(
    compiled: Sequence[Any],
    answer_sets: Sequence[Mapping[str, Any]],
    wanted: Sequence[Sequence[bool]] | None = None,
) -> list[tuple[Outcome | None, ...]]:
    """`summarize_serial` with rulesets the caller compiled (and keeps): a caller that
    summarises many batches against the same rulesets compiles them once."""
    if wanted is None:
        everything = (True,) * len(compiled)
        return [_outcomes(compiled, answers, everything) for answers in answer_sets]
    return [
        _outcomes(compiled, answers, want) for answers, want in zip(answer_sets, wanted, strict=True)
    ]


def summarize_all(
    rulesets: Sequence[Ruleset],
    answer_sets: Sequence[Mapping[str, Any]],
    processes: int = 1,
    wanted: Sequence[Sequence[bool]] | None = None,
) -> list[tuple[Outcome | None, ...]]:
    """Per answer set (in order), the outcome under each ruleset (in order); with `wanted`
    (per answer set, one flag per ruleset) only the flagged ones, the others are None."""
    processes = max(1, min(processes, len(answer_sets) // MIN_PER_PROCESS))
    if processes == 1:
        return summarize_serial(rulesets, answer_sets, wanted)
    # Children start late (spawn, import, compile): give them a little less than this one.
    n = len(answer_sets)
    size = n * 9 // (10 * processes)
    spans = [(k * size, (k + 1) * size) for k in range(processes - 1)]
    own = (size * (processes - 1), n)

    def part(span: tuple[int, int]) -> tuple[Any, ...]:
        a, b = span
        return list(rulesets), list(answer_sets[a:b]), None if wanted is None else wanted[a:b]

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes - 1, mp_context=context, initializer=_die_with_parent
    ) as pool:
        futures = [pool.submit(summarize_serial, *part(span)) for span in spans]
        mine = summarize_serial(*part(own))
        out: list[tuple[Outcome | None, ...]] = []
        for future, span in zip(futures, spans, strict=True):
            try:
                out += future.result()
            except Exception:  # a child that died (or could not start): do its share here
                out += summarize_serial(*part(span))
    return out + mine
