"""Sign-in and sign-out for organisers."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from eventsite.auth.forms import ChangePasswordForm, ForgotPasswordForm, NewPasswordForm, SignInForm
from eventsite.errors import show_on_form
from eventsite.extensions import limiter
from eventsite.services import accounts
from eventsite.services.accounts import SignInError, authenticate
from eventsite.services.errors import ValidationError

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT"]


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    form = SignInForm(next=request.args.get("next", ""))
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except SignInError as error:
            form.password.errors.append(str(error))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))
    return render_template("auth/sign_in.html", form=form), 200 if not form.errors else 422


@bp.post("/sign-out")
def sign_out():
    """Sign out everywhere: every session and remember cookie of the account ends."""
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("public.index"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        return render_template("auth/forgot.html", form=form, sent=True)
    return render_template("auth/forgot.html", form=form, sent=False), \
        200 if not form.errors else 422


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def reset_password(token: str):
    secret = current_app.config["SECRET_KEY"]
    if accounts.user_for_reset(token, secret) is None:
        return render_template("auth/reset.html", form=None), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data, secret)
        except ValidationError as error:
            show_on_form(form, error)
        else:
            logout_user()
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset.html", form=form), 200 if not form.errors else 422


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(current_user, form.password.data, form.current.data)
        except ValidationError as error:
            show_on_form(form, error)
        else:
            # This device goes on (remembered if it was); every other session has ended.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME",
                                                "remember_token") in request.cookies
            login_user(current_user, remember=remembered)
            flash("Your password is changed. You are signed out everywhere else.", "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("auth/password.html", form=form), 200 if not form.errors else 422
