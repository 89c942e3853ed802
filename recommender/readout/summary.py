"""Executive summary: the customer in a sentence, the solution in a paragraph, top risks,
first actions with owners, go-live against the target, and the key questions still open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.readout.architecture import summary_systems
from recommender.readout.context import Context
from recommender.readout.dates import add_months, add_months_float, month_of
from recommender.readout.roadmap import Roadmap, target_months
from recommender.readout.text import join
from recommender.readout.text import months as months_text

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
TOP_RISKS = 3
MAX_TOP_RISKS = 6
FIRST_ACTIONS = 3
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def month_words(yyyy_mm: str) -> str:
    """'2026-09' -> 'September 2026'."""
    year, month = yyyy_mm.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"


def channel_phrase(ctx: Context, channel: str) -> str:
    phrase = ctx.design.labels.get("channel_phrases", {}).get(channel)
    return ctx.fill(phrase) if phrase else ctx.design.label("channels", channel)


def customer(ctx: Context) -> str:
    channels = [channel_phrase(ctx, c) for c in ctx.answers.get("channels") or []]
    return ctx.fill(ctx.design.wording["customer"], channels_phrase=join(channels))


def surfaces_phrase(ctx: Context, surfaces: list[Mapping[str, Any]]) -> str:
    """'Stripe Checkout on the website and Stripe Terminal in the 200 stores'."""
    by_name: dict[str, list[str]] = {}
    for s in surfaces:
        by_name.setdefault(s["name"], []).append(channel_phrase(ctx, s["channel"]))
    template = ctx.design.wording["surface_phrase"]
    return join(
        [ctx.fill(template, name=name, channel_phrase=join(ch)) for name, ch in by_name.items()]
    )


def solution(ctx: Context, design: Mapping[str, Any], architecture: Mapping[str, Any]) -> str:
    wording = ctx.design.wording
    if not ctx.products:
        return str(wording["solution_empty"])
    sentences = []
    if design["surfaces"]:
        sentences.append(
            ctx.fill(
                wording["solution_surfaces"], surfaces=surfaces_phrase(ctx, design["surfaces"])
            )
        )
    surface_ids = {s["product"] for s in design["surfaces"]}
    templates = {g["id"]: g.get("sentence") for g in ctx.design.groups}
    for group in design["groups"]:
        names = [p["name"] for p in group["products"] if p["id"] not in surface_ids]
        if names and templates.get(group["id"]):
            sentences.append(ctx.fill(str(templates[group["id"]]), products=join(names)))
    for extra in wording.get("solution_sentences", []):
        if ctx.holds(extra.get("when")):
            sentences.append(ctx.fill(str(extra["text"])))
    systems = summary_systems(ctx, architecture)
    if systems:
        sentences.append(ctx.fill(wording["solution_systems"], systems=join(systems)))
    return " ".join(s for s in sentences if s)


def sorted_risks(ctx: Context) -> list[dict]:
    risks = list(ctx.result.get("risks", []))
    risks.sort(key=lambda r: SEVERITY_RANK.get(r.get("severity", "low"), 3))
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "severity": r["severity"],
            "reason": r.get("reason", ""),
            "mitigation": r.get("mitigation", ""),
        }
        for r in risks
    ]


def top_risks(ctx: Context) -> list[dict]:
    """Every high risk (up to MAX_TOP_RISKS), and at least TOP_RISKS when there are more:
    a high risk is never dropped from the summary for lack of room."""
    ranked = sorted_risks(ctx)
    high = sum(1 for r in ranked if r["severity"] == "high")
    count = min(max(TOP_RISKS, high), MAX_TOP_RISKS)
    return [{k: r[k] for k in ("id", "title", "severity", "mitigation")} for r in ranked[:count]]


def first_actions(ctx: Context) -> list[dict]:
    out: list[dict] = []
    for step in ctx.design.data["next_steps"]:
        if len(out) == FIRST_ACTIONS:
            break
        if ctx.holds(step.get("when")):
            out.append({"action": ctx.fill(str(step["action"])), "owner": step["owner"]})
    return out


def go_live(ctx: Context, roadmap: Roadmap, migration: Mapping[str, Any] | None = None) -> dict:
    """Go-live against the target; with a migration that ends after go-live, the month the
    old processor is switched off (the same month the migration section shows)."""
    target = target_months(ctx)
    plan = roadmap.launch_months
    plan_date = add_months_float(ctx.report_date, plan)
    target_date = month_of(add_months(ctx.report_date, target)) if target is not None else None
    meets = roadmap.section["meets_go_live"]
    key = "no_target" if meets is None else ("meets" if meets else "misses")
    wording = ctx.design.wording["go_live"]
    message = ctx.fill(
        wording[key],
        plan_months=months_text(plan),
        plan_date=month_words(plan_date),
        target_months=str(target) if target is not None else "",
        target_date=month_words(target_date) if target_date else "",
    )
    cut_over = cut_over_months(migration)
    cut_over_date = add_months_float(ctx.report_date, cut_over) if cut_over is not None else None
    if cut_over_date and cut_over_date > plan_date and wording.get("cut_over"):
        message += " " + ctx.fill(
            str(wording["cut_over"]), cut_over_date=month_words(cut_over_date)
        )
    return {
        "target_months": target,
        "target_date": target_date,
        "plan_months": plan,
        "plan_date": plan_date,
        "cut_over_months": cut_over,
        "cut_over_date": cut_over_date,
        "meets": meets,
        "message": message,
    }


def cut_over_months(migration: Mapping[str, Any] | None) -> float | None:
    """When the migration's last step ends (the old processor is switched off)."""
    ends = [s["end_month"] for s in (migration or {}).get("steps") or []]
    return max(ends) if ends else None


def readiness(ctx: Context) -> list[dict]:
    """The key questions per design area (`key_questions:` of the design data) that apply now:
    shown by the questionnaire (when given) and with their `when:` holding; each with
    `answered`. The live panel shows this; `missing` lists the unanswered ones."""
    q = ctx.questionnaire
    visible = set(q.visible_question_ids(ctx.answers)) if q is not None else None
    areas: list[dict] = []
    for area in ctx.design.data["key_questions"]:
        questions = []
        for question in area["questions"]:
            qid = question["id"]
            if visible is not None and qid not in visible:
                continue
            if not ctx.holds(question.get("when")):
                continue
            label = q.questions[qid].label if q is not None else question["label"]
            questions.append({"id": qid, "label": str(label), "answered": qid in ctx.answers})
        areas.append({"area": area["area"], "title": area["title"], "questions": questions})
    return areas


def missing(ctx: Context, areas: list[dict] | None = None) -> list[dict]:
    """Key questions not answered (only those the questionnaire would show, when given),
    each once, in the order of the areas."""
    out: list[dict] = []
    seen: set[str] = set()
    for area in readiness(ctx) if areas is None else areas:
        for question in area["questions"]:
            if question["answered"] or question["id"] in seen:
                continue
            seen.add(question["id"])
            out.append({"id": question["id"], "label": question["label"]})
    return out


def build(
    ctx: Context,
    design: Mapping[str, Any],
    architecture: Mapping[str, Any],
    roadmap: Roadmap,
    migration: Mapping[str, Any] | None = None,
) -> dict:
    return {
        "customer": customer(ctx),
        "solution": solution(ctx, design, architecture),
        "top_risks": top_risks(ctx),
        "first_actions": first_actions(ctx),
        "go_live": go_live(ctx, roadmap, migration),
        "missing": missing(ctx),
    }
