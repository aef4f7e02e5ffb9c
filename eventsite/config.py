"""Settings read from the environment, in one class."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from eventsite.domain.timezones import is_valid_zone

DEFAULT_DISPLAY_TIMEZONES = "America/New_York, America/Los_Angeles, Europe/London, Europe/Paris"


class ConfigError(RuntimeError):
    """A setting in the environment that cannot be used as it stands."""


def parse_zone_list(text: str, setting: str) -> list[str]:
    """'America/New_York, Europe/London' -> a list of IANA names, each checked."""
    zones = [part.strip() for part in text.split(",") if part.strip()]
    for zone in zones:
        if not is_valid_zone(zone):
            raise ConfigError(f"{setting}: “{zone}” is not an IANA time zone name")
    return zones


def parse_zone_labels(text: str, setting: str = "ZONE_LABELS") -> dict[str, str]:
    """'Asia/Shanghai=Beijing, Asia/Kolkata=India' -> {zone: label}."""
    labels = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        zone, sep, label = part.partition("=")
        zone, label = zone.strip(), label.strip()
        if not sep or not label:
            raise ConfigError(f"{setting}: “{part}” should look like Asia/Shanghai=Beijing")
        if not is_valid_zone(zone):
            raise ConfigError(f"{setting}: “{zone}” is not an IANA time zone name")
        labels[zone] = label
    return labels


def instance_secret_key(instance_path: str) -> str:
    """A secret key generated on first start and kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting together must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def local_site_url(env) -> str:
    """Where `make run` / `flask run` serves when SITE_URL is not set: http://HOST:PORT, so
    that every absolute link (feeds, API, e-mails) works on the address actually served."""
    host = env.get("HOST") or env.get("FLASK_RUN_HOST") or "127.0.0.1"
    port = env.get("PORT") or env.get("FLASK_RUN_PORT") or "5000"
    if host in ("0.0.0.0", "::", "[::]"):  # every interface: this machine answers on loopback
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Config:
    """Production defaults; every value can come from the environment."""

    def __init__(self, environ: os._Environ | dict | None = None):
        env = os.environ if environ is None else environ
        self.SECRET_KEY = env.get("SECRET_KEY") or None  # filled from instance/ when unset
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or None  # default: instance/
        self.SITE_NAME = env.get("SITE_NAME", "eventsite")
        self.SITE_URL = (env.get("SITE_URL") or local_site_url(env)).rstrip("/")
        self.DISPLAY_TIMEZONES = parse_zone_list(
            env.get("DISPLAY_TIMEZONES", DEFAULT_DISPLAY_TIMEZONES), "DISPLAY_TIMEZONES")
        self.ZONE_LABELS = parse_zone_labels(env.get("ZONE_LABELS", ""))
        self.EVENTS_PER_PAGE = int(env.get("EVENTS_PER_PAGE", "20"))
        self.ORGANIZER_EMAIL = env.get("ORGANIZER_EMAIL", "")
        # Whole anonymous responses kept per worker (eventsite/pagecache.py); 0 turns it off.
        self.PAGE_CACHE_SECONDS = int(env.get("PAGE_CACHE_SECONDS", "60"))
        self.PAGE_CACHE_BYTES = int(env.get("PAGE_CACHE_MB", "32")) * 1024 * 1024
        # Built feed bytes kept per worker; a feed of 1,000 events is about a megabyte.
        self.FEED_CACHE_BYTES = int(env.get("FEED_CACHE_MB", "16")) * 1024 * 1024
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        if (self.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql"):
            # A database host that does not answer gives a 503 in seconds, not a hung worker.
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"connect_timeout": 5}
        # Seconds a 503 asks clients to wait (Retry-After) while the database is away.
        self.RETRY_AFTER_SECONDS = int(env.get("RETRY_AFTER_SECONDS", "5"))

        # Cookies: never readable by scripts, not sent on cross-site posts, and only over
        # https when the site is served over https.
        secure = self.SITE_URL.startswith("https://")
        self.SESSION_COOKIE_HTTPONLY = self.REMEMBER_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = secure
        self.PREFERRED_URL_SCHEME = "https" if secure else "http"
        self.WTF_CSRF_TIME_LIMIT = None  # a long form stays valid as long as the session

        # Redis, shared by every worker and instance: one setting. With it, rate-limit counters
        # are counted once for the whole site (under REDIS_PREFIX); without it, or while it is
        # unreachable (a warning is logged), each process counts on its own.
        self.REDIS_URL = env.get("REDIS_URL", "")
        self.REDIS_PREFIX = env.get("REDIS_PREFIX", "eventsite")
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or self.REDIS_URL or \
            "memory://"
        self.RATELIMIT_KEY_PREFIX = self.REDIS_PREFIX
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True  # a counter that cannot be kept never makes a 500
        if self.RATELIMIT_STORAGE_URI.startswith(("redis://", "rediss://")):
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5,
                                              "socket_timeout": 0.5}
        self.SIGN_IN_LIMIT = env.get("SIGN_IN_LIMIT", "10 per minute;50 per hour")
        # Set when a reverse proxy (nginx, Caddy) sits in front: how many hops to trust for
        # the client's address and scheme.
        self.PROXY_HOPS = int(env.get("PROXY_HOPS", "0"))

        # Uploaded event images: checked, re-encoded and kept under instance/uploads.
        self.MAX_IMAGE_BYTES = int(env.get("MAX_IMAGE_MB", "5")) * 1024 * 1024
        self.MAX_CONTENT_LENGTH = self.MAX_IMAGE_BYTES + 1024 * 1024
        # The event form alone takes more, so that an image over MAX_IMAGE_MB is refused
        # next to its field, with the rest of the form kept, rather than by a bare 413.
        self.EVENT_FORM_MAX_BYTES = max(64 * 1024 * 1024, 4 * self.MAX_CONTENT_LENGTH)
        self.UPLOAD_FOLDER = env.get("UPLOAD_FOLDER") or None  # default: instance/uploads

        # E-mail. With no MAIL_SERVER, messages are written to instance/outbox/ as .eml files.
        self.MAIL_SERVER = env.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(env.get("MAIL_PORT", "587"))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "1") not in ("0", "false", "no", "")
        self.MAIL_USE_SSL = env.get("MAIL_USE_SSL", "0") not in ("0", "false", "no", "")
        self.MAIL_TIMEOUT = float(env.get("MAIL_TIMEOUT", "10"))
        host = urlsplit(self.SITE_URL).hostname or "localhost"
        self.MAIL_FROM = env.get("MAIL_FROM", f"{self.SITE_NAME} <events@{host}>")
        self.MAIL_DOMAIN = host
        # Where replies to the site's messages (and calendar programs' answers to an
        # invitation) go; empty: the organiser's address (ORGANIZER_EMAIL, else MAIL_FROM's).
        # An organiser's own message to registrants is answered to that organiser.
        self.MAIL_REPLY_TO = env.get("MAIL_REPLY_TO", "")
        self.MAIL_OUTBOX_FOLDER = env.get("MAIL_OUTBOX_FOLDER") or None  # instance/outbox
        # Development without a mail worker: deliver new messages inside the request that wrote
        # them. Off in production, where `flask send-mail --watch` delivers within seconds.
        # How long a sender holds a message it is delivering before another may take it
        # (a sender that died); far longer than one message takes with MAIL_TIMEOUT.
        self.MAIL_CLAIM_SECONDS = float(env.get("MAIL_CLAIM_SECONDS", "300"))
        self.MAIL_SEND_IMMEDIATELY = env.get("MAIL_SEND_IMMEDIATELY", "0") not in (
            "0", "false", "no", "")
        # Each registrant's own join link (/j/<secret>) in every mail, invitation, personal
        # page and feed instead of the registrants-only link itself; it opens the room from
        # JOIN_OPENS_MINUTES before the start until the end.
        self.PERSONAL_JOIN_LINKS = env.get("PERSONAL_JOIN_LINKS", "1") not in (
            "0", "false", "no", "")
        self.JOIN_OPENS_MINUTES = int(env.get("JOIN_OPENS_MINUTES", "15"))
        # Sign-ups per address and per e-mail address.
        self.REGISTER_LIMIT = env.get("REGISTER_LIMIT", "10 per minute;60 per hour")
        self.REGISTER_EMAIL_LIMIT = env.get("REGISTER_EMAIL_LIMIT", "5 per hour")

    def as_dict(self) -> dict:
        return {key: value for key, value in vars(self).items() if key.isupper()}


class TestConfig(Config):
    """Settings for the test suite: TEST_DATABASE_URL or a throwaway SQLite file."""

    def __init__(self, database_url: str, environ: dict | None = None):
        super().__init__(environ or {})
        self.TESTING = True
        self.SECRET_KEY = "test-secret"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SITE_URL = "http://eventsite.test"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.MAIL_FROM = "eventsite <events@eventsite.test>"
        self.MAIL_DOMAIN = "eventsite.test"
