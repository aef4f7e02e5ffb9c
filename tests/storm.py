"""Many requests at once through a real multi-worker server (gunicorn, 4 processes), and the
invariants that must hold however they interleave."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
_TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


@contextmanager
def gunicorn(database_url: str, workers: int = 4, **settings: str):
    """The app on `database_url`, served by `workers` gunicorn processes on loopback."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "storm-secret",
           "SITE_URL": "http://eventsite.test", "MAIL_SEND_IMMEDIATELY": "0",
           "MAIL_SERVER": "", "REGISTER_LIMIT": "10000 per minute",
           "REGISTER_EMAIL_LIMIT": "10000 per minute", "SIGN_IN_LIMIT": "10000 per minute",
           "PAGE_CACHE_SECONDS": "0", **settings}
    process = subprocess.Popen(
        [GUNICORN, "--workers", str(workers), "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "60", "app:app"],
        cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a busy machine four workers importing the app take a while.
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=30).read()
                break
            except urllib.error.HTTPError:
                break
            except OSError as error:
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited ({process.returncode})") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer in 120 s: {error}") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor: its own cookies (session, CSRF token), redirects not followed."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return -1

    def token(self, path: str) -> str:
        return _TOKEN.search(self.get(path)[1]).group(1)

    def sign_in(self, email: str, password: str) -> None:
        status = self.post("/auth/sign-in", {"csrf_token": self.token("/auth/sign-in"),
                                             "email": email, "password": password})
        assert status == 302, status

    def form(self, path: str) -> dict[str, list[str]]:
        """The fields of the page's main form as a browser would send them."""
        parser = _FormReader()
        parser.feed(self.get(path)[1])
        return parser.fields


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][-1] += data


def together(actions: list) -> list:
    """Run every callable at the same instant (threads behind a barrier); their results."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(n: int) -> None:
        barrier.wait()
        results[n] = actions[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results
