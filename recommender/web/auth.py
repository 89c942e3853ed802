"""Login and logout."""

from __future__ import annotations

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
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from recommender.extensions import limiter
from recommender.services import login_throttle, users

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
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        login_throttle.throttle().failed(users.normalise_email(email), address)
        users.record_login(email, None, address, "failed")
        form.password.errors = ["Unknown email or wrong password."]
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
