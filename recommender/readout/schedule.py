"""Scheduling the design's products over the customer's team (used by the roadmap).

Each product is a work item with a duration (effort by dev_capacity, dated with one end of the
range), predecessors (its `depends_on` and the ordering rules, among products in the plan),
an earliest start (tasks such as tax registrations, a partner's lead time) and a track: the
team's (`parallel_tracks` by dev_capacity), a partner's, finance's, or none (calendar-bound
and configuration-only items). Items are placed in dependency order, launch-critical phases
first, each on the track slot that lets it start earliest. Go-live is when every item of a
`launch` phase ends; `after_launch` phases start after it. `Options` describe the variants
the advice tries (more tracks, a partner, products moved out of the launch scope).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.readout.context import Context
from recommender.readout.data import Weeks, pick, weeks_of
from recommender.readout.text import number

EPSILON = 1e-9


@dataclass
class Work:
    """One product in the plan."""

    pid: str
    name: str
    phase: str
    rank: int
    index: int
    weeks: Weeks
    duration: float
    track: str | None  # team | partner | finance | None (no track)
    preds: list[str]
    earliest: float
    notes: list[str]
    launch: bool
    after_launch: bool
    elapsed: bool = False
    can_follow_launch: str | None = None


@dataclass
class Placed:
    start: float
    end: float
    ready: float
    track: str | None


@dataclass(frozen=True)
class Options:
    """A scheduling variant: as many tracks as items can use (more people), a partner next
    to the team, products launched without (moved out of the launch scope)."""

    more_tracks: bool = False
    partner_helps: bool = False
    deferred: frozenset[str] = frozenset()


@dataclass
class Schedule:
    placed: dict[str, Placed] = field(default_factory=dict)
    launch: float = 0.0
    total: float = 0.0


class Planner:
    """Builds the work items once; `run(options)` schedules them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.design = ctx.design
        self.sched: Mapping[str, Any] = ctx.design.scheduling
        self.plan_with = str(self.sched["plan_with"])
        self.partner: Mapping[str, Any] = self.sched["partner"]
        self.partner_lead = pick(weeks_of(self.partner["lead_weeks"]), self.plan_with)
        self.tasks = self.applicable_tasks()
        self.works = [self.work(i, pid) for i, pid in enumerate(ctx.products)]
        self.by_id = {w.pid: w for w in self.works}

    # -- building work items ----------------------------------------------------------------
    def applicable_tasks(self) -> dict[str, Mapping[str, Any]]:
        return {tid: t for tid, t in self.design.tasks.items() if self.ctx.holds(t.get("when"))}

    def effort(self, pid: str, entry: Mapping[str, Any]) -> tuple[Weeks, str | None]:
        """(weeks, track) for the customer's dev_capacity."""
        effort = entry["effort"]
        for override in self.design.data.get("effort_overrides", []):
            if pid in override["products"] and self.ctx.holds(override["when"]):
                effort = override["effort"]
                break
        value = effort[self.ctx.dev_capacity]
        led_by = entry.get("led_by", "team")
        if value == "partner":
            source = effort[self.partner["effort_from"]]
            fallback = self.partner["default_weeks"]
            return weeks_of(source if isinstance(source, list) else fallback), "partner"
        weeks = weeks_of(value)
        if entry.get("elapsed") or weeks[1] <= 0:
            return weeks, None
        return weeks, {"partner": "partner", "finance": "finance"}.get(led_by, "team")

    def work(self, index: int, pid: str) -> Work:
        design = self.design
        entry = self.ctx.entry(pid)
        weeks, track = self.effort(pid, entry)
        phase = str(entry["phase"])
        info = design.phase_info(phase)
        plan = set(self.ctx.products)
        notes = self.base_notes(entry)
        preds = [d for d in entry.get("depends_on", []) if d in plan and d != pid]
        earliest = 0.0
        for rule in design.data.get("ordering", []):
            if pid not in rule["then"]:
                continue
            before = [a for a in rule["after"] if a in plan and a != pid]
            tasks = [a for a in rule["after"] if a in self.tasks]
            if not before and not tasks:
                continue
            preds += [b for b in before if b not in preds]
            for tid in tasks:
                earliest = max(earliest, self.task_weeks(tid))
                notes.append(self.task_note(tid))
            if rule.get("text"):
                notes.append(str(rule["text"]))
        wording = design.wording["roadmap_note"]
        if track == "partner":
            earliest = max(earliest, self.partner_lead)
            notes.append(str(wording["partner"]))
        if entry.get("elapsed"):
            notes.append(str(wording["elapsed"]))
        return Work(
            pid=pid,
            name=self.ctx.name(pid),
            phase=phase,
            rank=design.phase_rank.get(phase, len(design.phases)),
            index=index,
            weeks=weeks,
            duration=pick(weeks, self.plan_with),
            track=track,
            preds=preds,
            earliest=earliest,
            notes=notes,
            launch=bool(info.get("launch")),
            after_launch=bool(info.get("after_launch")),
            elapsed=bool(entry.get("elapsed")),
            can_follow_launch=entry.get("can_follow_launch"),
        )

    def base_notes(self, entry: Mapping[str, Any]) -> list[str]:
        notes = []
        if entry.get("decide_first"):
            template = self.design.wording["roadmap_note"]["decide_first"]
            text = self.ctx.fill(str(entry["decide_first"]))
            notes.append(self.ctx.fill(template, text=text))
        if entry.get("note"):
            notes.append(self.ctx.fill(str(entry["note"])))
        return notes

    def task_weeks(self, tid: str) -> float:
        return pick(weeks_of(self.tasks[tid]["weeks"]), self.plan_with)

    def task_note(self, tid: str) -> str:
        task = self.tasks[tid]
        return self.ctx.fill(
            self.design.wording["roadmap_note"]["task"],
            title=str(task["title"]),
            owner=self.design.owner(str(task["owner"])),
            weeks=weeks_range(weeks_of(task["weeks"])),
        )

    # -- scheduling -------------------------------------------------------------------------
    def in_launch(self, w: Work, options: Options) -> bool:
        return w.launch and w.pid not in options.deferred

    def order(self, options: Options) -> list[Work]:
        """Dependency order; launch-critical first, then by phase and design order."""

        def key(w: Work) -> tuple[bool, bool, int, int]:
            return (w.after_launch, not self.in_launch(w, options), w.rank, w.index)

        waiting = {w.pid: {p for p in w.preds if p in self.by_id} for w in self.works}
        users: dict[str, list[str]] = {w.pid: [] for w in self.works}
        for pid, preds in waiting.items():
            for p in preds:
                users[p].append(pid)
        heap = [(key(w), w.pid) for w in self.works if not waiting[w.pid]]
        heapq.heapify(heap)
        out: list[Work] = []
        while heap:
            _, pid = heapq.heappop(heap)
            out.append(self.by_id[pid])
            for user in users[pid]:
                waiting[user].discard(pid)
                if not waiting[user]:
                    heapq.heappush(heap, (key(self.by_id[user]), user))
        done = {w.pid for w in out}  # a cycle (check_design reports it): place the rest anyway
        out += sorted((w for w in self.works if w.pid not in done), key=key)
        return out

    def tracks(self, options: Options) -> dict[str, list[float]]:
        """Free-from times of each track's slots."""
        sizes = {
            "team": int(self.sched["parallel_tracks"][self.ctx.dev_capacity]),
            "partner": int(self.partner["tracks"]),
            "finance": int(self.sched.get("finance_tracks", 1)),
        }
        if options.more_tracks:
            sizes = {name: max(size, len(self.works)) for name, size in sizes.items()}
        start = {"partner": self.partner_lead}
        return {name: [start.get(name, 0.0)] * size for name, size in sizes.items()}

    def run(self, options: Options) -> Schedule:
        tracks = self.tracks(options)
        after_weeks = float(self.sched.get("after_launch_weeks", 0))
        schedule = Schedule()
        launch: float | None = None
        for w in self.order(options):
            ready = max(
                [w.earliest] + [schedule.placed[p].end for p in w.preds if p in schedule.placed]
            )
            if w.after_launch:
                if launch is None:
                    launch = self.launch_of(schedule.placed, options)
                ready = max(ready, launch + after_weeks)
            start, track = self.place(w, ready, tracks, options)
            schedule.placed[w.pid] = Placed(start, start + w.duration, ready, track)
        schedule.launch = self.launch_of(schedule.placed, options)
        schedule.total = max((p.end for p in schedule.placed.values()), default=0.0)
        return schedule

    def place(
        self, w: Work, ready: float, tracks: dict[str, list[float]], options: Options
    ) -> tuple[float, str | None]:
        """Start on the track slot that lets `w` start earliest (best fit on ties)."""
        if w.track is None or w.duration <= 0:
            return ready, None
        names = [w.track] + (["partner"] if w.track == "team" and options.partner_helps else [])
        best: tuple[float, float, int, str, int] | None = None
        for order, name in enumerate(names):
            for i, free in enumerate(tracks[name]):
                candidate = (max(ready, free), -free, order, name, i)
                if best is None or candidate < best:
                    best = candidate
        assert best is not None
        start, _, _, name, i = best
        tracks[name][i] = start + w.duration
        return start, name

    def launch_of(self, placed: Mapping[str, Placed], options: Options) -> float:
        """Go-live: the end of the launch-critical items (of everything before launch if none)."""
        ends = [
            placed[w.pid].end for w in self.works if w.pid in placed and self.in_launch(w, options)
        ]
        if not ends:
            ends = [placed[w.pid].end for w in self.works if w.pid in placed and not w.after_launch]
        return max(ends, default=0.0)


def weeks_range(weeks: Weeks) -> str:
    low, high = weeks
    return number(low) if low == high else f"{number(low)}–{number(high)}"


def to_months(weeks: float, per_month: float) -> float:
    return round(weeks / per_month, 2)
