"""Roadmap advice when go-live misses the target: re-run the schedule with more tracks, a
partner, or items moved after launch, and say which helps and by how much (wording is data)."""

from __future__ import annotations

from recommender.readout.context import Context
from recommender.readout.dates import add_months_float
from recommender.readout.schedule import EPSILON, Options, Planner, Schedule, Work, to_months
from recommender.readout.text import months as months_text


def advice(
    ctx: Context, planner: Planner, base: Options, schedule: Schedule, target: int
) -> list[str]:
    """What to cut or parallelise: each variant that helps, with the launch month it gives."""
    per_month = float(planner.sched["weeks_per_month"])
    wording = ctx.design.wording["advice"]
    target_weeks = target * per_month
    out = []
    follow = [
        w.pid
        for w in planner.works
        if not planner.in_launch(w, base) and schedule.placed[w.pid].end > target_weeks + EPSILON
    ]
    # What brings go-live forward first (the one-pager shows the first ones), then what
    # follows after launch anyway.
    if to_months(schedule.launch, per_month) > target + EPSILON:  # as `meets_go_live` rounds
        out += Variants(ctx, planner, base, schedule).advice(target_weeks)
    if follow:
        out.append(
            ctx.fill(
                wording["follow_after_launch"],
                products=ctx.names(follow),
                total_months=months_text(schedule.total / per_month),
            )
        )
    return out


class Variants:
    """Re-runs of the schedule that could bring go-live forward."""

    def __init__(self, ctx: Context, planner: Planner, base: Options, schedule: Schedule) -> None:
        self.ctx = ctx
        self.planner = planner
        self.base = base
        self.schedule = schedule
        self.per_month = float(planner.sched["weeks_per_month"])
        self.wording = ctx.design.wording["advice"]
        self.best = schedule.launch

    def month(self, weeks: float) -> str:
        return months_text(weeks / self.per_month)

    def helps(self, schedule: Schedule) -> bool:
        self.best = min(self.best, schedule.launch)
        return schedule.launch < self.schedule.launch - 0.05 * self.per_month

    def launch_items(self, options: Options) -> list[Work]:
        return [w for w in self.planner.works if self.planner.in_launch(w, options)]

    def advice(self, target_weeks: float) -> list[str]:
        out = []
        out += self.parallelise()
        out += self.partner()
        out += self.defer()
        out += self.calendar_bound()
        combined = Options(
            more_tracks=True,
            partner_helps=True,
            deferred=frozenset(w.pid for w in self.planner.works if w.can_follow_launch),
        )
        self.helps(self.planner.run(combined))
        if self.best > target_weeks + EPSILON:
            out.append(
                self.ctx.fill(
                    self.wording["still_over"],
                    months=self.month(self.best),
                    date=month_date(self.ctx, self.best / self.per_month),
                )
            )
        return out

    def waited(self) -> list[str]:
        """Launch items that waited for a free track."""
        placed = self.schedule.placed
        return [
            w.pid
            for w in self.launch_items(self.base)
            if w.track is not None and placed[w.pid].start > placed[w.pid].ready + EPSILON
        ]

    def parallelise(self) -> list[str]:
        waited = self.waited()
        if not waited:
            return []
        run = self.planner.run(Options(more_tracks=True))
        if not self.helps(run):
            return []
        return [
            self.ctx.fill(
                self.wording["parallelise"],
                products=self.ctx.names(waited),
                months=self.month(run.launch),
            )
        ]

    def partner(self) -> list[str]:
        if self.ctx.dev_capacity == "large":
            return []
        options = Options(partner_helps=True)
        run = self.planner.run(options)
        if not self.helps(run):
            return []
        taken = [
            w.pid
            for w in self.launch_items(options)
            if w.track == "team" and run.placed[w.pid].track == "partner"
        ]
        return [
            self.ctx.fill(
                self.wording["partner"],
                products=self.ctx.names(taken),
                months=self.month(run.launch),
            )
        ]

    def defer(self) -> list[str]:
        out = []
        for w in self.launch_items(self.base):
            if not w.can_follow_launch:
                continue
            options = Options(deferred=frozenset({w.pid}))
            run = self.planner.run(options)
            if self.helps(run):
                out.append(
                    self.ctx.fill(
                        self.wording["defer"],
                        products=w.name,
                        how=self.ctx.fill(w.can_follow_launch),
                        months=self.month(run.launch),
                    )
                )
        return out

    def calendar_bound(self) -> list[str]:
        """Calendar-bound launch items that end at go-live (on the critical path)."""
        placed = self.schedule.placed
        late = [
            w.pid
            for w in self.launch_items(self.base)
            if w.elapsed and placed[w.pid].end >= self.schedule.launch - EPSILON
        ]
        if not late:
            return []
        return [self.ctx.fill(self.wording["calendar_bound"], products=self.ctx.names(late))]


def month_date(ctx: Context, months: float) -> str:
    """'YYYY-MM' of the month `months` after the report date."""
    return add_months_float(ctx.report_date, months)
