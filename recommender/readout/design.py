"""One coherent design: one payments surface per channel (the alternative named with the
reason it was not chosen) and every product once, grouped by what it does for the customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.readout.context import Context

Choice = Mapping[str, Any]


def choose(ctx: Context, choices: list[Choice], recommended: list[str]) -> Choice | None:
    """The first recommended choice whose `when` holds, else the first recommended one."""
    candidates = [c for c in choices if c["product"] in recommended]
    for c in candidates:
        if ctx.holds(c.get("when"), recommended):
            return c
    return candidates[0] if candidates else None


def alternative(choices: list[Choice], chosen: Choice, products: list[str]) -> Choice | None:
    """The best other choice: the next in preference that is not a complement in the design."""
    for c in choices:
        if c["product"] == chosen["product"]:
            continue
        if c.get("complement") and c["product"] in products:
            continue
        return c
    return None


def channel_surfaces(ctx: Context) -> list[tuple[str, list[Choice], Choice]]:
    """(channel, choices, chosen) for each channel of the answers that has a recommended surface."""
    channels = ctx.answers.get("channels") or []
    recommended = ctx.recommended
    out = []
    for spec in ctx.design.data["surfaces"]:
        if spec["channel"] not in channels:
            continue
        chosen = choose(ctx, list(spec["choices"]), recommended)
        if chosen is not None:
            out.append((spec["channel"], list(spec["choices"]), chosen))
    return out


def design_products(ctx: Context, picked: list[tuple[str, list[Choice], Choice]]) -> list[str]:
    """The recommended products minus surfaces chosen for no channel (unless complements)."""
    chosen = {c["product"] for _, _, c in picked}
    dropped = {
        c["product"]
        for _, choices, _ in picked
        for c in choices
        if c["product"] not in chosen and not c.get("complement")
    }
    return [p for p in ctx.recommended if p not in dropped]


def surface_row(ctx: Context, channel: str, choices: list[Choice], chosen: Choice) -> dict:
    variants = chosen.get("labels", [])
    name = next((v["label"] for v in variants if ctx.holds(v.get("when"))), None)
    name = name or chosen.get("label") or ctx.name(chosen["product"])
    alt = alternative(choices, chosen, ctx.products)
    return {
        "channel": channel,
        "channel_label": ctx.design.label("channels", channel),
        "product": chosen["product"],
        "name": name,
        "alternative": alt["product"] if alt else None,
        "alternative_name": ctx.name(alt["product"]) if alt else None,
        "why_not_alternative": ctx.fill(alt["why_not"], chosen=name) if alt else None,
    }


def groups(ctx: Context) -> list[dict]:
    """Every design product once, in its group; within a group by phase, then result order."""
    design = ctx.design
    rationale = {p["id"]: list(p.get("rationale", [])) for p in ctx.result.get("products", [])}
    order = {pid: i for i, pid in enumerate(ctx.products)}
    out = []
    for g in design.groups:
        members = [p for p in ctx.products if design.group(p) == g["id"]]
        members.sort(key=lambda p: (design.phase_rank.get(ctx.phase(p), 99), order[p]))
        if not members:
            continue
        out.append(
            {
                "id": g["id"],
                "title": g["title"],
                "products": [
                    {
                        "id": p,
                        "name": ctx.name(p),
                        "phase": ctx.phase(p),
                        "rationale": rationale.get(p, []),
                    }
                    for p in members
                ],
            }
        )
    return out


def build(ctx: Context) -> dict:
    """The design section; sets `ctx.products` and `ctx.surfaces` for the other sections."""
    picked = channel_surfaces(ctx)
    ctx.products = design_products(ctx, picked)
    ctx.surfaces = {channel: chosen["product"] for channel, _, chosen in picked}
    return {
        "surfaces": [surface_row(ctx, ch, choices, chosen) for ch, choices, chosen in picked],
        "groups": groups(ctx),
        "records": records(ctx),
    }


def records(ctx: Context) -> list[dict]:
    """Systems of record: who owns each document more than one system could issue."""
    return [
        {"what": ctx.fill(str(r["what"])), "text": ctx.fill(str(r["text"]))}
        for r in ctx.design.data.get("records", [])
        if ctx.holds(r.get("when"))
    ]
