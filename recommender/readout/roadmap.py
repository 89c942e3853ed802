"""Phased roadmap section: the schedule (recommender.readout.schedule) as phases with dated
items in months from the report date, whether go-live meets the target, and the advice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from recommender.readout.advice import advice
from recommender.readout.context import Context
from recommender.readout.schedule import (
    EPSILON,
    Options,
    Placed,
    Planner,
    Schedule,
    Work,
    to_months,
)


@dataclass
class Roadmap:
    """The roadmap section plus what other sections need from the schedule."""

    section: dict
    schedule: Schedule
    planner: Planner
    launch_months: float

    def end_weeks(self, pids: Iterable[str]) -> float | None:
        ends = [self.schedule.placed[p].end for p in pids if p in self.schedule.placed]
        return max(ends) if ends else None


def item(w: Work, placed: Placed, per_month: float) -> dict:
    return {
        "product": w.pid,
        "name": w.name,
        "phase": w.phase,
        "start_month": to_months(placed.start, per_month),
        "end_month": to_months(placed.end, per_month),
        "weeks_low": w.weeks[0],
        "weeks_high": w.weeks[1],
        "depends_on": list(w.preds),
        "note": " ".join(w.notes),
    }


def phases(planner: Planner, schedule: Schedule, per_month: float) -> list[dict]:
    out = []
    for info in planner.design.phases:
        members = [w for w in planner.works if w.phase == info["id"]]
        if not members:
            continue
        members.sort(key=lambda w: (schedule.placed[w.pid].start, w.index))
        items = [item(w, schedule.placed[w.pid], per_month) for w in members]
        out.append(
            {
                "id": info["id"],
                "title": info["title"],
                "start_month": min(i["start_month"] for i in items),
                "end_month": max(i["end_month"] for i in items),
                "items": items,
            }
        )
    return out


def build(ctx: Context) -> Roadmap:
    planner = Planner(ctx)
    per_month = float(planner.sched["weeks_per_month"])
    base = Options()
    schedule = planner.run(base)
    launch_months = to_months(schedule.launch, per_month)
    total_months = to_months(schedule.total, per_month)
    target = target_months(ctx)
    meets = None if target is None else launch_months <= target + EPSILON
    section = {
        "start_date": ctx.report_date.isoformat(),
        "phases": phases(planner, schedule, per_month),
        "total_months": total_months,
        "meets_go_live": meets,
        "advice": advice(ctx, planner, base, schedule, target) if target is not None else [],
    }
    return Roadmap(section, schedule, planner, launch_months)


def target_months(ctx: Context) -> int | None:
    value = ctx.answers.get("go_live_months")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)
