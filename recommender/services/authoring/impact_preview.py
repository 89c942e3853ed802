"""Impact preview: every saved discovery and lead evaluated with the active version and a
draft, and the differences."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from recommender.engine.bulk import Outcome, summarize_all
from recommender.services.authoring import data_files as authoring_data
from recommender.services.authoring.sources import _located, load_checked, rules_of, with_version
from recommender.services.authoring.subjects import Subject, saved_subjects
from recommender.services.authoring.versions import active_version
from recommender.yamlpos import Located


@dataclass
class ImpactItem:
    kind: str
    id: int
    label: str
    products_added: list[str]
    products_removed: list[str]
    risks_added: list[str]
    risks_removed: list[str]
    rules: list[str]  # edited rules responsible


@dataclass
class RuleEdits:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # top-level sections that changed
    data: list[str] = field(default_factory=list)  # data files that changed

    @property
    def all(self) -> set[str]:
        return set(self.added) | set(self.removed) | set(self.changed)


@dataclass
class Impact:
    active_version: int | None
    evaluated: int
    items: list[ImpactItem]
    edits: RuleEdits
    errors: list[str]
    seconds: float
    unchanged_sources: bool = False


def rule_edits(
    old_source: str,
    new_source: str,
    old_files: Mapping[str, str] | None = None,
    new_files: Mapping[str, str] | None = None,
) -> RuleEdits:
    old = {r["id"]: r for r, _ in rules_of(old_source)}
    new = {r["id"]: r for r, _ in rules_of(new_source)}
    edits = RuleEdits(
        added=[rid for rid in new if rid not in old],
        removed=[rid for rid in old if rid not in new],
        changed=[rid for rid in new if rid in old and new[rid] != old[rid]],
    )
    old_doc = (_located(old_source, "x") or Located({}, "x")).data
    new_doc = (_located(new_source, "x") or Located({}, "x")).data
    for key in sorted(set(old_doc) | set(new_doc)):
        if key not in ("rules", "version") and old_doc.get(key) != new_doc.get(key):
            edits.other.append(str(key))
    edits.data = [name for name, _ in authoring_data.changed_files(old_files, new_files)]
    return edits


def _effect_ids(rule: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for key, attr in (("recommend", "product"), ("exclude", "product"), ("flag", "risk")):
        for effect in rule.get(key) or []:
            if isinstance(effect, dict) and isinstance(effect.get(attr), str):
                ids.add(effect[attr])
    return ids


Summary = tuple[frozenset[str], frozenset[str], frozenset[str]]


def _summary(compiled: Any, answers: dict[str, Any]) -> Summary:
    """(products, risks, fired rule ids) of one evaluation, without building the report.

    The impact preview and lint only compare these sets: `CompiledRuleset.summarize` gives
    the same sets as `CompiledRuleset.evaluate` (tests/authoring/test_service.py compares
    them) without rationale templates, trace and open questions. Derived facts that do not
    settle raise the engine's ChainError (one bad record is reported, not compared).
    """
    summary = compiled.summarize(answers)
    if summary.chain_error is not None:
        raise summary.chain_error
    return summary.products, summary.risks, summary.fired


def _evaluator(compiled: Any) -> Callable[[Subject], Summary]:
    """Evaluate subjects, reusing the summary for identical answer sets."""
    memo: dict[str, Summary] = {}

    def run(subj: Subject) -> Summary:
        key = subj.answers_key
        if key not in memo:
            memo[key] = _summary(compiled, subj.answers)
        return memo[key]

    return run


# Outcomes of the active version by answer set (canonical JSON) for the last loaded active
# ruleset: a pure function of (loaded ruleset, answers), so repeated previews against the
# same active version evaluate only the draft. Per process; bounded.
ACTIVE_OUTCOMES_SIZE = 100_000
_ACTIVE_OUTCOMES: list[tuple[Any, dict[str, Outcome]]] = []


def _active_outcomes(ruleset: Any) -> dict[str, Outcome]:
    """The remembered outcomes of this loaded ruleset (a fresh store for another one)."""
    with _ACTIVE_OUTCOMES_LOCK:
        if _ACTIVE_OUTCOMES and _ACTIVE_OUTCOMES[0][0] is ruleset:
            return _ACTIVE_OUTCOMES[0][1]
        store: dict[str, Outcome] = {}
        _ACTIVE_OUTCOMES[:] = [(ruleset, store)]
        return store


_ACTIVE_OUTCOMES_LOCK = threading.Lock()


def impact_processes() -> int:
    """Processes the impact preview may use: the app's IMPACT_PROCESSES (or that
    environment variable), else the CPUs this process may run on (at most 4). Small
    previews stay in-process whatever this says."""
    configured = current_app.config.get("IMPACT_PROCESSES", os.environ.get("IMPACT_PROCESSES"))
    if configured is not None:
        return max(1, int(configured))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def impact(
    name: str,
    draft_source: str,
    subjects: list[Subject] | None = None,
    data_files: Mapping[str, str] | None = None,
) -> Impact:
    """Re-evaluate every saved discovery and lead with the draft (its source and data
    files) and with the active version; list those whose products or risks change and the
    rule edits responsible (a change that only data edits explain names the rules whose
    firing changed and the data files edited)."""
    started = time.perf_counter()
    active = active_version(name)
    active_files = dict(active.data_files or {})
    draft_files = dict(active_files if data_files is None else data_files)
    edits = rule_edits(active.source, draft_source, active_files, draft_files)
    subjects = saved_subjects() if subjects is None else subjects
    draft_rules = {r["id"]: r for r, _ in rules_of(draft_source)}
    active_rules = {r["id"]: r for r, _ in rules_of(active.source)}
    items: list[ImpactItem] = []
    errors: list[str] = []
    old_ruleset, _ = load_checked(active.source, name, active_files)
    new_ruleset, _ = load_checked(draft_source, name, draft_files)
    # Identical answer sets are evaluated once; each distinct one with both versions, but
    # with the active version only when this process has not evaluated it before.
    distinct: dict[str, dict[str, Any]] = {}
    for subj in subjects:
        distinct.setdefault(subj.answers_key, subj.answers)
    keys = list(distinct)
    known = _active_outcomes(old_ruleset)
    evaluated = summarize_all(
        [old_ruleset, new_ruleset],
        [distinct[k] for k in keys],
        impact_processes(),
        wanted=[(k not in known, True) for k in keys],
    )
    outcomes: dict[str, tuple[Outcome, Outcome]] = {}
    for k, (old, new) in zip(keys, evaluated, strict=True):
        if old is None:
            old = known[k]
        elif len(known) < ACTIVE_OUTCOMES_SIZE:
            known[k] = old
        assert new is not None
        outcomes[k] = (old, new)
    for subj in subjects:
        old, new = outcomes[subj.answers_key]
        if isinstance(old, str) or isinstance(new, str):  # one bad record is reported
            errors.append(f"{subj.kind} {subj.id}: {old if isinstance(old, str) else new}")
            continue
        old_p, old_r, old_f = old
        new_p, new_r, new_f = new
        if old_p == new_p and old_r == new_r:
            continue
        changed_ids = (old_p ^ new_p) | (old_r ^ new_r)
        responsible = sorted(
            rid
            for rid in edits.all
            if ((rid in old_f) != (rid in new_f))
            or (
                (rid in old_f or rid in new_f)
                and _effect_ids(draft_rules.get(rid) or active_rules.get(rid) or {}) & changed_ids
            )
        )
        if not responsible and edits.data:
            via = ", ".join(edits.data)
            responsible = [f"{rid} (via {via})" for rid in sorted(old_f ^ new_f)]
        if not responsible:
            responsible = [f"({', '.join(edits.other + edits.data) or 'catalogue'} changed)"]
        items.append(
            ImpactItem(
                subj.kind,
                subj.id,
                subj.label,
                sorted(new_p - old_p),
                sorted(old_p - new_p),
                sorted(new_r - old_r),
                sorted(old_r - new_r),
                responsible,
            )
        )
    return Impact(
        active_version=active.version,
        evaluated=len(subjects),
        items=items,
        edits=edits,
        errors=errors,
        seconds=time.perf_counter() - started,
        unchanged_sources=with_version(draft_source, 0) == with_version(active.source, 0)
        and not edits.data,
    )
