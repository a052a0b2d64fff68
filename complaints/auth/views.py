"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from complaints.extensions import limiter
from complaints.services.datasets import agency_setup
from complaints.services.staff import integrity_grants, staff_sessions
from complaints.services.staff.accounts import SignInThrottled, authenticate, sign_out
from complaints.services.unit_of_work import unit_of_work

bp = Blueprint("auth", __name__)


@bp.before_app_request
def _end_stale_sessions() -> None:
    """A staff session past its idle or total time is signed out before the view runs,
    which then answers as to anyone not signed in (the sign-in page)."""
    if "_user_id" in session and not staff_sessions.still_valid():
        logout_user()
        session.clear()


@bp.app_context_processor
def _integrity_notices() -> dict:
    """Recent integrity grants, for the notice on an integrity officer's pages (called lazily)."""

    def notices():
        return integrity_grants.recent_grants()

    return {"integrity_notices": notices}


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=80)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect.
    # (Some browsers read a backslash as a slash, so "/\\host" is refused too.)
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("officer.queue")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        try:
            with unit_of_work():  # a failure is counted, a success stamped
                user = authenticate(form.username.data, form.password.data, request.remote_addr)
        except SignInThrottled as exc:
            response = make_response(
                render_template("auth/login.html", form=form, failed=False, wait_seconds=exc.retry_after), 429
            )
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if user is not None:
            staff_sessions.sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
        failed = True
    status = 401 if failed else (422 if form.errors else 200)
    return render_template("auth/login.html", form=form, failed=failed, first_run=agency_setup.needs_setup()), status


@bp.post("/logout")
@login_required
def logout():
    with unit_of_work():
        sign_out(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("public.index"))
