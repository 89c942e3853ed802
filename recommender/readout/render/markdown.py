"""The readout as Markdown: the same sections as the HTML document, in the same order.

Every piece of text from the readout goes through `md_escape`, so a company name or a note
cannot turn into links, emphasis, headings, HTML or table cells."""

from __future__ import annotations

from typing import Any

from recommender.readout.render.fmt import (
    SEVERITIES,
    month_date,
    month_label,
    num,
    weeks,
)

#: The characters that could turn data into markup (the same set as the report renderer's).
_MD_SPECIAL = set("\\`*_[]<>#|~")


def md_escape(value: Any) -> str:
    """Backslash-escape Markdown punctuation; whitespace runs (newlines too) become one space,
    so every value stays on its line and in its table cell."""
    text = " ".join(str("" if value is None else value).split())
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(readout: dict[str, Any]) -> str:
    """The readout as a Markdown document (no trace: that stays in the HTML and JSON)."""
    meta = readout.get("meta") or {}
    summary = readout.get("summary") or {}
    go_live = summary.get("go_live") or {}
    design = readout.get("design") or {}
    roadmap = readout.get("roadmap") or {}
    start = roadmap.get("start_date")
    names: dict[str, str] = {}
    for group in design.get("groups") or []:
        for p in group.get("products") or []:
            names[str(p.get("id"))] = str(p.get("name") or p.get("id"))

    def when(month: Any) -> str:
        date = month_date(start, float(month)) if isinstance(month, int | float) else None
        return date.strftime("%b %Y") if date else ""

    number = 0

    def heading(title: str) -> list[str]:
        nonlocal number
        number += 1
        return [f"## {number}. {title}", ""]

    ruleset = meta.get("ruleset") or {}
    out = [f"# {md_escape(meta.get('company') or 'Customer')}: Stripe solution design", ""]
    out += [
        f"Prepared {md_escape(meta.get('report_date'))}"
        + (
            f" · ruleset {md_escape(ruleset.get('name'))} v{md_escape(ruleset.get('version'))}"
            if ruleset.get("name")
            else ""
        ),
        "",
    ]

    out += heading("Executive summary")
    for key in ("customer", "solution"):
        if summary.get(key):
            out += [md_escape(summary[key]), ""]
    target = month_label(go_live.get("target_date")) or "not set"
    plan = month_label(go_live.get("plan_date")) or "–"
    out += [
        f"- **Target go-live:** {md_escape(target)}",
        f"- **Planned go-live:** {md_escape(plan)}",
    ]
    if go_live.get("message"):
        out.append(f"- {md_escape(go_live['message'])}")
    out += ["", "**Highest risks**", ""]
    out += [
        f"- **{md_escape(r.get('title'))}** ({md_escape(r.get('severity'))}): "
        f"{md_escape(r.get('mitigation'))}"
        for r in summary.get("top_risks") or []
    ] or ["- none identified yet"]
    out += ["", "**First actions**", ""]
    out += [
        f"{i}. {md_escape(a.get('action'))} (owner: {md_escape(a.get('owner'))})"
        for i, a in enumerate(summary.get("first_actions") or [], start=1)
    ] or ["- none yet"]
    out.append("")
    if summary.get("missing"):
        out += [
            "**Still to answer:** "
            + "; ".join(md_escape(q.get("label")) for q in summary["missing"]),
            "",
        ]

    out += heading("Solution design")
    out += ["### One payments surface per channel", ""]
    out += _table(
        ["Channel", "Recommended", "Not chosen", "Why not"],
        [
            [
                s.get("channel_label") or s.get("channel"),
                s.get("name"),
                s.get("alternative_name") or "–",
                s.get("why_not_alternative") or "",
            ]
            for s in design.get("surfaces") or []
        ],
    )
    if design.get("records"):
        out += ["### Systems of record", ""]
        out += _table(
            ["Document", "Owned by"],
            [[r.get("what"), r.get("text")] for r in design.get("records") or []],
        )
    for group in design.get("groups") or []:
        out += [f"### {md_escape(group.get('title'))}", ""]
        for p in group.get("products") or []:
            why = "; ".join(md_escape(w) for w in p.get("rationale") or [])
            out.append(
                f"- **{md_escape(p.get('name'))}** ({md_escape(p.get('phase'))})"
                + (f": {why}" if why else "")
            )
        out.append("")

    out += heading("Architecture")
    arch = readout.get("architecture") or {}
    labels = {str(n.get("id")): n.get("label") or n.get("id") for n in arch.get("nodes") or []}
    out += _table(
        ["From", "To", "Flow", "Through"],
        [
            [
                labels.get(str(e.get("source")), e.get("source")),
                labels.get(str(e.get("target")), e.get("target")),
                e.get("label"),
                e.get("through"),
            ]
            for e in arch.get("edges") or []
        ],
    )

    out += heading("Roadmap")
    if go_live.get("message"):
        out += [md_escape(go_live["message"]), ""]
    out += [f"- {md_escape(a)}" for a in roadmap.get("advice") or []]
    if roadmap.get("advice"):
        out.append("")
    for phase in roadmap.get("phases") or []:
        out += [f"### {md_escape(phase.get('title') or phase.get('id'))}", ""]
        out += _table(
            ["Product", "Start", "End", "Effort", "After", "Note"],
            [
                [
                    i.get("name"),
                    when(i.get("start_month")),
                    when(i.get("end_month")),
                    weeks(i),
                    ", ".join(names.get(d, d) for d in i.get("depends_on") or []),
                    i.get("note") or "",
                ]
                for i in phase.get("items") or []
            ],
        )

    migration = readout.get("migration")
    if migration:
        out += heading("Migration and cut-over")
        lead = migration.get("lead_time_weeks") or []
        out += [
            f"- **From:** {md_escape(migration.get('processor_label') or migration.get('processor'))}",
            f"- **Saved cards to move:** {md_escape(num(migration.get('saved_cards')) or 'unknown')}",
        ]
        if len(lead) == 2:
            out.append(f"- **Import lead time:** {num(lead[0])}–{num(lead[1])} weeks")
        out.append("")
        out += [
            f"{i}. **{md_escape(s.get('title'))}** ({when(s.get('start_month'))} – "
            f"{when(s.get('end_month'))}): {md_escape(s.get('detail'))}"
            for i, s in enumerate(migration.get("steps") or [], start=1)
        ]
        out += ["", "Checks before switching off the old processor:", ""]
        out += [f"- {md_escape(c)}" for c in migration.get("checks") or []]
        out.append("")

    out += heading("Markets")
    out += (
        _table(
            [
                "Market",
                "Currency",
                "Stripe account",
                "Authentication",
                "Payment methods, in order",
                "In person",
                "Notes",
            ],
            [
                [
                    m.get("country_name") or m.get("country"),
                    m.get("currency") or "–",
                    m.get("account_country") or "–",
                    m.get("auth_regime_label") or m.get("auth_regime") or "–",
                    ", ".join(str(x.get("name")) for x in m.get("methods") or []),
                    str(m.get("terminal") or "–"),
                    " ".join(
                        [
                            m["notes"]
                            if isinstance(m.get("notes"), str)
                            else "; ".join(m.get("notes") or [])
                        ]
                        + [
                            f"Not offered: {x.get('name')} ({x.get('reason')})"
                            for x in m.get("excluded") or []
                        ]
                    ).strip(),
                ]
                for m in readout.get("markets") or []
            ],
        )
        if readout.get("markets")
        else ["No buyer markets answered yet.", ""]
    )

    out += heading("KPIs to track")
    out += _table(
        ["KPI", "Definition", "Baseline today", "Moved by"],
        [
            [
                k.get("name"),
                k.get("definition"),
                k.get("baseline") or "to measure",
                ", ".join(names.get(p, p) for p in k.get("moved_by") or [])
                or k.get("moved_by_text")
                or "–",
            ]
            for k in readout.get("kpis") or []
        ],
    )

    out += heading("Risks")
    risks = readout.get("risks") or []
    ordered = [r for sev in SEVERITIES for r in risks if r.get("severity") == sev]
    ordered += [r for r in risks if r.get("severity") not in SEVERITIES]
    out += (
        _table(
            ["Severity", "Risk", "Why", "Mitigation"],
            [
                [r.get("severity"), r.get("title"), r.get("reason"), r.get("mitigation")]
                for r in ordered
            ],
        )
        if ordered
        else ["No risks identified from the answers so far.", ""]
    )

    notes = readout.get("notes") or []
    if notes:  # left out when empty
        out += heading("Call notes")
        out += [
            f"- **{md_escape(n.get('section_title'))}:** {md_escape(n.get('text'))}" for n in notes
        ]
        out += [""]

    out += heading("Appendix")
    appendix = readout.get("appendix") or {}
    out += ["### The answers this design rests on", ""]
    out += _table(
        ["Question", "Answer"],
        [[a.get("label"), a.get("value")] for a in appendix.get("answers") or []],
    )
    out += ["### Open questions", ""]
    out += [f"- {md_escape(q.get('label'))}" for q in appendix.get("open_questions") or []] or [
        "- none"
    ]
    return "\n".join(out).rstrip() + "\n"
