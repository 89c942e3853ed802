"""Build the readout: one JSON-serialisable dict (the readout contract, docs/readout.md) from
the answers, the engine result and the solution design data. Rendering is elsewhere
(recommender.readout.render)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from recommender.readout import appendix, architecture, kpis, migration, roadmap, summary
from recommender.readout import design as design_part
from recommender.readout.context import Context
from recommender.readout.data import Design, shipped_design

NOTE_KEYS = ("section_id", "section_title", "text")
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def build_readout(
    *,
    answers: Mapping[str, Any],
    result: Mapping[str, Any],
    design: Mapping[str, Any] | None,
    questionnaire: Any = None,
    notes: Iterable[Mapping[str, Any]] = (),
    report_date: date,
    company: str | None = None,
) -> dict[str, Any]:
    """The readout for one discovery.

    `answers`: typed visible answers; `result`: `Result.to_dict()` of the rules engine;
    `design`: the parsed rules/solution_design.yaml (None: the file shipped in rules/);
    `notes`: the call notes marked for the readout; `report_date`: day 0 of the roadmap.
    """
    ctx = _context(answers, result, design, questionnaire, report_date, company)
    design_section = design_part.build(ctx)  # first: decides the products of the design
    arch = architecture.build(ctx)
    plan = roadmap.build(ctx)
    cut_over = migration.build(ctx, plan)
    return {
        "meta": meta(ctx),
        "summary": summary.build(ctx, design_section, arch, plan, cut_over),
        "design": design_section,
        "architecture": arch,
        "roadmap": plan.section,
        "migration": cut_over,
        "markets": markets(ctx),
        "kpis": kpis.build(ctx),
        "risks": summary.sorted_risks(ctx),
        "notes": [{k: str(n.get(k, "")) for k in NOTE_KEYS} for n in notes],
        "appendix": appendix.build(ctx),
    }


def brief(
    *,
    answers: Mapping[str, Any],
    result: Mapping[str, Any],
    design: Mapping[str, Any] | None,
    questionnaire: Any = None,
    report_date: date,
) -> dict[str, Any]:
    """What the live panel shows of the readout, built by the same steps: the summary's
    `solution` paragraph and `go_live` line, and `readiness` (the key questions per area)."""
    ctx = _context(answers, result, design, questionnaire, report_date, None)
    design_section = design_part.build(ctx)
    arch = architecture.build(ctx)
    plan = roadmap.build(ctx)
    return {
        "solution": summary.solution(ctx, design_section, arch),
        "go_live": summary.go_live(ctx, plan, migration.build(ctx, plan)),
        "readiness": summary.readiness(ctx),
    }


def _context(
    answers: Mapping[str, Any],
    result: Mapping[str, Any],
    design: Mapping[str, Any] | None,
    questionnaire: Any,
    report_date: date,
    company: str | None,
) -> Context:
    return Context(
        answers=dict(answers),
        result=result,
        design=Design(design if design is not None else shipped_design()),
        report_date=report_date,
        questionnaire=questionnaire,
        company=company,
    )


def markets(ctx: Context) -> list[dict[str, Any]]:
    """The engine's per-market plans; without stores, in-person availability (`terminal`) is
    None: it does not concern the customer. Sentences of a market's notes that matter only to
    other designs (`market_notes:`) are left out."""
    plans = [dict(m) for m in ctx.result.get("markets") or []]
    stores = "in_person" in (ctx.answers.get("channels") or [])
    hidden = [
        str(n["contains"])
        for n in ctx.design.data.get("market_notes", [])
        if not ctx.holds(n.get("when"))
    ]
    for plan in plans:
        if not stores:
            plan["terminal"] = None
        notes = plan.get("notes")
        if isinstance(notes, str) and hidden:
            kept = [s for s in SENTENCE.split(notes) if not any(h in s for h in hidden)]
            plan["notes"] = " ".join(kept)
    return plans


def meta(ctx: Context) -> dict[str, Any]:
    ruleset = ctx.result.get("ruleset") or {}
    return {
        "company": ctx.company or ctx.answers.get("company_name"),
        "report_date": ctx.report_date.isoformat(),
        "ruleset": {"name": ruleset.get("name"), "version": ruleset.get("version")},
        "generated_by": "recommender",
    }
