"""Architecture: the customer's systems (only those they have), the Stripe products that
exchange data with them, and labelled, directed data flows between the two (DOMAIN 6b)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.readout.context import Context
from recommender.readout.text import capitalise, placeholders


def present_systems(ctx: Context) -> dict[str, Mapping[str, Any]]:
    """Systems whose `when` holds, by id (Stripe-kind systems are kept only if a flow uses them)."""
    return {sid: s for sid, s in ctx.design.systems.items() if ctx.holds(s.get("when"))}


def system_label(ctx: Context, system: Mapping[str, Any]) -> str:
    """The label (the first of `labels` whose `when` holds, else `label`), plus the detail in
    brackets when every placeholder of it has a value."""
    text = next(
        (v["label"] for v in system.get("labels", []) if ctx.holds(v.get("when"))), system["label"]
    )
    label = capitalise(ctx.fill(str(text)).strip())
    detail = str(system.get("detail") or "")
    values = ctx.values()
    if detail and all(values.get(name) for name in placeholders(detail)):
        return f"{label} ({ctx.fill(detail)})"
    return label


def flows(ctx: Context, systems: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The flows that apply: `when` holds and both ends are shown."""
    products = set(ctx.products)

    def shown(end: str) -> bool:
        return end in systems or (end not in ctx.design.systems and end in products)

    return [
        f
        for f in ctx.design.data["flows"]
        if shown(f["from"]) and shown(f["to"]) and ctx.holds(f.get("when"))
    ]


def build(ctx: Context) -> dict:
    systems = present_systems(ctx)
    applied = flows(ctx, systems)
    used = {f["from"] for f in applied} | {f["to"] for f in applied}
    nodes = [
        {
            "id": sid,
            "label": system_label(ctx, s),
            "kind": s["kind"],
            "group": s["group"],
        }
        for sid, s in systems.items()
        if s["kind"] != "stripe" or sid in used
    ]
    seen = {n["id"] for n in nodes}
    edges = []
    for f in applied:
        for end in (f["from"], f["to"]):
            if end not in seen:
                seen.add(end)
                nodes.append(
                    {
                        "id": end,
                        "label": ctx.name(end),
                        "kind": "stripe",
                        "group": ctx.design.group(end),
                    }
                )
        edge = {
            "source": f["from"],
            "target": f["to"],
            "label": ctx.fill(str(f["label"])),
            "through": ctx.fill(str(f["through"])),
        }
        if edge not in edges:
            edges.append(edge)
    return {"nodes": nodes, "edges": edges}


def summary_systems(ctx: Context, architecture: Mapping[str, Any]) -> list[str]:
    """Labels of the shown systems flagged `in_summary` (named in the solution paragraph)."""
    flagged = {sid for sid, s in ctx.design.systems.items() if s.get("in_summary")}
    return [n["label"] for n in architecture["nodes"] if n["id"] in flagged]
