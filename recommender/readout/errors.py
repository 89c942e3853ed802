"""Errors of the readout package."""

from __future__ import annotations

from recommender.errors import RecommenderError


class RenderError(RecommenderError):
    """A readout could not be rendered (diagram, PDF); `message` says what failed and why.

    Part of the one domain error hierarchy, so the web layer's handler can show it; the
    HTML readout does not depend on the PDF and stays available."""

    status = 500
