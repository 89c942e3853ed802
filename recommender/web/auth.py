"""Login and logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from recommender.errors import InvalidInput
from recommender.extensions import limiter
from recommender.services import login_throttle, sessions, users
from recommender.web import SESSION_KEY

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.index")


def _login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        address = get_remote_address() or ""
        refusal = login_throttle.throttle().check(users.normalise_email(email), address)
        if refusal is not None:
            users.record_login(email, None, address, "refused")
            form.password.errors = [refusal.message]
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(refusal.retry_after)
            return response
        user = users.authenticate(email, form.password.data or "")
        if user is not None:
            login_throttle.throttle().succeeded(users.normalise_email(email))
            users.record_login(email, user, address, "succeeded")
            session.clear()  # nothing from before the login carries over (fixation)
            session[SESSION_KEY] = sessions.start(user, address)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        login_throttle.throttle().failed(users.normalise_email(email), address)
        users.record_login(email, None, address, "failed")
        form.password.errors = ["Unknown email or wrong password."]
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    sessions.end(session.get(SESSION_KEY), "logout")
    logout_user()
    session.pop(SESSION_KEY, None)
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("New password again", validators=[DataRequired(), Length(max=200)])


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    """The user's own account: change the password, sign out on every other device."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            ended = users.change_password(
                current_user.id,
                form.current.data or "",
                form.new.data or "",
                form.confirm.data or "",
                keep=session.get(SESSION_KEY),
            )
        except InvalidInput as exc:
            for name, message in exc.errors.items():
                getattr(form, name).errors = [message]
            status = 400
        else:
            flash(_ended_message("Password changed.", ended), "success")
            return redirect(url_for("auth.account"))
    elif form.errors:
        status = 400
    idle = timedelta(minutes=float(current_app.config["SESSION_IDLE_MINUTES"]))
    others = max(0, sessions.live_count(current_user.id, idle) - 1)
    return render_template("auth/account.html", form=form, others=others), status


@bp.post("/account/sign-out-elsewhere")
@login_required
def sign_out_elsewhere() -> Any:
    ended = sessions.end_all(current_user.id, "signed_out", keep=session.get(SESSION_KEY))
    flash(_ended_message("", ended).strip() or "No other sessions were open.", "success")
    return redirect(url_for("auth.account"))


def _ended_message(prefix: str, ended: int) -> str:
    if not ended:
        return prefix
    plural = "s" if ended != 1 else ""
    return f"{prefix} Signed out of {ended} other session{plural}.".strip()
