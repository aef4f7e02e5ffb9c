"""Organiser accounts: creation, sign-in with lock-out after repeated failures, disabling."""

from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from werkzeug.security import check_password_hash, generate_password_hash

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


def authenticate(email: str, password: str) -> User:
    """The organiser these credentials belong to, or SignInError with what to tell them."""
    now = utcnow()
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise SignInError("That e-mail address and password do not match an account.")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
        raise SignInError(f"Too many failed sign-ins for this account. It is locked; try again "
                          f"in {minutes} minute{'s' if minutes != 1 else ''}.")
    if not check_password_hash(user.password_hash, password):
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILURES:
            user.failed_sign_ins, user.locked_until = 0, now + LOCK_FOR
            db.session.commit()
            raise SignInError(f"Too many failed sign-ins for this account. It is locked for "
                              f"{LOCK_FOR.seconds // 60} minutes.")
        db.session.commit()
        raise SignInError("That e-mail address and password do not match an account.")
    if not user.active:
        raise SignInError("This account has been disabled. Ask an administrator to enable it.")
    user.failed_sign_ins, user.locked_until, user.last_sign_in_at = 0, None, now
    db.session.commit()
    return user


def set_active(user: User, active: bool, acting: User) -> User:
    """Enable or disable an organiser (administrators cannot disable themselves)."""
    if user.id == acting.id and not active:
        raise ValidationError({"active": "You cannot disable your own account."})
    user.active = active
    db.session.commit()
    return user


def organisers() -> list[User]:
    return list(db.session.scalars(db.select(User).order_by(User.name)))


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)
