"""Impact preview: every saved discovery and lead evaluated with the active version and a
draft, and the differences."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from recommender.conditions.evaluate import referenced_params
from recommender.engine import compile_ruleset
from recommender.engine.bulk import Outcome, summarize_all, summarize_compiled
from recommender.engine.durable import normalise_facts
from recommender.engine.result import drop_unanswered
from recommender.services import rulesets
from recommender.services.authoring import data_files as authoring_data
from recommender.services.authoring import impact_details as details
from recommender.services.authoring import impact_filter
from recommender.services.authoring.impact_details import ValueChange
from recommender.services.authoring.sources import _located, load_checked, rules_of, with_version
from recommender.services.authoring.subjects import Subject, saved_raw, visible_subject
from recommender.services.authoring.versions import active_version
from recommender.services.reports import ASK_NEXT_LIMIT
from recommender.yamlpos import Located


@dataclass(frozen=True)
class Question:
    """A question entering or leaving a discovery's ask-next list."""

    id: str
    label: str


@dataclass
class ImpactItem:
    """One saved discovery or lead the draft would change (ids; the report has the names)."""

    kind: str  # discovery | lead
    id: int
    label: str
    products_added: list[str]
    products_removed: list[str]
    risks_added: list[str]
    risks_removed: list[str]
    rules: list[str]  # edited rules responsible
    severities: list[ValueChange] = field(default_factory=list)  # risks flagged by both
    facts: list[ValueChange] = field(default_factory=list)  # derived facts (segment ...)
    ask_next_added: list[Question] = field(default_factory=list)  # entering the ask-next list
    ask_next_removed: list[Question] = field(default_factory=list)  # leaving it


@dataclass
class RuleEdits:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # top-level sections that changed
    data: list[str] = field(default_factory=list)  # data files that changed
    # Parameters whose value changed, as an author reads them ("enterprise_volume:
    # 50,000,000 → 25,000,000").
    params: list[str] = field(default_factory=list)
    # The changed data files change no row's computed facts (a `notes:` text ...).
    data_inert: bool = False

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
    product_names: dict[str, str] = field(default_factory=dict)  # both versions' catalogues
    risk_names: dict[str, str] = field(default_factory=dict)
    ask_next_evaluated: int = 0  # answer sets whose ask-next list was compared
    # Something besides rules changed (sets, data files ...): ask-next lists were compared
    # only for the rows that change otherwise.
    ask_next_partial: bool = False
    # Saved discoveries and leads evaluated with both versions; the others were shown
    # unchanged without evaluating them (`impact_filter`), unless `full_reason` says why
    # every one was evaluated.
    fully_evaluated: int = 0
    full_reason: str = ""
    # Answer sets whose ask-next list may differ but was not compared: beyond the
    # preview's budget of full evaluations (`ask_next_rows`).
    ask_next_unchecked: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON for `?format=json` (rows under `changed`)."""
        return {
            "active_version": self.active_version,
            "evaluated": self.evaluated,
            "changed": [dataclasses.asdict(item) for item in self.items],
            "edits": dataclasses.asdict(self.edits),
            "errors": self.errors,
            "ask_next_partial": self.ask_next_partial,
            "fully_evaluated": self.fully_evaluated,
            "full_reason": self.full_reason,
            "ask_next_evaluated": self.ask_next_evaluated,
            "ask_next_unchecked": self.ask_next_unchecked,
            "product_names": self.product_names,
            "risk_names": self.risk_names,
        }


    def stored(self) -> dict[str, Any]:
        """Everything as plain JSON (a background job's stored result, `from_stored`)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Impact:
        """The report `stored` gave."""
        fields = {k: v for k, v in data.items() if k != "rows_total"}
        fields.setdefault("fully_evaluated", fields["evaluated"])  # stored before the filter
        fields["edits"] = RuleEdits(**fields["edits"])
        fields["items"] = [
            ImpactItem(
                **{
                    **item,
                    "severities": [ValueChange(**v) for v in item["severities"]],
                    "facts": [ValueChange(**v) for v in item["facts"]],
                    "ask_next_added": [Question(**q) for q in item["ask_next_added"]],
                    "ask_next_removed": [Question(**q) for q in item["ask_next_removed"]],
                }
            )
            for item in fields["items"]
        ]
        return cls(**fields)


def merge_impacts(parts: list[Impact]) -> Impact:
    """One report from the reports of consecutive chunks of the saved discoveries and leads
    (a background job, services/jobs.py): the same as one `impact` over all of them, but
    for `seconds` (the sum)."""
    first = parts[0]
    return dataclasses.replace(
        first,
        evaluated=sum(p.evaluated for p in parts),
        items=[item for p in parts for item in p.items],
        errors=[e for p in parts for e in p.errors],
        seconds=sum(p.seconds for p in parts),
        ask_next_evaluated=sum(p.ask_next_evaluated for p in parts),
        ask_next_partial=any(p.ask_next_partial for p in parts),
        fully_evaluated=sum(p.fully_evaluated for p in parts),
        full_reason=next((p.full_reason for p in parts if p.full_reason), ""),
        ask_next_unchecked=sum(p.ask_next_unchecked for p in parts),
    )


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


def param_changes(old: Any, new: Any) -> dict[str, str]:
    """Parameter id -> "id: old → new" for the parameters of two loaded rulesets whose
    value differs (or that only one has)."""
    out: dict[str, str] = {}
    for pid in sorted(set(old.params) | set(new.params)):
        a, b = old.params.get(pid), new.params.get(pid)
        before = details.value_text(a.value) if a is not None else "(none)"
        after = details.value_text(b.value) if b is not None else "(none)"
        if a is None or b is None or a.value != b.value or type(a.value) is not type(b.value):
            out[pid] = f"{pid}: {before} → {after}"
    return out


def _rule_params(old: Any, new: Any, changed: Mapping[str, str]) -> dict[str, set[str]]:
    """Rule id -> the changed parameters its condition (in either version) uses."""
    out: dict[str, set[str]] = {}
    for ruleset in (old, new):
        for rule in ruleset.rules:
            used = referenced_params(rule.condition) & set(changed)
            if used:
                out.setdefault(rule.id, set()).update(used)
    return out


class _DataFacts:
    """Whether the facts computed from the data files differ between the two versions for
    an answer set (a `notes:` text changes none)."""

    def __init__(self, old: Any, new: Any) -> None:
        self.old, self.new = old.market_data, new.market_data
        self._memo: dict[str, bool] = {}

    def differ(self, subj: Subject) -> bool:
        key = subj.answers_key
        if key not in self._memo:
            if self.old is None or self.new is None:
                self._memo[key] = (self.old is None) != (self.new is None)
            else:
                self._memo[key] = self.old.compute(subj.answers) != self.new.compute(subj.answers)
        return self._memo[key]


def _effect_ids(rule: dict[str, Any], derived: bool = False) -> set[str]:
    """The products and risks a rule (as written) recommends, excludes or flags; with
    `derived`, the facts it derives too."""
    ids: set[str] = set()
    kinds = [("recommend", "product"), ("exclude", "product"), ("flag", "risk")]
    if derived:
        kinds.append(("derive", "fact"))
    for key, attr in kinds:
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


# Outcomes (and ask-next lists) of the active version by answer set (canonical JSON) for
# the last loaded active ruleset: a pure function of (loaded ruleset, answers[, questionnaire
# version]), so repeated previews against the same active version evaluate only the draft.
# Per process; bounded.
ACTIVE_OUTCOMES_SIZE = 100_000


@dataclass
class _Memory:
    ruleset: Any
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    ask_next: dict[str, list[Question]] = field(default_factory=dict)


_ACTIVE_OUTCOMES: list[_Memory] = []


def _active_memory(ruleset: Any) -> _Memory:
    """What is remembered about this loaded ruleset (a fresh store for another one)."""
    with _ACTIVE_OUTCOMES_LOCK:
        if _ACTIVE_OUTCOMES and _ACTIVE_OUTCOMES[0].ruleset is ruleset:
            return _ACTIVE_OUTCOMES[0]
        memory = _Memory(ruleset)
        _ACTIVE_OUTCOMES[:] = [memory]
        return memory


_ACTIVE_OUTCOMES_LOCK = threading.Lock()

# Compiled rulesets by loaded ruleset (the loaded ones are cached per source text), for the
# chunks of a background job: each chunk would otherwise compile the active version and the
# draft again. The last few only; an evicted one is freed when nothing uses it any more
# (garbage collection), never closed under a caller.
_COMPILED: list[tuple[Any, Any]] = []
_COMPILED_SIZE = 3


def _compiled(ruleset: Any) -> Any:
    """The compiled form of a loaded ruleset, compiled once per process."""
    with _ACTIVE_OUTCOMES_LOCK:
        for loaded, compiled in _COMPILED:
            if loaded is ruleset:
                return compiled
    compiled = compile_ruleset(ruleset)
    with _ACTIVE_OUTCOMES_LOCK:
        _COMPILED.insert(0, (ruleset, compiled))
        del _COMPILED[_COMPILED_SIZE:]
    return compiled


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


# Ask-next lists compared per preview (two full evaluations each, ~10 ms): the app's
# IMPACT_ASK_NEXT_ROWS (or that environment variable), else this.
ASK_NEXT_ROWS = 500


def ask_next_rows() -> int:
    """How many answer sets one preview compares ask-next lists for."""
    configured = current_app.config.get(
        "IMPACT_ASK_NEXT_ROWS", os.environ.get("IMPACT_ASK_NEXT_ROWS")
    )
    return ASK_NEXT_ROWS if configured is None else max(0, int(configured))


def impact(
    name: str,
    draft_source: str,
    subjects: list[Subject] | None = None,
    data_files: Mapping[str, str] | None = None,
    processes: int | None = None,
    prefilter: bool = True,
    ask_next_limit: int | None = None,
    only: tuple[str, int, int] | None = None,
) -> Impact:
    """Re-evaluate every saved discovery and lead with the draft (its source and data
    files) and with the active version; list those whose products, risks, risk
    severities, derived facts (the segment ...) or ask-next list change, and the rule edits
    responsible (a change that only data edits explain names the rules whose firing changed
    and the data files edited).

    Products, risks, severities and derived facts come from the bulk summaries (see
    `impact_details`); the ask-next list is compared with a full evaluation only for the
    answer sets where it can differ. `processes` (default `impact_processes()`): a
    background job's chunk passes 1, so no child process outlives it. Only the answer
    sets the draft can change are evaluated (`impact_filter`); `prefilter=False`
    evaluates every one with both versions (the same report, slower: tests compare them).
    Ask-next lists are compared for at most `ask_next_limit` answer sets (default
    `ask_next_rows()`), in the order of the subjects; the report counts the others
    (`ask_next_unchecked`). Without `subjects`, the saved discoveries and leads (with
    `only`, a background job's chunk: kind, first id, last id).
    """
    budget = ask_next_rows() if ask_next_limit is None else ask_next_limit
    unchecked = 0
    started = time.perf_counter()
    active = active_version(name)
    active_files = dict(active.data_files or {})
    draft_files = dict(active_files if data_files is None else data_files)
    edits = rule_edits(active.source, draft_source, active_files, draft_files)
    # Loaded here (not given): every stored answer, reduced to the visible ones only for
    # the answer sets the filter lets through (`_raw_may_change`).
    raw = saved_raw(only) if subjects is None else None
    total = len(raw if raw is not None else subjects or [])
    draft_rules = {r["id"]: r for r, _ in rules_of(draft_source)}
    active_rules = {r["id"]: r for r, _ in rules_of(active.source)}
    items: list[ImpactItem] = []
    errors: list[str] = []
    old_ruleset, _ = load_checked(active.source, name, active_files)
    new_ruleset, _ = load_checked(draft_source, name, draft_files)
    product_names = {pid: p.name for pid, p in old_ruleset.products.items()}
    product_names.update({pid: p.name for pid, p in new_ruleset.products.items()})
    risk_names = {rid: r.title for rid, r in old_ruleset.risks.items()}
    risk_names.update({rid: r.title for rid, r in new_ruleset.risks.items()})
    touched = details.Touched(old_ruleset, new_ruleset)
    full_reason = "the filter was turned off"
    screen = impact_filter.Prefilter(old_ruleset, new_ruleset) if prefilter else None
    if screen is not None and not screen.applies:
        full_reason = f"{screen.reason} changed"
        screen = None
    if raw is not None:
        subjects = _raw_may_change(raw, screen, touched) if screen is not None else _visible(raw)
    elif screen is not None:
        subjects = _may_change(subjects or [], screen, touched)
    assert subjects is not None
    if screen is not None:
        full_reason = ""
    # Identical answer sets are evaluated once; each distinct one with both versions, but
    # with the active version only when this process has not evaluated it before.
    distinct: dict[str, dict[str, Any]] = {}
    for subj in subjects:
        distinct.setdefault(subj.answers_key, subj.answers)
    keys = list(distinct)
    known = _active_memory(old_ruleset)
    processes = impact_processes() if processes is None else processes
    wanted = [(k not in known.outcomes, True) for k in keys]
    if processes == 1:  # a job's chunk: the rulesets compiled once per process
        evaluated = summarize_compiled(
            [_compiled(old_ruleset), _compiled(new_ruleset)], [distinct[k] for k in keys], wanted
        )
    else:
        evaluated = summarize_all(
            [old_ruleset, new_ruleset], [distinct[k] for k in keys], processes, wanted=wanted
        )
    outcomes: dict[str, tuple[Outcome, Outcome]] = {}
    for k, (old, new) in zip(keys, evaluated, strict=True):
        if old is None:
            old = known.outcomes[k]
        elif len(known.outcomes) < ACTIVE_OUTCOMES_SIZE:
            known.outcomes[k] = old
        assert new is not None
        outcomes[k] = (old, new)
    old_facts, new_facts = details.Facts(old_ruleset), details.Facts(new_ruleset)
    params_changed = param_changes(old_ruleset, new_ruleset)
    edits.params = list(params_changed.values())
    rule_params = _rule_params(old_ruleset, new_ruleset, params_changed)
    data_facts = _DataFacts(old_ruleset, new_ruleset)
    data_blamed = False
    ask_next = _AskNext(active, old_ruleset, new_ruleset, known)
    try:
        for subj in subjects:
            old, new = outcomes[subj.answers_key]
            if isinstance(old, str) or isinstance(new, str):  # one bad record is reported
                errors.append(f"{subj.kind} {subj.id}: {old if isinstance(old, str) else new}")
                continue
            old_p, old_r, old_f = old
            new_p, new_r, new_f = new
            old_derived, old_sev = old_facts.of(old_f)
            new_derived, new_sev = new_facts.of(new_f)
            differs = (
                old_p != new_p or old_r != new_r or old_derived != new_derived or old_sev != new_sev
            )
            asked_before: list[Question] = []
            asked_after: list[Question] = []
            if differs or touched.may_change(subj.questionnaire, subj.answers, old_derived):
                if ask_next.evaluated < budget:
                    asked_before, asked_after = ask_next.both(subj)
                elif subj.questionnaire is not None:
                    unchecked += 1
            before_ids = {q.id for q in asked_before}
            after_ids = {q.id for q in asked_after}
            if not differs and before_ids == after_ids:
                continue
            facts = details.fact_changes(old_derived, new_derived, old_ruleset, new_ruleset)
            severities = details.severity_changes(old_sev, new_sev, risk_names)
            entering = [q for q in asked_after if q.id not in before_ids]
            leaving = [q for q in asked_before if q.id not in after_ids]
            changed_ids = (
                (old_p ^ new_p)
                | (old_r ^ new_r)
                | {c.id for c in facts}
                | {c.id for c in severities}
            )
            responsible = sorted(
                rid
                for rid in edits.all
                if ((rid in old_f) != (rid in new_f))
                or (
                    (rid in old_f or rid in new_f)
                    and _effect_ids(draft_rules.get(rid) or active_rules.get(rid) or {}, derived=True)
                    & changed_ids
                )
            )
            if not responsible and (entering or leaving):
                # Only the ask-next list changed: the edited rules that read those questions.
                asked = {q.id for q in entering + leaving}
                responsible = sorted(
                    rid for rid in edits.all if _rule_fields(rid, old_ruleset, new_ruleset) & asked
                ) or sorted(edits.all)
            responsible = _because(
                responsible,
                old_f ^ new_f,
                {
                    rid
                    for rid in (old_f | new_f)
                    if _effect_ids(draft_rules.get(rid) or active_rules.get(rid) or {}, derived=True)
                    & changed_ids
                },
                rule_params,
                params_changed,
                edits,
                bool(edits.data) and data_facts.differ(subj),
            )
            data_blamed = data_blamed or any("(via " in r for r in responsible)
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
                    severities=severities,
                    facts=facts,
                    ask_next_added=entering,
                    ask_next_removed=leaving,
                )
            )
    finally:
        ask_next.close()
    edits.data_inert = bool(edits.data) and not data_blamed
    return Impact(
        active_version=active.version,
        evaluated=total,
        items=items,
        edits=edits,
        errors=errors,
        seconds=time.perf_counter() - started,
        unchanged_sources=with_version(draft_source, 0) == with_version(active.source, 0)
        and not edits.data,
        product_names=product_names,
        risk_names=risk_names,
        ask_next_evaluated=ask_next.evaluated,
        ask_next_partial=touched.partial,
        fully_evaluated=len(subjects),
        full_reason=full_reason,
        ask_next_unchecked=unchecked,
    )


def _may_change(
    subjects: list[Subject], prefilter: impact_filter.Prefilter, touched: details.Touched
) -> list[Subject]:
    """The subjects the draft may change (outcome or ask-next list): `impact_filter`."""
    checked: dict[str, tuple[bool, dict[str, Any]]] = {}
    out = []
    for subj in subjects:
        key = subj.answers_key
        verdict = checked.get(key)
        if verdict is None:
            verdict = checked[key] = prefilter.check(subj.answers)
        differs, derived = verdict
        if differs or touched.may_change(subj.questionnaire, subj.answers, derived):
            out.append(subj)
    return out


def _visible(raw: list[Subject]) -> list[Subject]:
    visibility: dict[int, Any] = {}
    return [visible_subject(r, visibility) for r in raw]


class _Partial:
    """The visible answers among some questions of a questionnaire (those and every
    question their visibility depends on): what `Questionnaire.visible_answers` keeps of
    them, computed once per distinct combination of the answers their show_if read."""

    def __init__(self, questionnaire: Any, ids: set[str]) -> None:
        self.questionnaire = questionnaire
        closure: set[str] = set()
        stack = [qid for qid in ids if qid in questionnaire.questions]
        while stack:
            qid = stack.pop()
            if qid not in closure:
                closure.add(qid)
                stack += [d for d in questionnaire.dependencies(qid) if d in questionnaire.questions]
        self.ids = [qid for qid in questionnaire.questions if qid in closure]
        self.fields = sorted({d for qid in closure for d in questionnaire.dependencies(qid)})
        self.memo: dict[str, frozenset[str]] = {}

    def visible(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        read = {f: answers[f] for f in self.fields if answers.get(f) is not None}
        key = json.dumps(read, sort_keys=True, default=repr)
        shown = self.memo.get(key)
        if shown is None:
            shown = self.memo[key] = frozenset(self.questionnaire.visible_question_ids(read))
        return {q: answers[q] for q in self.ids if q in shown and answers.get(q) is not None}


def _raw_may_change(
    raw: list[Subject], prefilter: impact_filter.Prefilter, touched: details.Touched
) -> list[Subject]:
    """`_may_change` over stored answers, visible or not: each is first checked with only
    the visible answers the filter reads (`_Partial`, cheap); only those it lets through,
    or whose ask-next list may change, or whose stored answers the engine would refuse
    (then reported as before), get all their visible answers and are checked again."""
    partial: dict[int, _Partial] = {}
    passed: list[Subject] = []
    for subj in raw:
        q = subj.questionnaire
        if q is None:
            passed.append(subj)
            continue
        view = partial.get(id(q))
        if view is None:
            view = partial[id(q)] = _Partial(q, prefilter.reads)
        try:
            normalise_facts(drop_unanswered(subj.answers))
        except Exception:  # FactError: all its visible answers decide
            passed.append(subj)
            continue
        answers = view.visible(subj.answers)
        differs, derived = prefilter.check(answers)
        if differs or touched.live(q, answers, derived):
            passed.append(subj)
    return _may_change(_visible(passed), prefilter, touched)


def _because(
    edited: list[str],
    flipped: frozenset[str] | set[str],
    effective: set[str],
    rule_params: Mapping[str, set[str]],
    params_changed: Mapping[str, str],
    edits: RuleEdits,
    data_differs: bool,
) -> list[str]:
    """What one row's change is due to: the edited rules responsible (`edited`), then each
    changed parameter a rule that fired in one version only (`flipped`) or whose effects
    changed the row (`effective`) uses, with its old and new value; the data files only
    when the facts computed from them differ for this row; else what else changed."""
    out = list(edited)
    used = sorted({p for rid in flipped | effective for p in rule_params.get(rid, ())})
    out += [params_changed[p] for p in used]
    if data_differs:
        via = ", ".join(edits.data)
        unexplained = {rid for rid in flipped if rid not in edited and not rule_params.get(rid)}
        out += [f"{rid} (via {via})" for rid in sorted(unexplained)]
    if out:
        return out
    if params_changed:  # a calculation or a derived fact's formula uses them
        return list(params_changed.values())
    others = [k for k in edits.other if k != "params"]
    if data_differs:
        others += edits.data
    return [f"({', '.join(others) or 'catalogue'} changed)"]


def _rule_fields(rule_id: str, old: Any, new: Any) -> set[str]:
    """The answers and facts a rule of either version reads."""
    out: set[str] = set()
    for ruleset in (old, new):
        for rule in ruleset.rules:
            if rule.id == rule_id:
                out |= {f.removesuffix("__count") for f in rule.fields}
    return out


class _AskNext:
    """The ask-next list (as the recommendation panel shows it) of a saved discovery or lead
    under the active version and the draft, by a full evaluation with its questionnaire.
    The active version's lists are remembered like its outcomes; the draft is compiled on
    first use (`_compiled`, kept per process)."""

    def __init__(self, active: Any, old: Any, new: Any, memory: _Memory) -> None:
        self.active, self.old, self.new, self.memory = active, old, new, memory
        self._old_compiled: Any = None
        self._new_compiled: Any = None
        self.evaluated = 0

    def both(self, subj: Subject) -> tuple[list[Question], list[Question]]:
        q = subj.questionnaire
        if q is None:
            return [], []
        self.evaluated += 1
        key = f"{q.id}@{q.version}|{subj.answers_key}"
        before = self.memory.ask_next.get(key)
        if before is None:
            if self._old_compiled is None:
                self._old_compiled = rulesets.compiled_version(self.active)
            before = _asked(self._old_compiled, subj)
            if len(self.memory.ask_next) < ACTIVE_OUTCOMES_SIZE:
                self.memory.ask_next[key] = before
        if self._new_compiled is None:
            self._new_compiled = _compiled(self.new)
        return before, _asked(self._new_compiled, subj)

    def close(self) -> None:
        """Nothing to free: the draft's compiled form is kept by `_compiled`."""


def _asked(compiled: Any, subj: Subject) -> list[Question]:
    try:
        result = compiled.evaluate(subj.answers, subj.questionnaire)
    except Exception:  # EngineError: reported with the outcomes already
        return []
    return [
        Question(str(q["id"]), str(q.get("label") or q["id"]))
        for q in result.open_questions[:ASK_NEXT_LIMIT]
    ]
