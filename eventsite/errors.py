"""Error pages in the site's style, JSON errors under /api, and services' errors on forms."""

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from eventsite.extensions import db, login_manager
from eventsite.services.errors import ValidationError


def show_on_form(form: FlaskForm, error: ValidationError) -> None:
    """Put each message of a service's ValidationError under the form field of that name."""
    for name, message in error.errors.items():
        field = getattr(form, name)
        field.errors.append(labelled(field, message))


def labelled(field, message: str) -> str:
    """'is required' -> 'Title is required': services name no field (their keys do), so a
    message shown beside a field says which one it means."""
    if message[:1].islower():
        name = field.label.text.split(" (")[0].strip() or "This"
        return f"{name} {message}"
    return message


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def register(app: Flask) -> None:
    @app.errorhandler(429)
    def too_many(error: HTTPException):
        error.description = ("You have tried this too often in a short time. Please wait a "
                             "minute, then try again.")
        return http_error(error)

    @app.errorhandler(413)
    def too_large(error: HTTPException):
        limit = app.config["MAX_IMAGE_BYTES"] / (1024 * 1024)
        error.description = (f"What you sent is too large: an image may be at most "
                             f"{limit:.2g} MB. "
                             f"Go back (your browser keeps what you typed) and choose a "
                             f"smaller image.")
        return http_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error={"status": error.code, "message": error.description}), error.code
        template = "errors/404.html" if error.code == 404 else "errors/error.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_away(error: Exception):
        """The database is not answering (stopped, restarting, refusing connections): a 503
        that says so and when to try again, instead of a 500."""
        current_app.logger.warning("database unavailable: %s", error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 — the connection is gone; the session is dropped anyway
            current_app.logger.debug("rollback after a database error failed", exc_info=True)
        if _wants_json():
            response = jsonify(error={
                "status": 503, "message": "The site's database is not answering. Please try "
                                          "again in a few seconds."})
        else:
            # Shown as to a visitor: loading the signed-in user would ask the database. (Not
            # left in g, which outlives the request where an app context spans several.)
            g._login_user = login_manager.anonymous_user()
            try:
                response = current_app.make_response(render_template("errors/503.html"))
            finally:
                g.pop("_login_user", None)
        response.status_code = 503
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        if _wants_json():
            return jsonify(error={"status": 500, "message": "Something went wrong on our side."}
                           ), 500
        return render_template("errors/500.html"), 500
