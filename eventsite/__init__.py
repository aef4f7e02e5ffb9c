"""eventsite: event listings and webinar registration, every time shown in several zones."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import configure_mappers
from werkzeug.middleware.proxy_fix import ProxyFix

from eventsite.config import Config, instance_secret_key

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Config | None = None) -> Flask:
    """Build the app; settings come from the environment unless a Config is given."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update((config or Config()).as_dict())
    configure_defaults(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_page_cache(app)
    register_security_headers(app)
    return app


def register_page_cache(app: Flask) -> None:
    """Last, so that it wraps everything else (see eventsite/pagecache.py)."""
    from eventsite import pagecache

    pagecache.init_app(app)


def register_security(app: Flask) -> None:
    """Security headers on every response (see eventsite/security.py)."""
    from eventsite import security

    security.init_app(app)


def register_security_headers(app: Flask) -> None:
    from eventsite import security

    security.add_headers(app)


def configure_defaults(app: Flask) -> None:
    """Settings that need the instance folder: the secret key and the SQLite file."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not app.config.get("MAIL_OUTBOX_FOLDER"):
        app.config["MAIL_OUTBOX_FOLDER"] = str(Path(app.instance_path) / "outbox")
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    if app.config.get("PROXY_HOPS"):
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # Before CSRF protection reads the form (registered later), so that it applies there too.
    app.before_request(_event_form_upload_limit)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        path = Path(app.instance_path) / "eventsite.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"


def _event_form_upload_limit() -> None:
    """A form with an image may carry an over-large one: read it, to refuse it beside its
    field."""
    from flask import current_app, request

    from eventsite.admin.views import IMAGE_FORMS

    if request.endpoint in IMAGE_FORMS:
        request.max_content_length = current_app.config["EVENT_FORM_MAX_BYTES"]


def register_extensions(app: Flask) -> None:
    from eventsite.extensions import csrf, db, limiter, login_manager, migrate
    from eventsite.services.accounts import user_for_session

    db.init_app(app)
    import eventsite.services.search  # noqa: F401  (the search schema and its write hooks)
    # Relate the models now rather than on the first query: a mapping mistake stops the app
    # at start-up, and no visitor's request pays the ~80 ms it takes.
    configure_mappers()
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    # One Limiter serves every app built in this process (the tests build many); it keeps the
    # first key prefix it was given, so each app's own is set afresh.
    limiter._key_prefix = ""
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(user_for_session)


def register_blueprints(app: Flask) -> None:
    from eventsite.admin.views import bp as admin_bp
    from eventsite.api.views import bp as api_bp
    from eventsite.auth.views import bp as auth_bp
    from eventsite.crawl.views import bp as crawl_bp
    from eventsite.embed.views import bp as embed_bp
    from eventsite.feeds.views import bp as feeds_bp
    from eventsite.health.views import bp as health_bp
    from eventsite.public.views import bp as public_bp
    from eventsite.registration.views import bp as registration_bp

    # Feeds first: /events/<slug>.ics must win over the page at /events/<slug>.
    app.register_blueprint(feeds_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(embed_bp)
    app.register_blueprint(crawl_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")


def register_errorhandlers(app: Flask) -> None:
    from eventsite.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from eventsite import display

    display.register(app)


def register_commands(app: Flask) -> None:
    from eventsite.cli import register

    register(app)


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys (ON DELETE CASCADE) and let readers run beside a writer."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")  # a burst of sign-ups waits, not fails
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
