"""Web layer: blueprints, error handling, security headers. Views stay thin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, abort, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from recommender.errors import RecommenderError
from recommender.extensions import login_manager

#: The key of the server-side session token in Flask's session cookie.
SESSION_KEY = "sid"


def wants_json() -> bool:
    if request.is_json or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def register_web(app: Flask) -> None:
    from recommender.models import User
    from recommender.web import auth, main

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """The user while their server-side session lives (services/sessions.py)."""
        from flask import session

        from recommender.services import sessions

        try:
            uid = int(user_id)
        except ValueError:
            return None
        idle = timedelta(minutes=float(app.config["SESSION_IDLE_MINUTES"]))
        return sessions.user_for(session.get(SESSION_KEY), uid, idle)

    # Before any route is added: `<int:…>` in every URL stops at what the database holds.
    app.url_map.converters["int"] = BoundedIntConverter
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    for module in _optional_blueprints():
        app.register_blueprint(module.bp)

    @app.errorhandler(RecommenderError)
    def domain_error(exc: RecommenderError) -> Any:
        payload: dict[str, Any] = {"error": exc.message}
        if hasattr(exc, "errors") and exc.errors:
            payload["errors"] = exc.errors
        if hasattr(exc, "problems"):
            payload["problems"] = [str(p) for p in exc.problems]
        current_version = getattr(exc, "current_version", None)
        if current_version is not None:
            payload["current_version"] = current_version
        if wants_json():
            return jsonify(payload), exc.status
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        message = "Your form expired or was not sent from this site (CSRF check failed). Reload the page and try again."
        if wants_json():
            return jsonify({"error": message}), 400
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> Any:
        """A dropped database connection (a restart, a killed backend) is a 503 to retry;
        the transaction was rolled back, so nothing half-saved stays. Anything else is a
        bug: logged, and the usual 500 page."""
        if not exc.connection_invalidated:
            app.logger.error("database error", exc_info=exc)
            status, message = 500, "Something went wrong on our side; nothing was saved."
        else:
            app.logger.warning("database connection lost during a request: %s", exc.orig)
            status = 503
            message = (
                "The connection to the database dropped and this request was not completed; "
                "nothing was saved by it. Try again in a moment."
            )
        response = (
            jsonify({"error": message})
            if wants_json()
            else render_template("error.html", status=status, message=message)
        )
        headers = {"Retry-After": "2"} if status == 503 else {}
        return response, status, headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH") or 0
            message = (
                f"The request is too large (the limit is {limit // 1024} KB); nothing was saved. "
                "Go back and send less text."
            )
        if wants_json():
            return jsonify({"error": message}), status
        return render_template("error.html", status=status, message=message), status

    @app.before_request
    def refuse_deep_json() -> Any:
        """JSON nested deeper than any form of ours needs is refused before anything
        walks it (Python's parser gives up with a RecursionError, not a ValueError)."""
        if not request.is_json or not request.content_length:
            return None
        try:
            payload = request.get_json(silent=True)
        except RecursionError:
            payload, deep = None, True
        else:
            deep = _json_depth(payload) > MAX_JSON_DEPTH
        if not deep:
            return None
        message = f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; nothing was saved."
        return jsonify({"error": message}), 400

    @app.before_request
    def refuse_nul_characters() -> Any:
        """PostgreSQL cannot store NUL in text (a 500 there, junk on SQLite): refuse it.

        The SA workspace handles NUL itself, per field, so it is left to do so."""
        if "\x00" in request.path:
            # No page's address contains NUL: nothing is there (and PostgreSQL could not
            # even look it up).
            abort(404)
        if request.blueprint == "workspace" or not _has_nul(request):
            return None
        message = (
            "The request contains a NUL character (\\0), which text cannot hold; "
            "remove it and try again. Nothing was saved."
        )
        if wants_json():
            return jsonify({"error": message}), 400
        return render_template("error.html", status=400, message=message), 400

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if request.is_secure or app.config.get("HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", _hsts(app))
        # Pages for a logged-in user hold customer answers: never kept by a browser or proxy
        # cache (Back after logout shows nothing). Static files stay cacheable.
        cache = response.headers.get("Cache-Control", "")
        if request.endpoint != "static" and "no-store" not in cache and _logged_in():
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response

    from recommender.web import filters

    filters.register(app)


#: The largest id or version number the database's INTEGER columns hold (PostgreSQL's int4).
MAX_ID = 2**31 - 1
#: Deeper JSON than this is refused (answers are at most a list of strings).
MAX_JSON_DEPTH = 32


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` limited to what an id column holds (INTEGER: 32-bit signed on PostgreSQL):
    a bigger number in an address is a 404, not an overflow in the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iteratively)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _hsts(app: Flask) -> str:
    return f"max-age={int(app.config.get('HSTS_MAX_AGE', 31536000))}; includeSubDomains"


def _logged_in() -> bool:
    from flask_login import current_user

    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # no request user (e.g. an error before the session loaded)
        return False


def _has_nul(req: Any) -> bool:
    def walk(value: Any) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(walk(k) or walk(v) for k, v in value.items())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False

    for multi in (req.args, req.form):
        if any(walk(k) or any(walk(v) for v in multi.getlist(k)) for k in multi):
            return True
    if req.is_json:
        return walk(req.get_json(silent=True))
    return False


def _optional_blueprints() -> list[Any]:
    """Feature blueprints; each feature package adds its module here."""
    import importlib

    names = [
        "recommender.web.workspace",
        "recommender.web.live",
        "recommender.web.reports",
        "recommender.web.shared",
        "recommender.web.prequal",
        "recommender.web.leads",
        "recommender.web.authoring",
        "recommender.web.admin",
        "recommender.api",
    ]
    modules = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        if hasattr(module, "bp"):
            modules.append(module)
    return modules
