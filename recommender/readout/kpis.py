"""KPIs to track after go-live (DOMAIN 6d): those the design's products move (or marked
`always`), with today's baseline when an answer gives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.readout.context import Context
from recommender.readout.text import fill, number


def baseline(ctx: Context, kpi: Mapping[str, Any]) -> str | None:
    spec = kpi.get("baseline")
    if not spec:
        return None
    value = ctx.answers.get(spec["answer"])
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return fill(str(spec["text"]), {"value": number(value)})


def build(ctx: Context) -> list[dict]:
    products = set(ctx.products)
    out = []
    for kpi in ctx.design.data["kpis"]:
        if not ctx.holds(kpi.get("when")):
            continue
        moved = [p for p in kpi["moved_by"] if p in products]
        if not moved and not kpi.get("always"):
            continue
        out.append(
            {
                "id": kpi["id"],
                "name": kpi["name"],
                "definition": kpi["definition"],
                "baseline": baseline(ctx, kpi),
                "moved_by": moved,
                "moved_by_text": None if moved else kpi.get("moved_by_text"),
            }
        )
    return out
