"""Renderers of the readout dict: SVG drawings, HTML, Markdown and PDF (one renderer each).

PDF rendering imports WeasyPrint only when called (it is slow to import and needs system
libraries that `scripts/install-system-deps.sh` installs)."""

from __future__ import annotations

from recommender.readout.render.html import render_html
from recommender.readout.render.markdown import render_markdown
from recommender.readout.render.pdf import render_one_pager, render_pdf
from recommender.readout.render.svg import architecture_svg, roadmap_svg

__all__ = [
    "architecture_svg",
    "render_html",
    "render_markdown",
    "render_one_pager",
    "render_pdf",
    "roadmap_svg",
]
