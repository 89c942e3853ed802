"""The readout as PDF, rendered on the server by WeasyPrint from the HTML renderer's output.

No network at render time: the URL fetcher refuses every scheme but `data:` (the documents
are self-contained anyway). Every failure becomes a RenderError with a message that says
what to do; the HTML readout does not depend on this module."""

from __future__ import annotations

import contextlib
from typing import Any

from recommender.readout.errors import RenderError
from recommender.readout.render import html, svg

#: The one-pager's lists as long as they start (the summary's own caps) and the diagram
#: thumbnail's height (mm; 0 = left out)...
ONE_PAGER_LIMITS: dict[str, Any] = {
    "risks": 6,
    "actions": 3,
    "advice": 4,
    "missing": 6,
    "solution_chars": 900,
    "diagram_mm": 66,
}
#: ...and the steps that shorten them, in order, while the page overflows: the thumbnail
#: shrinks first, then the paragraph; the thumbnail goes before the high risks fall below
#: three, and the top risks and next steps go last. What is cut
#: from a list is counted on the page ("… and N more").
SHRINK_STEPS: list[tuple[str, Any]] = [
    ("diagram_mm", 52),
    ("diagram_mm", 42),
    ("missing", 3),
    ("advice", 2),
    ("solution_chars", 700),
    ("missing", 0),
    ("solution_chars", 500),
    ("diagram_mm", 34),
    ("risks", 4),
    ("actions", 2),
    ("diagram_mm", 0),
    ("solution_chars", 300),
    ("advice", 1),
    ("risks", 3),
    ("risks", 2),
    ("actions", 1),
    ("risks", 1),
]


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango/harfbuzz libraries missing
        raise RenderError(
            "PDF rendering is not available on this server: WeasyPrint could not load "
            f"({exc}). Run `make setup` (scripts/install-system-deps.sh installs its "
            "libraries); the HTML readout still works."
        ) from exc
    return weasyprint


def _document(source: str, what: str) -> Any:
    """A laid-out WeasyPrint document (pages counted before writing)."""
    weasyprint = _weasyprint()
    try:
        fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), timeout=1)
        return weasyprint.HTML(string=source, url_fetcher=fetcher, base_url=None).render()
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(
            f"The {what} PDF could not be rendered ({type(exc).__name__}: {exc}); "
            "the HTML readout is still available."
        ) from exc


def _write(document: Any, what: str) -> bytes:
    try:
        data = document.write_pdf()
    except Exception as exc:
        raise RenderError(
            f"The {what} PDF could not be written ({type(exc).__name__}: {exc}); "
            "the HTML readout is still available."
        ) from exc
    if not isinstance(data, bytes) or not data.startswith(b"%PDF"):
        raise RenderError(f"The {what} PDF came out empty; the HTML readout is still available.")
    return data


def render_pdf(readout: dict[str, Any], *, shared: bool = False) -> bytes:
    """The whole readout as PDF (A4); the rule trace is left out (HTML and JSON only)."""
    source = html.render_document(readout, shared=shared, trace=False)
    return _write(_document(source, "readout"), "readout")


def render_one_pager(readout: dict[str, Any]) -> bytes:
    """The executive one-pager: exactly one A4 page.

    Laid out to fit; when the readout's text overflows anyway, lists are shortened (the
    rest shown as '… and N more') and the solution paragraph clipped, one step at a time,
    re-counting the pages after each step."""
    pdf, _ = one_pager_document(readout)
    return pdf


def _shown(readout: dict[str, Any], limits: dict[str, Any]) -> tuple[Any, ...]:
    """What the one-pager shows under `limits` (steps that change nothing are skipped)."""
    summary = readout.get("summary") or {}
    return (
        min(len(summary.get("top_risks") or []), limits["risks"]),
        min(len(summary.get("first_actions") or []), limits["actions"]),
        min(len((readout.get("roadmap") or {}).get("advice") or []), limits["advice"]),
        min(len(summary.get("missing") or []), limits["missing"]),
        min(len(summary.get("solution") or ""), limits["solution_chars"]),
        limits["diagram_mm"],
    )


def one_pager_document(readout: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """(PDF bytes, the limits that made it fit), for tests and the benchmark."""
    thumbnail: str | None = None
    if (readout.get("architecture") or {}).get("nodes"):
        # Without `dot` the page says where the flows are instead.
        with contextlib.suppress(RenderError):
            thumbnail = svg.architecture_svg(readout, thumbnail=True)
    limits = dict(ONE_PAGER_LIMITS)
    if thumbnail is None:
        limits["diagram_mm"] = 0
    page = html.one_pager_context(readout)
    shown = None
    for step in [None, *SHRINK_STEPS]:
        if step is not None:
            if step[0] == "diagram_mm" and thumbnail is None:
                continue
            limits[step[0]] = step[1]
        if _shown(readout, limits) == shown:
            continue  # this step cuts nothing that is on the page
        shown = _shown(readout, limits)
        source = html.render_one_pager_html(
            page, limits, diagram=thumbnail if limits["diagram_mm"] else None
        )
        document = _document(source, "one-pager")
        if len(document.pages) == 1:
            return _write(document, "one-pager"), limits
    raise RenderError(
        "The one-pager does not fit on one page even with every list shortened; "
        "the full PDF readout has everything."
    )
