"""Migration and cut-over plan (DOMAIN 6c), only when there is a current processor: dated
steps (the integration's end comes from the roadmap), reconciliation checks, import lead time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.readout.context import Context
from recommender.readout.data import pick, weeks_of
from recommender.readout.roadmap import Roadmap
from recommender.readout.schedule import to_months


def step_times(
    ctx: Context, roadmap: Roadmap, steps: list[Mapping[str, Any]]
) -> dict[str, tuple[float, float]]:
    """(start, end) in weeks per applicable step, in order; `after` counts applicable steps."""
    plan_with = str(ctx.design.scheduling["plan_with"])
    times: dict[str, tuple[float, float]] = {}
    for step in steps:
        start = max([times[a][1] for a in step.get("after", []) if a in times], default=0.0)
        duration = pick(weeks_of(step["weeks"]), plan_with)
        end = roadmap.end_weeks(step.get("ends_with", [])) if step.get("ends_with") else None
        times[step["id"]] = (start, max(end, start) if end is not None else start + duration)
    return times


def build(ctx: Context, roadmap: Roadmap) -> dict | None:
    spec = ctx.design.data["migration"]
    if not ctx.holds(spec["when"]):
        return None
    per_month = float(ctx.design.scheduling["weeks_per_month"])
    steps = [s for s in spec["steps"] if ctx.holds(s.get("when"))]
    times = step_times(ctx, roadmap, steps)
    lead = next((s for s in spec["steps"] if s.get("lead_time")), None)
    processor = str(ctx.answers.get("current_processor"))
    return {
        "processor": processor,
        "processor_label": ctx.values().get("current_processor", processor),
        "saved_cards": ctx.answers.get("saved_cards_count"),
        "steps": [
            {
                "title": ctx.fill(str(s["title"])),
                "detail": ctx.fill(str(s["detail"])),
                "start_month": to_months(times[s["id"]][0], per_month),
                "end_month": to_months(times[s["id"]][1], per_month),
            }
            for s in steps
        ],
        "checks": [ctx.fill(str(c["text"])) for c in spec["checks"] if ctx.holds(c.get("when"))],
        "lead_time_weeks": list(weeks_of(lead["weeks"])) if lead else None,
    }
