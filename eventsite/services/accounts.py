"""Organiser accounts: creation, sign-in with lock-out after repeated failures, disabling."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import or_, update
from werkzeug.security import check_password_hash, generate_password_hash

from eventsite.domain.text import line_problem
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db
from eventsite.models import User
from eventsite.services.errors import ValidationError

MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
# Checked against when no account matches, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class SignInError(Exception):
    """A sign-in refused, with the message to show."""


def normalise_email(email: str) -> str:
    """A checked, lower-cased address, or ValidationError naming the field."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationError({"email": str(error)}) from None


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError({"password": f"must be at least {MIN_PASSWORD_LENGTH} characters"})


def create_organiser(email: str, name: str, password: str, is_admin: bool = False) -> User:
    """A new organiser account (password hashed with werkzeug's scrypt)."""
    errors = {}
    try:
        email = normalise_email(email)
    except ValidationError as error:
        errors.update(error.errors)
    name = name.strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "is too long (at most 200 characters)"
    elif line_problem(name):
        errors["name"] = line_problem(name)
    try:
        check_password(password)
    except ValidationError as error:
        errors.update(error.errors)
    if "email" not in errors and db.session.scalar(
            db.select(User.id).where(User.email == email)) is not None:
        errors["email"] = f"{email} already has an account"
    if errors:
        raise ValidationError(errors)
    user = User(email=email, name=name, password_hash=generate_password_hash(password),
                is_admin=is_admin)
    db.session.add(user)
    db.session.commit()
    return user


# One answer for an unknown address, a wrong password and a locked account: none of them
# tells a stranger whether an account exists.
REFUSED = ("That e-mail address and password do not match an account, or the account is "
           "locked for a while after too many failed attempts. You can reset your password.")


def authenticate(email: str, password: str) -> User:
    """The organiser these credentials belong to, or SignInError with what to tell them.

    Each attempt first takes one of the account's few allowed failures with a conditional
    UPDATE, and only then checks the password: however many requests arrive at once, at
    most MAX_FAILURES passwords are tried before the lock engages.
    """
    now = utcnow()
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise SignInError(REFUSED)
    taken = db.session.execute(
        update(User)
        .where(User.id == user.id, User.failed_sign_ins < MAX_FAILURES,
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_sign_ins=User.failed_sign_ins + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not taken:
        check_password_hash(_DUMMY_HASH, password)  # the same cost as any other answer
        raise SignInError(REFUSED)
    if not check_password_hash(user.password_hash, password):
        # The attempt stays counted; the one that used up the last lets the lock engage.
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.failed_sign_ins >= MAX_FAILURES)
            .values(failed_sign_ins=0, locked_until=now + LOCK_FOR)
            .execution_options(synchronize_session=False))
        db.session.commit()
        raise SignInError(REFUSED)
    db.session.refresh(user)
    if not user.active:
        raise SignInError("This account has been disabled. Ask an administrator to enable it.")
    user.failed_sign_ins, user.locked_until, user.last_sign_in_at = 0, None, now
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """End every session and "keep me signed in" cookie of this account, everywhere.

    Sessions carry the account's session version (User.get_id); raising it turns them all
    away at their next request, on every app instance.
    """
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(user)


def user_for_session(session_id: str) -> User | None:
    """The signed-in organiser of a session (Flask-Login's user id), if it is still valid."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def set_password(user: User, password: str, current: str | None = None) -> None:
    """Give an account a new password (the current one is needed unless reset by e-mail);
    every session of the account ends."""
    if current is not None and not check_password_hash(user.password_hash, current):
        raise ValidationError({"current": "That is not your current password."})
    check_password(password)
    user.password_hash = generate_password_hash(password)
    user.failed_sign_ins, user.locked_until = 0, None
    db.session.commit()
    end_sessions(user)


# --- password reset by e-mail -----------------------------------------------------------------

RESET_MAX_AGE = timedelta(hours=1)


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="eventsite.password-reset")


def _fingerprint(user: User) -> str:
    # Changes when the password or the session version does: a used link stops working.
    return hashlib.sha256(f"{user.password_hash}:{user.session_version}".encode()).hexdigest()


def password_reset_token(user: User, secret_key: str) -> str:
    return _reset_serializer(secret_key).dumps({"id": user.id, "fp": _fingerprint(user)[:24]})


def user_for_reset(token: str, secret_key: str) -> User | None:
    """The account a reset link is for, while it is unused and under an hour old."""
    try:
        data = _reset_serializer(secret_key).loads(
            token, max_age=int(RESET_MAX_AGE.total_seconds()))
        user = db.session.get(User, int(data["id"]))
    except (BadData, KeyError, TypeError, ValueError, OverflowError):
        return None
    if user is None or not user.active or not hmac.compare_digest(
            str(data.get("fp", "")), _fingerprint(user)[:24]):
        return None
    return user


def reset_password(token: str, password: str, secret_key: str) -> User:
    """Set a new password through an e-mailed link: once only, within the hour. The new
    password is written only while the account is as the link knew it (one conditional
    UPDATE), so the same link pressed twice at once sets one password."""
    expired = ValidationError({"password": "This link has expired or has been used. Ask for "
                                           "a new one."})
    user = user_for_reset(token, secret_key)
    if user is None:
        raise expired
    check_password(password)
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash,
               User.session_version == user.session_version)
        .values(password_hash=generate_password_hash(password), failed_sign_ins=0,
                locked_until=None, session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not changed:
        raise expired
    db.session.refresh(user)
    return user


def set_active(user: User, active: bool, acting: User) -> User:
    """Enable or disable an organiser (administrators cannot disable themselves); disabling
    ends the account's sessions at once."""
    if user.id == acting.id and not active:
        raise ValidationError({"active": "You cannot disable your own account."})
    user.active = active
    db.session.commit()
    if not active:
        end_sessions(user)
    return user


def organisers() -> list[User]:
    return list(db.session.scalars(db.select(User).order_by(User.name)))


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def request_password_reset(email: str) -> None:
    """E-mail a reset link when the address has an enabled account. The caller answers the
    same whatever happens here, so the form tells nobody which addresses have accounts."""
    from flask import current_app, render_template

    from eventsite.services import mail
    from eventsite.urls import site_url

    found = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    # The same work whatever the address (the message is written, then dropped unless the
    # account exists), so the answer's timing tells no one which addresses have accounts.
    user = found if found is not None and found.active else User(
        id=0, email="nobody@invalid", name="", password_hash=_DUMMY_HASH, session_version=0)
    url = site_url("auth.reset_password",
                   token=password_reset_token(user, current_app.config["SECRET_KEY"]))
    context = {"user": user, "url": url, "site_name": current_app.config["SITE_NAME"],
               "minutes": int(RESET_MAX_AGE.total_seconds() // 60)}
    message = mail.queue_message(
        user.email, f"Reset your password · {current_app.config['SITE_NAME']}",
        render_template("email/password_reset.txt", **context),
        render_template("email/password_reset.html", **context))
    if user is not found:
        db.session.flush()
        db.session.rollback()
        return
    db.session.commit()
    mail.deliver_now([message])
