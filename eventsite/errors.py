"""Error pages in the site's style, JSON errors under /api, and services' errors on forms."""

from flask import Flask, jsonify, render_template, request
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException, InternalServerError

from eventsite.services.errors import ValidationError


def show_on_form(form: FlaskForm, error: ValidationError) -> None:
    """Put each message of a service's ValidationError under the form field of that name."""
    for name, message in error.errors.items():
        getattr(form, name).errors.append(message)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def register(app: Flask) -> None:
    @app.errorhandler(429)
    def too_many(error: HTTPException):
        error.description = ("You have tried this too often in a short time. Please wait a "
                             "minute, then try again.")
        return http_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error={"status": error.code, "message": error.description}), error.code
        template = "errors/404.html" if error.code == 404 else "errors/error.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        if _wants_json():
            return jsonify(error={"status": 500, "message": "Something went wrong on our side."}
                           ), 500
        return render_template("errors/500.html"), 500
