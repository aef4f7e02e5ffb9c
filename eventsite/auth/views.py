"""Sign-in and sign-out for organisers."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from eventsite.auth.forms import SignInForm
from eventsite.extensions import limiter
from eventsite.services.accounts import SignInError, authenticate

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
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("public.index"))
