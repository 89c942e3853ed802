"""The readout's two drawings, as SVG text: the architecture diagram (Graphviz `dot`, run on
the server with a timeout) and the roadmap timeline (drawn here, no external tool).

Both take the readout dict and nothing else; every piece of text comes from it and is
escaped (DOT quoting for the diagram, XML escaping for the timeline)."""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
import textwrap
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import graphviz

from recommender.readout.errors import RenderError
from recommender.readout.render.fmt import calendar_months, month_date

#: Seconds `dot` may take before the diagram is given up (a readout graph takes ~50 ms).
DOT_TIMEOUT_SECONDS = 15
#: Arial in the SVG: every browser has it; on the server fontconfig maps it to the
#: metric-compatible Liberation Sans (fonts-liberation), so dot measures what prints.
FONT = "Arial"

#: Edge labels: characters per line; a label wraps onto as many lines as it needs (cut
#: labels read as broken sentences on a diagram a CTO is shown).
EDGE_LABEL_WIDTH = 30
EDGE_LABEL_LINES = 0
#: Left to right: the customer's systems, Stripe, then third parties.
_SIDES = {"customer": 0, "stripe": 1, "third_party": 2}
_NODE_STYLE = {
    "customer": {"fillcolor": "#f3f5f8", "color": "#6b7a90", "fontcolor": "#1a2433"},
    "stripe": {"fillcolor": "#eeedff", "color": "#635bff", "fontcolor": "#1f1a66"},
    "third_party": {
        "fillcolor": "#ffffff",
        "color": "#8a94a3",
        "fontcolor": "#3c4654",
        "style": "rounded,filled,dashed",
    },
}
_CLUSTER_STYLE = {
    "customer": {"color": "#c5ccd6", "fontcolor": "#3c4654", "bgcolor": "#fbfcfd"},
    "stripe": {"color": "#b9b5ff", "fontcolor": "#4b45c6", "bgcolor": "#fafaff"},
    "third_party": {
        "color": "#c5ccd6",
        "fontcolor": "#3c4654",
        "bgcolor": "#ffffff",
        "style": "dashed,rounded",
    },
}


def _lines(text: Any, width: int, max_lines: int = 0) -> list[str]:
    """Wrapped lines; with `max_lines`, cut after that many with an ellipsis."""
    lines = textwrap.wrap(" ".join(str(text or "").split()), width) or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip(" ,;:") + "…"
    return lines


def _wrap(text: Any, width: int) -> str:
    """DOT label text: escaped (backslashes, never an HTML-like label), wrapped, centred."""
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in _lines(text, width)))


def _left(lines: list[str]) -> str:
    """DOT label text of left-aligned lines (each ends with \\l), escaped."""
    return graphviz.nohtml("".join(graphviz.escape(line) + "\\l" for line in lines))


def architecture_source(readout: dict[str, Any], *, thumbnail: bool = False) -> str:
    """The DOT source of the architecture diagram (`architecture_svg` renders it)."""
    arch = readout.get("architecture") or {}
    nodes = [n for n in arch.get("nodes") or [] if n.get("id") is not None]
    company = (readout.get("meta") or {}).get("company") or ""
    graph = graphviz.Digraph("architecture")
    graph.attr(
        rankdir="LR",
        # The thumbnail has no edge labels: wide and flat, to fill a strip of the one-pager.
        nodesep="0.06" if thumbnail else "0.22",
        ranksep="3.2" if thumbnail else "1.25",
        fontname=FONT,
        fontsize="11",
        bgcolor="transparent",
        pad="0.1",
    )
    graph.attr(
        "node",
        shape="box",
        style="rounded,filled",
        fontname=FONT,
        fontsize="10" if thumbnail else "11",
        margin="0.1,0.03" if thumbnail else "0.14,0.06",
        penwidth="1.2",
        height="0.3" if thumbnail else "0.4",
    )
    graph.attr(
        "edge",
        fontname=FONT,
        fontsize="9.5",
        color="#5b6675",
        fontcolor="#2f3a48",
        arrowsize="0.7",
        penwidth="1.1",
    )
    ids: dict[str, str] = {}
    side: dict[str, int] = {}
    titles = {
        "customer": f"{company} systems" if company else "Customer systems",
        "stripe": "Stripe",
        "third_party": "Third parties",
    }
    for kind, rank in sorted(_SIDES.items(), key=lambda kv: kv[1]):
        members = [
            n for n in nodes if (n.get("kind") if n.get("kind") in _SIDES else "customer") == kind
        ]
        if not members:
            continue
        with graph.subgraph(name=f"cluster_{kind}") as cluster:
            cluster.attr(
                label=_wrap(titles[kind], 40),
                labeljust="l",
                fontsize="12",
                style=_CLUSTER_STYLE[kind].get("style", "rounded"),
                penwidth="1",
                margin="12",
                **{k: v for k, v in _CLUSTER_STYLE[kind].items() if k != "style"},
            )
            names = []
            for node in members:
                name = f"n{len(ids)}"
                ids[str(node["id"])] = name
                side[name] = rank
                names.append(name)
                cluster.node(
                    name,
                    _wrap(node.get("label") or node["id"], 26 if thumbnail else 22),
                    **_NODE_STYLE[kind],
                )
            # One column per side, whatever the flows: customer | Stripe | third parties.
            cluster.body.append("{rank=same; " + "; ".join(names) + "}")
    # Columns left to right whatever the flows: an invisible edge from each column's first
    # node to the next column's keeps third parties on the right even when no flow reaches
    # them (dot would otherwise put an unconnected cluster in the first rank).
    firsts = [
        next(
            ids[str(n["id"])]
            for n in nodes
            if ids.get(str(n["id"])) and side[ids[str(n["id"])]] == r
        )
        for r in sorted(set(side.values()))
    ]
    for left, right in zip(firsts, firsts[1:], strict=False):
        graph.edge(left, right, style="invis", weight="0.1")
    # One drawn edge per pair of systems: flows both ways share it (arrowheads at both ends)
    # and its label lists each flow with its direction (columns run left to right) and its
    # number in the flows table, which has the full wording.
    pairs: dict[tuple[str, str], list[tuple[int, str, str, str]]] = {}
    for number, edge in enumerate(arch.get("edges") or [], start=1):
        source, target = ids.get(str(edge.get("source"))), ids.get(str(edge.get("target")))
        if source is None or target is None:
            continue
        if side[source] == side[target]:
            key = (source, target)  # within one column: its own edge, no layout constraint
        else:
            key = (source, target) if side[source] < side[target] else (target, source)
        pairs.setdefault(key, []).append((number, source, target, str(edge.get("label") or "")))
    for (left, right), flows in pairs.items():
        same_side = side[left] == side[right]
        rightwards = {src == left for _, src, _, _ in flows}
        lines: list[str] = []
        for number, src, _, text in flows:
            arrow = "" if len(flows) == 1 else ("→ " if src == left else "← ")
            first, *rest = _lines(f"{arrow}{number} {text}", EDGE_LABEL_WIDTH, EDGE_LABEL_LINES)
            # Continuation lines indented under the text (no-break spaces survive in SVG).
            lines += [
                first,
                *("\u00a0" * (2 * len(arrow) + 2 * len(str(number))) + r for r in rest),
            ]
        label = graphviz.nohtml("") if thumbnail else _left(lines)
        direction = "both" if len(rightwards) == 2 else "forward" if True in rightwards else "back"
        if same_side:
            graph.edge(left, right, label=label, constraint="false")
        else:
            graph.edge(left, right, label=label, dir=direction)
    return graph.source


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _run_dot(source: str) -> str:
    try:
        proc = subprocess.run(
            ["dot", "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise RenderError(
            "The architecture diagram needs Graphviz's `dot`, which is not installed "
            "(run `make setup`, which calls scripts/install-system-deps.sh)."
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"Graphviz took more than {DOT_TIMEOUT_SECONDS} s to draw the architecture diagram."
        ) from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(
            "Graphviz could not draw the architecture diagram"
            + (f": {detail[-1]}" if detail else ".")
        )
    return proc.stdout.decode("utf-8")


def architecture_svg(readout: dict[str, Any], *, thumbnail: bool = False) -> str:
    """The architecture diagram as an inline `<svg>` element (no XML prolog, no comments).

    Its width and height attributes are Graphviz's size in points; CSS scales it to the page.
    `thumbnail=True` draws a compact version without edge labels (the one-pager).
    Raises RenderError when `dot` is missing, fails or times out."""
    svg = _run_dot(architecture_source(readout, thumbnail=thumbnail))
    svg = _COMMENT.sub("", _PROLOG.sub("", svg, count=1)).strip()
    label = "Architecture: the customer's systems, Stripe and third parties, with data flows"
    return svg.replace(
        "<svg ",
        f'<svg class="architecture-diagram" role="img" aria-label={quoteattr(label)} ',
        1,
    )


# ---------------------------------------------------------------------------- roadmap

#: Phase colours in order of appearance (restrained: Stripe blurple, then blue, then teal).
PHASE_COLOURS = ["#635bff", "#0a7bbf", "#1b9a80", "#b7791f", "#8a4fbf", "#5b6675"]
_WIDTH = 640
_LABEL_W = 196
_RIGHT = 14
_ROW = 19
_HEAD = 46


def _fmt(n: float) -> str:
    return f"{n:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, **attrs: Any) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _clip(text: Any, chars: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def roadmap_svg(readout: dict[str, Any], *, compact: bool = False) -> str:
    """The roadmap timeline: months across from the report date, one bar per item grouped
    under its phase, and the target go-live as a vertical marker.

    `compact=True` draws one bar per phase (the one-pager's roadmap strip)."""
    roadmap = readout.get("roadmap") or {}
    phases = roadmap.get("phases") or []
    go_live = (readout.get("summary") or {}).get("go_live") or {}
    target = go_live.get("target_months")
    ends = [float(roadmap.get("total_months") or 0)]
    for phase in phases:
        ends.append(float(phase.get("end_month") or 0))
        ends += [float(i.get("end_month") or 0) for i in phase.get("items") or []]
    if isinstance(target, int | float):
        ends.append(float(target))
    start = roadmap.get("start_date")
    first = month_date(start, 0)

    def pos(month: float) -> float:
        """Calendar axis: column 0 is the report date's month, each column one calendar
        month, labelled with the month it covers (months from the report date, when the
        start date is unknown)."""
        at = calendar_months(start, float(month))
        return float(month) if at is None else at

    months = max(1, math.ceil(max(pos(e) for e in ends) + 0.05))
    x0, x1 = _LABEL_W, _WIDTH - _RIGHT
    per_month = (x1 - x0) / months

    def x(month: float) -> float:
        return x0 + max(0.0, min(pos(month), months)) * per_month

    def column_date(column: int) -> dt.date | None:
        if first is None:
            return None
        index = first.month - 1 + column
        return dt.date(first.year + index // 12, index % 12 + 1, 1)

    rows: list[tuple[str, Any, str]] = []  # (kind, data, colour)
    for i, phase in enumerate(phases):
        colour = PHASE_COLOURS[i % len(PHASE_COLOURS)]
        rows.append(("phase", phase, colour))
        if not compact:
            rows += [("item", item, colour) for item in phase.get("items") or []]
    row_h = 22 if compact else _ROW
    height = _HEAD + len(rows) * row_h + 8
    out = [
        f'<svg class="roadmap-timeline" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" role="img" '
        f'aria-label="Roadmap timeline" font-family="Arial, Liberation Sans, sans-serif">'
    ]
    step = 1 if months <= 14 else 2 if months <= 28 else 3
    for m in range(months + 1):
        gx = x0 + m * per_month
        out.append(
            f'<line x1="{gx:.1f}" y1="{_HEAD - 4}" x2="{gx:.1f}" y2="{height - 4}" '
            f'stroke="#e3e7ee" stroke-width="1"/>'
        )
        if m < months and m % step == 0:
            date = column_date(m)
            label = date.strftime("%b") if date else f"M{m}"
            out.append(_text(gx + 3, _HEAD - 9, label, font_size=10, fill="#4a5565"))
            if date and (m == 0 or date.month <= step):
                out.append(
                    _text(gx + 3, _HEAD - 21, date.strftime("%Y"), font_size=8.5, fill="#8a94a3")
                )
    y = _HEAD
    for kind, data, colour in rows:
        s, e = float(data.get("start_month") or 0), float(data.get("end_month") or 0)
        bx, bw = x(s), max(x(e) - x(s), 2.0)
        if kind == "phase":
            title = data.get("title") or data.get("id") or ""
            if not compact:
                out.append(
                    f'<rect x="0" y="{y:.1f}" width="{_WIDTH}" height="{row_h}" fill="#f6f7f9"/>'
                )
            out.append(
                _text(
                    6,
                    y + row_h / 2 + 4,
                    _clip(title, 28),
                    font_size=11,
                    font_weight="bold",
                    fill=colour,
                )
            )
            if compact:
                out.append(
                    f'<rect x="{bx:.1f}" y="{y + 4:.1f}" width="{bw:.1f}" height="{row_h - 8}" '
                    f'rx="3" fill="{colour}"/>'
                )
                names = ", ".join(
                    str(i.get("name") or i.get("product")) for i in data.get("items") or []
                )
                label = _clip(names, max(int(bw / 5.6), 0))
                if label and bw > 40:
                    out.append(
                        _text(bx + 5, y + row_h / 2 + 3.5, label, font_size=9, fill="#ffffff")
                    )
            else:
                out.append(
                    f'<rect x="{bx:.1f}" y="{y + row_h / 2 - 1.5:.1f}" width="{bw:.1f}" '
                    f'height="3" fill="{colour}" opacity="0.45"/>'
                )
        else:
            out.append(
                _text(
                    16,
                    y + row_h / 2 + 4,
                    _clip(data.get("name") or data.get("product"), 34),
                    font_size=10.5,
                    fill="#1a2433",
                )
            )
            out.append(
                f'<rect class="roadmap-bar" data-product={quoteattr(str(data.get("product") or ""))} '
                f'x="{bx:.1f}" y="{y + 4:.1f}" width="{bw:.1f}" height="{row_h - 8}" rx="2.5" '
                f'fill="{colour}" opacity="0.85"/>'
            )
            lo, hi = data.get("weeks_low"), data.get("weeks_high")
            if isinstance(lo, int | float) and isinstance(hi, int | float) and hi > 0:
                effort = f"{_fmt(lo)}–{_fmt(hi)} wk" if lo != hi else f"{_fmt(lo)} wk"
                if x(e) + 50 < x1:
                    out.append(
                        _text(x(e) + 4, y + row_h / 2 + 3.5, effort, font_size=9, fill="#5b6675")
                    )
                elif bx - 50 > x0:
                    out.append(
                        _text(
                            bx - 4,
                            y + row_h / 2 + 3.5,
                            effort,
                            font_size=9,
                            fill="#5b6675",
                            text_anchor="end",
                        )
                    )
        y += row_h
    if isinstance(target, int | float):
        tx = x(float(target))
        meets = go_live.get("meets")
        colour = "#b42318" if meets is False else "#1a7f37" if meets else "#5b6675"
        out.append(
            f'<line class="go-live-marker" x1="{tx:.1f}" y1="14" x2="{tx:.1f}" '
            f'y2="{height - 4}" stroke="{colour}" stroke-width="1.6" stroke-dasharray="4 3"/>'
        )
        when = go_live.get("target_date") or ""
        label = "Target go-live" + (f" {_month_label(when)}" if when else "")
        anchor = "end" if tx > x1 - 90 else "start"
        out.append(
            _text(
                tx + (-4 if anchor == "end" else 4),
                11,
                label,
                font_size=9.5,
                font_weight="bold",
                fill=colour,
                text_anchor=anchor,
            )
        )
    out.append("</svg>")
    return "\n".join(out)


def _month_label(yyyy_mm: str) -> str:
    """'2025-09' -> 'Sep 2025' (the text as given when it is not that shape)."""
    try:
        return dt.date.fromisoformat(f"{yyyy_mm}-01").strftime("%b %Y")
    except ValueError:
        return str(yyyy_mm)
