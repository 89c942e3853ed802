"""Public self-serve pre-qualification: `/start`, three steps, the result, resume links.

No login. The prospect's resume token lives in their session cookie (and in the link they
copy); the database only has its hash. Every POST is CSRF-checked (CSRFProtect), rate
limited per IP, size-capped, and carries a honeypot field that people never fill in.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import Length

from recommender.errors import NotFound
from recommender.extensions import limiter
from recommender.questionnaire.forms import build_section_form, field_by_question
from recommender.services import leads

bp = Blueprint("prequal", __name__)

SESSION_KEY = "prequal_token"
HONEYPOT = "website"
#: Pre-qualification posts are a few answers; anything larger is refused (413).
DEFAULT_MAX_BYTES = 32 * 1024
DEFAULT_BOOKING_URL = "https://stripe.com/contact/sales"


def _rate_limit() -> str:
    return str(current_app.config["PREQUAL_RATE_LIMIT"])


#: One shared per-IP budget for every pre-qualification POST.
submissions_limit = limiter.shared_limit(_rate_limit, scope="prequal", methods=["POST"])


class GuardForm(FlaskForm):
    """CSRF token plus the honeypot (hidden from people with CSS and aria-hidden)."""

    website = StringField("Leave this field empty", validators=[Length(max=200)])


class ContactForm(GuardForm):
    contact_name = StringField("Your name", validators=[Length(max=leads.NAME_MAX)])
    contact_email = EmailField("Work email", validators=[Length(max=leads.EMAIL_MAX)])


@bp.before_request
def _cap_request_size() -> None:
    if request.method == "POST":
        cap = int(current_app.config.get("PREQUAL_MAX_CONTENT_LENGTH", DEFAULT_MAX_BYTES))
        request.max_content_length = cap
        request.max_form_memory_size = cap
        if request.content_length is not None and request.content_length > cap:
            abort(413)
        if request.form.get(HONEYPOT):
            abort(400, "Your answers could not be accepted. Please try again.")


@bp.after_request
def _no_store(response: Any) -> Any:
    # Pages show a prospect's answers and resume link: never cache them anywhere.
    response.headers["Cache-Control"] = "no-store"
    return response


def _token() -> str | None:
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) else None


def _resume_url() -> str | None:
    token = _token()
    return url_for("prequal.resume", token=token, _external=True) if token else None


@bp.route("/start", methods=["GET"])
def start() -> Any:
    tracking = {key: request.args.get(key, "") for key in leads.TRACKING_FIELDS}
    return render_template(
        "prequal/start.html",
        form=GuardForm(),
        tracking={k: v[: leads.TRACKING_MAX] for k, v in tracking.items() if v},
        has_draft=_token() is not None,
    )


@bp.route("/start", methods=["POST"])
@submissions_limit
def begin() -> Any:
    lead, token = leads.start_lead(request.form)
    session[SESSION_KEY] = token
    return redirect(url_for("prequal.step", step=1))


@bp.route("/start/step/<int:step>", methods=["GET", "POST"], endpoint="step")
@submissions_limit
def show_step(step: int) -> Any:
    token = _token()
    if token is None:
        return redirect(url_for("prequal.start"))
    state = leads.step_state(token, step)
    if state.lead.status == "converted":
        # An SA has picked the answers up: the form would only end in an error page, so
        # show the result, which says so.
        return redirect(url_for("prequal.result"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        outcome = leads.save_step(token, step, request.form, request.form)
        if outcome.submitted:
            return redirect(url_for("prequal.result"))
        if outcome.ok and outcome.next_step is not None:
            return redirect(url_for("prequal.step", step=outcome.next_step))
        errors = outcome.errors
    form_cls = build_section_form(state.questionnaire, state.section.id, state.answers)
    form = form_cls(request.form) if request.method == "POST" else form_cls()
    fields = field_by_question(form, state.question_ids)
    guard: GuardForm = (
        ContactForm(data=leads.contact_defaults(state.lead)) if state.is_last else GuardForm()
    )
    for name, message in errors.items():
        target = fields.get(name) or getattr(guard, name, None)
        if target is not None:
            target.errors = [message]
    return render_template(
        "prequal/step.html",
        state=state,
        fields=fields,
        guard=guard,
        errors=errors,
        resume_url=_resume_url(),
    ), (400 if errors else 200)


@bp.route("/start/result")
def result() -> Any:
    view = leads.view_for_token(_token())
    booking_url = current_app.config.get("PREQUAL_BOOKING_URL") or DEFAULT_BOOKING_URL
    return render_template(
        "prequal/result.html", view=view, resume_url=_resume_url(), booking_url=booking_url
    )


@bp.route("/start/continue")
def continue_draft() -> Any:
    """Back to where the prospect left off (token from their session)."""
    _, next_step = leads.resume_target(_token())
    if next_step is None:
        return redirect(url_for("prequal.result"))
    return redirect(url_for("prequal.step", step=next_step))


@bp.route("/start/resume/<token>")
@limiter.limit(_rate_limit)
def resume(token: str) -> Any:
    _, next_step = leads.resume_target(token)
    session[SESSION_KEY] = token
    # Redirect at once so the token leaves the address bar and browser history entry.
    if next_step is None:
        return redirect(url_for("prequal.result"))
    return redirect(url_for("prequal.step", step=next_step))


@bp.errorhandler(leads.LinkExpired)
def _expired(exc: leads.LinkExpired) -> Any:
    session.pop(SESSION_KEY, None)
    return render_template("prequal/expired.html", message=exc.message), exc.status


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> Any:
    return render_template("prequal/expired.html", message=exc.message), exc.status
