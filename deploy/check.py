"""The deployment, run and checked: nginx (Debian's) in front of two gunicorn instances on
PostgreSQL and Redis, with the mail worker, from the files in deploy/ that the README shows.

    .venv/bin/python deploy/check.py        (run by .ci/run; about a minute, at most 5)

It creates its own PostgreSQL database and Redis key prefix, and removes both at the end.
Checks: an edit made through one instance is seen through the other; sign-ups through both
respect capacity; sign-in limits are shared; PostgreSQL refusing connections for a few
seconds gives 503s (never a 500), then recovery with nothing lost.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "deploy"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
DEADLINE = time.monotonic() + 300  # the whole run, whatever happens
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "deployment check password"
CAPACITY = 20


def step(message: str) -> None:
    print(f"[deploy] {message}", flush=True)


def fail(message: str) -> None:
    raise SystemExit(f"[deploy] FAILED: {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remaining(cap: float) -> float:
    left = DEADLINE - time.monotonic()
    if left <= 0:
        fail("the run took longer than its 5 minutes")
    return min(cap, left)


# --- HTTP -------------------------------------------------------------------------------------

class Client:
    """A browser of sorts: cookies, CSRF tokens, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=remaining(15)) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def csrf(self, path: str) -> str:
        status, _, html = self.request(path)
        found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
        if status != 200 or not found:
            fail(f"no form at {self.base}{path} ({status})")
        return found.group(1)

    def sign_in(self, password: str = PASSWORD) -> int:
        token = self.csrf("/auth/sign-in")
        return self.request("/auth/sign-in", {"csrf_token": token, "email": "ops@example.org",
                                              "password": password})[0]


def wait_healthy(base: str, seconds: float = 30) -> float:
    """Seconds until /healthz answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=remaining(3)) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    fail(f"{base}/healthz did not answer 200 within {seconds:.0f} s")


# --- the pieces -------------------------------------------------------------------------------

def unit_command(unit: str, **values: str) -> list[str]:
    """The ExecStart of a systemd unit in deploy/, with this checkout for /srv/eventsite."""
    text = (HERE / unit).read_text()
    command = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
    command = command.replace("/srv/eventsite", str(ROOT))
    for name, value in values.items():
        command = command.replace(f"%{name}", value)
    return shlex.split(command)


def nginx_site(port: int, upstreams: list[int]) -> str:
    """deploy/nginx-eventsite.conf with this run's ports and paths."""
    text = (HERE / "nginx-eventsite.conf").read_text()
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = text.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
    text = text.replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
    return text.replace("/srv/eventsite", str(ROOT))


def nginx_main(workdir: Path, site: Path) -> str:
    """Around the site file, what Debian's /etc/nginx/nginx.conf provides, in a temp folder."""
    return f"""daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log {workdir}/nginx-access.log;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {site};
}}
"""


def readme_matches_files() -> None:
    """The README's deployment section shows the deploy/ files exactly."""
    readme = (ROOT / "README.md").read_text()
    for name in ("nginx-eventsite.conf", "eventsite@.service", "eventsite-mail.service",
                 "eventsite.env"):
        text = (HERE / name).read_text()
        indented = "".join(f"    {line}" if line.strip() else "\n"
                           for line in text.splitlines(keepends=True))
        if indented not in readme:
            fail(f"README.md does not show deploy/{name} as it is")


def psql(database_url_admin: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url_admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def rows_of(database_url: str, sql: str) -> list[tuple]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def count(database_url: str, sql: str) -> int:
    return rows_of(database_url, sql)[0][0]


# --- the run ----------------------------------------------------------------------------------

def main() -> None:
    readme_matches_files()
    if not os.access(NGINX, os.X_OK):
        fail("nginx is not installed (apt-get install nginx)")
    run_id = secrets.token_hex(4)
    database = f"eventsite_deploy_{run_id}"
    prefix = f"eventsite-deploy-{run_id}"
    database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    workdir = Path(tempfile.mkdtemp(prefix="eventsite-deploy-"))
    processes: list[subprocess.Popen] = []
    nginx_port, ports = free_port(), [free_port(), free_port()]
    site_url = f"http://127.0.0.1:{nginx_port}"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS,
           "REDIS_PREFIX": prefix, "SECRET_KEY": secrets.token_hex(32), "SITE_URL": site_url,
           "PROXY_HOPS": "1", "INSTANCE_PATH": str(workdir / "instance"),
           "MAIL_OUTBOX_FOLDER": str(workdir / "outbox"), "SIGN_IN_LIMIT": "5 per minute",
           "REGISTER_LIMIT": "1000 per minute", "REGISTER_EMAIL_LIMIT": "1000 per minute",
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "app"]

    def start(command: list[str], name: str) -> subprocess.Popen:
        log = (workdir / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(process)
        return process

    def run(*args: str, stdin: str = "") -> str:
        result = subprocess.run([*flask, *args], cwd=ROOT, env=env, input=stdin, text=True,
                                capture_output=True, timeout=remaining(120))
        if result.returncode:
            fail(f"flask {' '.join(args)}: {result.stdout}{result.stderr}")
        return result.stdout

    step(f"database {database}, Redis prefix {prefix}, work folder {workdir}")
    psql(PG_ADMIN, f'CREATE DATABASE "{database}"')
    try:
        run("db", "upgrade")
        run("create-organiser", "ops@example.org", "--name", "Ops", "--password-stdin",
            stdin=PASSWORD + "\n")
        events = workdir / "events.json"
        events.write_text(json.dumps([
            {"title": "Capacity webinar", "slug": "capacity-webinar",
             "start": "2030-03-05T11:00", "end": "2030-03-05T12:00",
             "timezone": "Europe/London",
             "registration": {"mode": "builtin", "capacity": CAPACITY, "waitlist": True}},
            {"title": "Draft talk", "slug": "draft-talk", "status": "draft",
             "start": "2030-04-05T11:00", "end": "2030-04-05T12:00",
             "timezone": "Europe/London"}]))
        run("import-events", str(events))

        for port in ports:
            start(unit_command("eventsite@.service", i=str(port)), f"gunicorn-{port}")
        worker = start(unit_command("eventsite-mail.service"), "mail-worker")
        site = workdir / "site.conf"
        site.write_text(nginx_site(nginx_port, ports))
        main_conf = workdir / "nginx.conf"
        main_conf.write_text(nginx_main(workdir, site))
        start([NGINX, "-p", str(workdir), "-c", str(main_conf)], "nginx")
        for port in ports:
            wait_healthy(f"http://127.0.0.1:{port}")
        wait_healthy(site_url)
        step(f"nginx :{nginx_port} in front of gunicorn :{ports[0]} and :{ports[1]}; "
             f"mail worker running")

        check_edit_seen_through_the_other(ports)
        check_capacity(ports, site_url, database_url)
        check_shared_sign_in_limit(ports)
        check_database_outage(site_url, database, database_url)
        check_mail(worker, database_url, workdir)
        step("all checks passed")
    except BaseException:
        keep = Path(tempfile.gettempdir()) / f"eventsite-deploy-logs-{run_id}"
        shutil.copytree(workdir, keep, ignore=shutil.ignore_patterns("outbox", "*temp*"),
                        dirs_exist_ok=True)
        step(f"logs kept in {keep}")
        raise
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        psql(PG_ADMIN, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true',
             f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             f"WHERE datname = '{database}' AND pid <> pg_backend_pid()",
             f'DROP DATABASE IF EXISTS "{database}"')
        try:
            import redis

            client = redis.Redis.from_url(REDIS)
            if keys := client.keys(f"LIMITS:LIMITER/{prefix}/*"):
                client.delete(*keys)
        except Exception as error:  # noqa: BLE001 — cleaning up; the checks are what count
            step(f"could not remove the Redis keys: {error}")
        shutil.rmtree(workdir, ignore_errors=True)


def check_edit_seen_through_the_other(ports: list[int]) -> None:
    a, b = (Client(f"http://127.0.0.1:{port}") for port in ports)
    if b.request("/events/draft-talk")[0] != 404 or "Draft talk" in b.request("/api/events")[2]:
        fail("a draft was visible")
    if a.sign_in() != 302:
        fail("signing in through the first instance")
    _, _, dashboard = a.request("/admin/")
    for event_id in dict.fromkeys(re.findall(r"/admin/events/(\d+)/edit", dashboard)):
        _, _, edit = a.request(f"/admin/events/{event_id}/edit")
        if f"/admin/events/{event_id}/publish" in edit and "Draft talk" in edit:
            break
    else:
        fail("no draft with a publish button among the organiser's events")
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', edit).group(1)
    status = a.request(f"/admin/events/{event_id}/publish", {"csrf_token": token})[0]
    if status != 302:
        fail(f"publishing through the first instance answered {status}")
    published = time.monotonic()
    while time.monotonic() - published < 10:
        if (b.request("/events/draft-talk")[0] == 200
                and "Draft talk" in b.request("/api/events")[2]):
            step(f"edit through :{ports[0]} seen through :{ports[1]} after "
                 f"{time.monotonic() - published:.2f} s")
            return
        time.sleep(0.05)
    fail("the edit made through one instance was not seen through the other within 10 s")


def check_capacity(ports: list[int], site_url: str, database_url: str) -> None:
    def sign_up(n: int) -> int:
        client = Client(f"http://127.0.0.1:{ports[n % 2]}")
        token = client.csrf("/events/capacity-webinar")
        return client.request("/events/capacity-webinar/register", {
            "csrf_token": token, "name": f"Person {n}", "email": f"p{n}@example.org",
            "consent": "y"})[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(sign_up, range(60)))
    if any(status != 302 for status in statuses):
        fail(f"sign-ups answered {sorted(set(statuses))}")
    confirmed = count(database_url, "SELECT count(*) FROM registrations r JOIN events e ON "
                      "e.id = r.event_id WHERE e.slug = 'capacity-webinar' AND "
                      "r.status = 'confirmed'")
    waiting = count(database_url, "SELECT count(*) FROM registrations WHERE "
                    "status = 'waitlisted'")
    if confirmed != CAPACITY or confirmed + waiting != 60:
        fail(f"{confirmed} confirmed and {waiting} waitlisted of 60 for {CAPACITY} seats")
    step(f"60 sign-ups through both instances: {confirmed} confirmed (capacity {CAPACITY}), "
         f"{waiting} waitlisted")


def check_shared_sign_in_limit(ports: list[int]) -> None:
    """SIGN_IN_LIMIT is 5 a minute and one sign-in was made already: wrong passwords in turn
    through each instance (spread over four workers) make the fifth attempt a 429, which only
    a counter shared by all of them can give."""
    answers = []
    for n in range(6):
        answers.append(Client(f"http://127.0.0.1:{ports[n % 2]}").sign_in("wrong password"))
    if answers[:4] != [422] * 4 or answers[4:] != [429, 429]:
        fail(f"sign-in answers across both instances: {answers} (want four 422, then 429)")
    step(f"sign-in limit shared across instances: {answers}")


def check_database_outage(site_url: str, database: str, database_url: str) -> None:
    client = Client(site_url)
    before = count(database_url, "SELECT count(*) FROM registrations")
    for path in ("/", "/api/events", "/calendar.ics"):
        client.request(path)  # now in some workers' page caches
    psql(PG_ADMIN, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false',
         f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
         f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")
    stopped = time.monotonic()
    seen: dict[str, set[int]] = {}
    try:
        while time.monotonic() - stopped < 4:
            for path in ("/events/past", "/api/events?per_page=7", "/", "/healthz"):
                status, headers, _ = client.request(path)
                seen.setdefault(path, set()).add(status)
                if status == 503 and "Retry-After" not in headers:
                    fail(f"a 503 without Retry-After at {path}")
            time.sleep(0.2)
    finally:
        psql(PG_ADMIN, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    if any(500 in statuses for statuses in seen.values()):
        fail(f"a 500 while the database was away: {seen}")
    if 503 not in seen["/events/past"] or 503 not in seen["/healthz"]:
        fail(f"no 503 while the database was away: {seen}")
    recovery = wait_healthy(site_url, 30)
    # Pages answer again through both instances, and a sign-up goes through.
    for _ in range(4):
        status = client.request("/events/past")[0]
        if status != 200:
            fail(f"/events/past answered {status} after the database came back")
    fresh = Client(site_url)
    token = fresh.csrf("/events/capacity-webinar")
    if fresh.request("/events/capacity-webinar/register", {
            "csrf_token": token, "name": "After", "email": "after@example.org",
            "consent": "y"})[0] != 302:
        fail("a sign-up after the outage did not go through")
    after = count(database_url, "SELECT count(*) FROM registrations")
    if after != before + 1:
        fail(f"registrations before the outage {before}, after it and one more sign-up {after}")
    step(f"database refused connections for {time.monotonic() - stopped - recovery:.1f} s: "
         f"answers {dict((k, sorted(v)) for k, v in seen.items())}; healthy again "
         f"{recovery:.2f} s after it returned; {before} registrations kept, none lost")


def check_mail(worker: subprocess.Popen, database_url: str, workdir: Path) -> None:
    """The mail worker, through the outage too, delivers every confirmation once."""
    started = time.monotonic()
    while time.monotonic() - started < remaining(60):
        pending = count(database_url, "SELECT count(*) FROM outbox WHERE status = 'pending'")
        if pending == 0:
            break
        time.sleep(0.5)
    else:
        rows = rows_of(database_url, "SELECT id, attempts, claimed_until, next_attempt_at, "
                       "last_error, now() AT TIME ZONE 'UTC' FROM outbox "
                       "WHERE status = 'pending' ORDER BY id LIMIT 10")
        log = (workdir / "mail-worker.log").read_text(errors="replace")[-3000:]
        state = "stopped" if worker.poll() is not None else "still running"
        fail(f"the mail worker ({state}) left messages pending: {rows}\n"
             f"its log ends:\n{log}")
    if worker.poll() is not None:
        fail("the mail worker stopped")
    sent = count(database_url, "SELECT count(*) FROM outbox WHERE status = 'sent'")
    files = len(list((workdir / "outbox").glob("*.eml")))
    if sent != files or sent < 61:
        fail(f"{sent} messages marked sent, {files} delivered")
    step(f"mail worker delivered {files} messages, each once")


if __name__ == "__main__":
    main()
