"""The readout as one printable HTML document (inline CSS and SVG, no scripts, no external
assets), and the one-pager's HTML that `pdf.render_one_pager` prints.

All text comes from the readout dict and is escaped by Jinja's autoescaping; the only markup
inserted as is are the SVG drawings made by `svg.py` (which escape their own text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, Environment, FileSystemLoader
from markupsafe import Markup

from recommender.readout.errors import RenderError
from recommender.readout.render import fmt, svg

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


_env.filters.update(month=fmt.month_label, num=fmt.num, weeks=fmt.weeks, yes_no=fmt.yes_no)


def _names(readout: dict[str, Any]) -> dict[str, str]:
    """Product id -> display name, from everything in the readout that names products."""
    names: dict[str, str] = {}
    for phase in (readout.get("roadmap") or {}).get("phases") or []:
        for item in phase.get("items") or []:
            if item.get("product") and item.get("name"):
                names[str(item["product"])] = str(item["name"])
    for node in (readout.get("architecture") or {}).get("nodes") or []:
        if node.get("kind") == "stripe" and node.get("id") and node.get("label"):
            names.setdefault(str(node["id"]), str(node["label"]))
    for group in (readout.get("design") or {}).get("groups") or []:
        for product in group.get("products") or []:
            if product.get("id") and product.get("name"):
                names[str(product["id"])] = str(product["name"])
    return names


def _flows(readout: dict[str, Any]) -> list[dict[str, Any]]:
    """Every edge of the architecture with its end points' labels (the text alternative)."""
    arch = readout.get("architecture") or {}
    labels = {str(n.get("id")): str(n.get("label") or n.get("id")) for n in arch.get("nodes") or []}
    return [
        {
            "number": number,
            "source": labels.get(str(e.get("source")), str(e.get("source"))),
            "target": labels.get(str(e.get("target")), str(e.get("target"))),
            "label": str(e.get("label") or ""),
            "through": str(e.get("through") or ""),
        }
        for number, e in enumerate(arch.get("edges") or [], start=1)
    ]


def _item_dates(readout: dict[str, Any]) -> dict[str, Any]:
    """Roadmap phases with each item's start and end as 'Mon YYYY' from the start date."""
    roadmap = readout.get("roadmap") or {}
    start = roadmap.get("start_date")

    def when(month: Any) -> str:
        if not isinstance(month, int | float):
            return ""
        date = fmt.month_date(start, float(month))
        return date.strftime("%b %Y") if date else f"month {fmt.num(month)}"

    phases = []
    for phase in roadmap.get("phases") or []:
        items = [
            {**item, "start": when(item.get("start_month")), "end": when(item.get("end_month"))}
            for item in phase.get("items") or []
        ]
        phases.append(
            {
                **phase,
                "items": items,
                "start": when(phase.get("start_month")),
                "end": when(phase.get("end_month")),
            }
        )
    return {"phases": phases, "when": when}


def _currency_notes(methods: list[dict[str, Any]]) -> list[str]:
    """The methods' currency notes, each said once: notes that differ only in the method they
    start with ("BLIK needs prices in PLN, …", "Klarna needs prices in PLN, …") become one
    ("BLIK and Klarna need prices in PLN, …")."""
    subjects: dict[str, list[str]] = {}
    for meth in methods:
        note = str(meth.get("currency_note") or "").strip()
        if not note:
            continue
        subject, sep, rest = note.partition(" needs ")
        key = rest if sep else note
        subjects.setdefault(key, [])
        if sep and subject not in subjects[key]:
            subjects[key].append(subject)
    out = []
    for rest, names in subjects.items():
        if not names:
            out.append(rest)
        elif len(names) == 1:
            out.append(f"{names[0]} needs {rest}")
        else:
            out.append(f"{', '.join(names[:-1])} and {names[-1]} need {rest}")
    return out


def _markets(readout: dict[str, Any]) -> dict[str, Any]:
    """The per-market plans for the table: `show_for` on a market when its methods differ by
    customer type (so "(consumers)" appears only where it matters), currency notes said once
    per market (`note_lines`: one line each), `regime` when every market has the same card-authentication regime (said once
    above the table), and `in_person` when in-person payments concern the customer (a market's
    `terminal` is None when they have no stores)."""
    plans = []
    for market in readout.get("markets") or []:
        methods = market.get("methods") or []
        kinds = {tuple(m.get("for") or ()) for m in methods if m.get("for")}
        notes = market.get("notes")
        lines = [notes] if isinstance(notes, str) else ["; ".join(map(str, notes or []))]
        lines += [str(m["caveat"]) for m in methods if m.get("caveat")]
        lines += _currency_notes(methods)
        lines += [
            f"Not offered: {x.get('name')} ({x.get('reason')})"
            for x in market.get("excluded") or []
        ]
        plans.append({**market, "show_for": len(kinds) > 1, "note_lines": [n for n in lines if n]})
    regimes = {str(m.get("auth_regime_label") or m.get("auth_regime") or "") for m in plans}
    return {
        "plans": plans,
        "regime": regimes.pop() if len(regimes) == 1 and plans else None,
        "in_person": any(m.get("terminal") is not None for m in plans),
    }


def _sections(readout: dict[str, Any]) -> list[dict[str, Any]]:
    """The sections in their fixed order, numbered; Migration and Call notes only when they
    have something to say."""
    titles = [
        ("summary", "Executive summary"),
        ("design", "Solution design"),
        ("architecture", "Architecture"),
        ("roadmap", "Roadmap"),
        ("migration", "Migration and cut-over"),
        ("markets", "Markets"),
        ("kpis", "KPIs to track"),
        ("risks", "Risks"),
        ("notes", "Call notes"),
        ("appendix", "Appendix"),
    ]
    optional = {"migration", "notes"}  # left out when empty
    present = [(sid, t) for sid, t in titles if sid not in optional or readout.get(sid)]
    return [{"id": sid, "title": t, "number": i} for i, (sid, t) in enumerate(present, start=1)]


def _masthead(readout: dict[str, Any]) -> dict[str, Any]:
    """The values the readout and the one-pager both show at the top."""
    meta = readout.get("meta") or {}
    summary = readout.get("summary") or {}
    groups = (readout.get("design") or {}).get("groups") or []
    return {
        "r": readout,
        "meta": meta,
        "company": meta.get("company") or "Customer",
        "report_date": fmt.long_date(meta.get("report_date")),
        "summary": summary,
        "go_live": summary.get("go_live") or {},
        "product_count": len({p.get("id") for g in groups for p in g.get("products") or []}),
    }


def context(readout: dict[str, Any], *, shared: bool, trace: bool) -> dict[str, Any]:
    """What the templates see: the readout plus display values computed from it."""
    risks = readout.get("risks") or []
    by_severity = [
        (sev, [r for r in risks if r.get("severity") == sev]) for sev in fmt.SEVERITIES
    ] + [("other", [r for r in risks if r.get("severity") not in fmt.SEVERITIES])]
    notes_by_section: dict[str, list[dict[str, Any]]] = {}
    for note in readout.get("notes") or []:
        notes_by_section.setdefault(str(note.get("section_title") or "Notes"), []).append(note)
    diagram: Markup | None = None
    diagram_error = None
    if (readout.get("architecture") or {}).get("nodes"):
        try:
            diagram = Markup(svg.architecture_svg(readout))
        except RenderError as exc:
            diagram_error = exc.message
    has_roadmap = bool((readout.get("roadmap") or {}).get("phases"))
    dates = _item_dates(readout)
    sections = _sections(readout)
    return {
        **_masthead(readout),
        "sections": sections,
        "number": {s["id"]: s["number"] for s in sections},
        "names": _names(readout),
        "flows": _flows(readout),
        "diagram": diagram,
        "diagram_error": diagram_error,
        "timeline": Markup(svg.roadmap_svg(readout)) if has_roadmap else None,
        "phases": dates["phases"],
        "phase_index": {p.get("id"): i for i, p in enumerate(dates["phases"])},
        "phase_titles": {p.get("id"): p.get("title") or p.get("id") for p in dates["phases"]},
        "when": dates["when"],
        "risks": [r for _, rs in by_severity for r in rs],
        "markets": _markets(readout),
        "notes_by_section": notes_by_section,
        "shared": shared,
        "show_trace": trace and not shared,
    }


def render_html(readout: dict[str, Any], *, shared: bool = False) -> str:
    """The whole readout as a printable HTML document.

    `shared=True` is the customer's copy: no rule trace and nothing internal. The SA's copy
    shows the rule trace on screen only: the print styles leave it out, so a printed page
    carries no internals."""
    return render_document(readout, shared=shared, trace=True)


def render_document(readout: dict[str, Any], *, shared: bool, trace: bool) -> str:
    """`render_html` with the trace optional (the PDF leaves it out: HTML and JSON only)."""
    return _env.get_template("readout.html").render(context(readout, shared=shared, trace=trace))


def one_pager_context(readout: dict[str, Any]) -> dict[str, Any]:
    """What the one-pager shows whatever its limits (made once, laid out many times)."""
    return {
        **_masthead(readout),
        "has_architecture": bool((readout.get("architecture") or {}).get("nodes")),
        "strip": (
            Markup(svg.roadmap_svg(readout, compact=True))
            if (readout.get("roadmap") or {}).get("phases")
            else None
        ),
    }


def render_one_pager_html(
    page: dict[str, Any], limits: dict[str, Any], *, diagram: str | None
) -> str:
    """The executive one-pager from `one_pager_context`; `limits` caps each list (the rest is
    '… and N more')."""
    return _env.get_template("one_pager.html").render(
        page, limits=limits, diagram=Markup(diagram) if diagram else None
    )
