"""The customer's view of a shared readout: `/r/<token>`, no login.

The page is the readout's own printable document (the customer's copy: no trace, nothing
internal) with a small bar on top for the PDF downloads. Every response is rate limited per
IP, never cached (`Cache-Control: no-store`), sends no referrer, and is kept out of search
engines. Expired or revoked links get a 410 page that says so, unknown ones a 404 page;
neither shows any content. Tokens never reach the logs: request lines are redacted.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for

from recommender.extensions import limiter
from recommender.readout.errors import RenderError
from recommender.readout.render import render_html
from recommender.services import readout_pdf, sharing

bp = Blueprint("shared", __name__)

DEFAULT_RATE_LIMIT = "30 per minute;300 per day"
#: The page is the readout document plus the bar: no scripts, nothing loaded from anywhere.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)
TOKEN_IN_PATH = re.compile(r"/r/[^/\s?\"]+")
_BODY = re.compile(r"<body\b[^>]*>", re.I)
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def _rate_limit() -> str:
    return str(current_app.config.get("SHARE_RATE_LIMIT") or DEFAULT_RATE_LIMIT)


#: One per-IP budget for every shared-readout request (pages and PDFs).
shared_limit = limiter.shared_limit(_rate_limit, scope="shared-readout")


class RedactShareTokens(logging.Filter):
    """Replaces `/r/<token>` in log lines with `/r/[redacted]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if "/r/" in message:
            redacted = TOKEN_IN_PATH.sub("/r/[redacted]", message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


def install_log_redaction(app_logger: logging.Logger) -> None:
    """Add the redacting filter to the request loggers and the app's logger (once each)."""
    for logger in [app_logger, *(logging.getLogger(name) for name in LOGGERS)]:
        if not any(isinstance(f, RedactShareTokens) for f in logger.filters):
            logger.addFilter(RedactShareTokens())


@bp.record_once
def _on_register(state: Any) -> None:
    install_log_redaction(state.app.logger)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Content-Security-Policy"] = CSP
    return response


@bp.get("/r/<token>")
@shared_limit
def readout(token: str) -> Any:
    try:
        shared = sharing.open_link(token)
    except (sharing.LinkGone, sharing.UnknownLink) as exc:
        return _gone(exc)
    document = render_html(shared.readout, shared=True)
    bar = render_template("shared/_bar.html", link=shared.link, token=token)
    return Response(_after_body(document, bar), content_type="text/html; charset=utf-8")


@bp.get("/r/<token>/readout.pdf", defaults={"kind": "readout"}, endpoint="pdf")
@bp.get("/r/<token>/one-pager.pdf", defaults={"kind": "one-pager"}, endpoint="one_pager")
@shared_limit
def pdf(token: str, kind: str) -> Any:
    try:
        shared = sharing.shared_readout(token)
    except (sharing.LinkGone, sharing.UnknownLink) as exc:
        return _gone(exc)
    try:
        body = readout_pdf.render(
            shared.readout, kind=kind, shared=True, timeout=readout_pdf.configured_timeout()
        )
    except RenderError as exc:
        flash(f"The PDF could not be made: {exc.message}", "error")
        return redirect(url_for("shared.readout", token=token), code=303)
    name = "one-page-summary" if kind == "one-pager" else "solution-design"
    response = Response(body, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="stripe-{name}.pdf"'
    return response


def _gone(exc: sharing.LinkGone | sharing.UnknownLink) -> Any:
    reason = exc.reason if isinstance(exc, sharing.LinkGone) else "unknown"
    return render_template("shared/gone.html", message=exc.message, reason=reason), exc.status


def _after_body(document: str, bar: str) -> str:
    """The document with `bar` as the first thing in its body."""
    match = _BODY.search(document)
    if match is None:
        return bar + document
    return document[: match.end()] + bar + document[match.end() :]
