"""/healthz for load balancers and monitoring: is the database answering, and how much mail
is waiting since when. 200 while the database answers, 503 (with the same JSON) when not."""

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from eventsite.display import iso_utc
from eventsite.domain.timezones import utcnow
from eventsite.extensions import db, limiter
from eventsite.services import mail

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    started = time.perf_counter()
    try:
        backlog = mail.backlog()
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("healthz: database unavailable: %s", type(error).__name__)
        response = jsonify(status="unavailable", database={"ok": False,
                                                           "error": type(error).__name__},
                           mail=None)
        response.status_code = 503
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
    else:
        waited = (utcnow() - backlog.oldest).total_seconds() if backlog.oldest else 0
        response = jsonify(
            status="ok",
            database={"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)},
            mail={"pending": backlog.pending,
                  "oldest_pending": iso_utc(backlog.oldest) if backlog.oldest else None,
                  "oldest_pending_seconds": round(max(waited, 0))})
    response.headers["Cache-Control"] = "no-store"
    return response
