"""The live recommendation panel on the hot path (issue 12): every autosave sends it back.

What the panel shows of an evaluation (the result, ask-next, risk groups, the readout's
solution, go-live line and readiness, the "why not" choices) is a pure function of the
discovery's answers, its questionnaire version, the active ruleset version and the date (the
brief's report date). It is kept per process, keyed by all of them: the discovery's id,
creation time and revision (every saved answer or note bumps the revision), the
questionnaire version's id and checksum, the ruleset version's id and checksum, today's date
and whether the co-pilot is on. A changed answer (new revision) or a newly published version
(new ruleset version id) is a new key, so nothing shown can be stale; a repeated panel GET, the
live poll or the readout confirmation of an unchanged discovery does not evaluate again.

Per request, only what is not part of the evaluation is read: the discovery's revision with
its number of readouts (one statement, or none after a save, which read them), the active
ruleset version, and what the panel showed before ("changed by your last answer").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from recommender.errors import NotFound
from recommender.models.base import utcnow
from recommender.readout.build import brief as readout_brief
from recommender.services import copilot, discoveries, evaluation, reports, rulesets

#: Discoveries whose latest evaluation is kept per process (each a few tens of KB).
CACHE_SIZE = 200


@dataclass(frozen=True)
class Evaluated:
    """Everything the panel shows that follows from one evaluation (shared, never mutated)."""

    result: dict[str, Any]
    problems: list[str]
    risk_groups: list[tuple[str, list[dict[str, Any]]]]
    ask_next: list[copilot.AskNext]
    catalogue: copilot.Catalogue
    why_not_choices: list[copilot.Named]
    solution: str = ""
    go_live: str = ""
    readiness: tuple[copilot.AreaReadiness, ...] = ()


_cache: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Evaluated]] = OrderedDict()
_lock = threading.Lock()
_catalogues: dict[int, tuple[Any, copilot.Catalogue]] = {}


def clear() -> None:
    """Forget every kept evaluation (tests)."""
    with _lock:
        _cache.clear()


def panel(
    discovery_id: int,
    previous: Mapping[str, Any] | None = None,
    *,
    copilot_on: bool = True,
    saved: discoveries.SaveResult | None = None,
) -> reports.Panel:
    """The panel for the discovery's current answers (see `reports.panel` for `previous` and
    `copilot_on`). `saved`: the save that just ran, whose discovery, answers and visible
    questions the panel takes instead of reading them again."""
    head = saved.state if saved is not None else None
    if head is None:
        head = discoveries.discovery_head(discovery_id)
    ev = _evaluated(head, saved, copilot_on)
    out = reports.Panel(
        discovery=cast(Any, head),  # the template reads its id and revision
        result=ev.result,
        risk_groups=ev.risk_groups,
        ask_next=ev.ask_next,
        snapshot_count=head.snapshots,
        errors=ev.problems,
    )
    if not copilot_on:
        return out
    q = head.questionnaire
    out.last_change = copilot.last_change(previous, ev.result, ev.catalogue, q)
    out.why_not_choices = ev.why_not_choices
    out.solution, out.go_live, out.readiness = ev.solution, ev.go_live, list(ev.readiness)
    return out


def readiness_of(discovery_id: int) -> list[copilot.AreaReadiness]:
    """The key questions per design area for the discovery's current answers (empty when no
    ruleset is active), from the kept evaluation when the panel made it already."""
    ev = _evaluated(discoveries.discovery_head(discovery_id), None, True)
    return list(ev.readiness)


def _evaluated(
    head: discoveries.DiscoveryHead, saved: discoveries.SaveResult | None, copilot_on: bool
) -> Evaluated:
    try:
        row, compiled = rulesets.active_compiled(evaluation.DEFAULT_RULESET)
    except NotFound as exc:
        # No active ruleset (yet): the panel says so rather than failing silently.
        return _without_ruleset(exc.message)
    today = utcnow().date()
    # One kept evaluation per discovery (its latest state: an older revision is never shown
    # again), matched on everything the panel depends on.
    slot = (head.id, head.created_at)
    key = (
        head.revision,
        head.questionnaire_version_id,
        head.checksum,
        row.id,
        row.checksum,
        today,
        copilot_on,
    )
    with _lock:
        found = _cache.get(slot)
        if found is not None and found[0] == key:
            _cache.move_to_end(slot)
            return found[1]
    q = head.questionnaire
    if saved is not None and saved.answers is not None:
        visible = {qid: saved.answers[qid] for qid in saved.visible if qid in saved.answers}
    else:
        visible = q.visible_answers(discoveries.answers_of(head.id))
    result = compiled.evaluate(visible, q).to_dict()
    catalogue = _catalogue(compiled)
    ev = Evaluated(
        result=result,
        problems=reports.error_messages(result),
        risk_groups=reports.risk_groups(result),
        ask_next=copilot.ask_next(q, result, catalogue),
        catalogue=catalogue,
        why_not_choices=catalogue.not_recommended(result) if copilot_on else [],
    )
    if copilot_on:
        brief = readout_brief(
            answers=visible,
            result=result,
            design=_design(compiled),
            questionnaire=q,
            report_date=today,
        )
        ev = Evaluated(
            **{
                **ev.__dict__,
                "solution": str(brief["solution"]),
                "go_live": str((brief.get("go_live") or {}).get("message") or ""),
                "readiness": tuple(copilot.readiness(brief["readiness"], q)),
            }
        )
    with _lock:
        _cache[slot] = (key, ev)
        _cache.move_to_end(slot)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return ev


def _without_ruleset(message: str) -> Evaluated:
    result = reports._empty_result(evaluation.DEFAULT_RULESET)
    return Evaluated(
        result=result,
        problems=[message, *reports.error_messages(result)],
        risk_groups=reports.risk_groups(result),
        ask_next=[],
        catalogue=copilot.Catalogue(),
        why_not_choices=[],
    )


def _catalogue(compiled: Any) -> copilot.Catalogue:
    """The compiled version's catalogue (names of products and risks), made once per version."""
    kept = _catalogues.get(id(compiled))
    if kept is not None and kept[0] is compiled:
        return kept[1]
    catalogue = copilot.Catalogue.of(compiled)
    with _lock:
        if len(_catalogues) > 16:
            _catalogues.clear()
        _catalogues[id(compiled)] = (compiled, catalogue)
    return catalogue


def _design(compiled: Any) -> dict[str, Any] | None:
    """The solution design published with the ruleset version (None: the shipped file)."""
    data = compiled.ruleset.data
    design = data.get("solution_design") if isinstance(data, Mapping) else None
    return dict(design) if isinstance(design, Mapping) else None
