"""`make run` on another port: every absolute link names the address it serves."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from eventsite.config import Config
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_site_url_defaults_to_the_served_host_and_port():
    assert Config({}).SITE_URL == "http://127.0.0.1:5000"
    assert Config({"PORT": "5100"}).SITE_URL == "http://127.0.0.1:5100"
    assert Config({"HOST": "0.0.0.0", "PORT": "8080"}).SITE_URL == "http://127.0.0.1:8080"
    assert Config({"PORT": "5100", "SITE_URL": "https://events.example/"}).SITE_URL == \
        "https://events.example"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_make_run_on_another_port_links_to_that_port(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("SITE_URL", "DATABASE_URL", "HOST", "FLASK_RUN_PORT")}
    env.update(PORT=str(port), INSTANCE_PATH=str(tmp_path), MAIL_SEND_IMMEDIATELY="0")
    # -o: use the installed .venv as it is (the tests run from it).
    server = subprocess.Popen(["make", "--no-print-directory", "-o", ".venv/.installed", "run"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                api = _get(base + "/api/events?past=1")
                break
            except OSError:
                assert server.poll() is None, "make run stopped"
                assert time.monotonic() < deadline, "make run did not answer within 90 s"
                time.sleep(0.3)
        assert f'"url":"{base}/events/' in api.replace(" ", "")
        assert f'"ics_url":"{base}/events/' in api.replace(" ", "")
        assert ":5000" not in api
        home = _get(base + "/")
        assert f"webcal://127.0.0.1:{port}/calendar.ics" in home
        assert ":5000" not in home
        feed = _get(base + "/calendar.ics")
        assert f"{base}/events/" in feed.replace("\r\n ", "")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
