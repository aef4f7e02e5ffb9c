"""Issue 16's targets: flat costs as the archive grows, sign-ups under load, feeds after an
unrelated edit, import time. Each row is a ratio measured in this run."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks import data, importing, servers, signups
from benchmarks.servers import gunicorn, wrk


def _rows(url: str, sql: str, **params):
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def deep_pages(backend, url, workdir, args, report, interleaved, app_env) -> None:
    """/events/past page 4,900 against page 2 (cursor links, as the pager gives them) and tag
    pages of 50,000 against 4,000 events, all on the 100,000-event site, page cache off."""
    from eventsite.domain.paging import encode_cursor

    per_page = 20
    now = "now()" if backend == "postgres" else "datetime('now')"
    # The pager's Next link for page 4,900 names the last event of page 4,899.
    starts, event_id = _rows(url, f"""
        SELECT starts_utc, id FROM events WHERE ends_utc < {now}
        AND status IN ('published', 'cancelled', 'postponed')
        ORDER BY starts_utc DESC, id DESC LIMIT 1 OFFSET {4899 * per_page - 1}""")[0]
    if isinstance(starts, str):
        from datetime import datetime
        starts = datetime.fromisoformat(starts)
    deep = f"/events/past?after={encode_cursor(starts, event_id)}"
    # Two tags of the sizes the issue names, on events spread over the whole archive.
    _rows(url, "DELETE FROM event_tags WHERE tag_id IN (SELECT id FROM tags WHERE name IN "
               "('archive', 'small'))")
    _rows(url, "DELETE FROM tags WHERE name IN ('archive', 'small')")
    _rows(url, "INSERT INTO tags (name, label) VALUES ('archive', 'Archive'), "
               "('small', 'Small')")
    # The same upcoming events in both (the page lists up to 100 of those): only the
    # archive differs, every other past event against one in 25.
    _rows(url, f"INSERT INTO event_tags (event_id, tag_id) SELECT id, (SELECT id FROM tags "
               f"WHERE name = 'archive') FROM events WHERE (ends_utc < {now} AND id % 2 = 0) "
               f"OR (ends_utc >= {now} AND id % 25 = 1)")
    _rows(url, "INSERT INTO event_tags (event_id, tag_id) SELECT id, (SELECT id FROM tags "
               "WHERE name = 'small') FROM events WHERE id % 25 = 1")
    env = {**app_env(url, workdir / "large"), "PAGE_CACHE_SECONDS": "0"}
    with gunicorn("app:app", env) as (base, _):
        for path in (deep, "/events/past?page=2", "/tags/archive", "/tags/small"):
            status, _, _ = servers.fetch(base + path)
            assert status == 200, path

        def p50(path):
            return lambda: wrk(base + path, args.seconds, connections=1)["p50_ms"]

        far, near = interleaved(p50(deep), p50("/events/past?page=2"), args.rounds)
        ratio = statistics.mean(far) / statistics.mean(near)
        report(backend, f"/events/past page 4,900 (Next links) vs page 2, 100,000 events "
                        f"({statistics.mean(far):.1f} vs {statistics.mean(near):.1f} ms)",
               ratio, "<= 1.3", ratio <= 1.3)
        numbered, near = interleaved(p50("/events/past?page=4900"), p50("/events/past?page=2"),
                                     args.rounds)
        ratio = statistics.mean(numbered) / statistics.mean(near)
        report(backend, f"  context: ?page=4900 by number (offset) vs page 2 "
                        f"({statistics.mean(numbered):.1f} vs {statistics.mean(near):.1f} ms)",
               ratio, "-", None)
        big, small = interleaved(p50("/tags/archive"), p50("/tags/small"), args.rounds)
        ratio = statistics.mean(big) / statistics.mean(small)
        report(backend, f"tag page, 50,000 vs 4,000 events ({statistics.mean(big):.1f} vs "
                        f"{statistics.mean(small):.1f} ms)", ratio, "<= 1.3", ratio <= 1.3)


def _press_timed(base: str, slug: str, people: int) -> tuple[list[int], list[float]]:
    """Statuses and seconds of `people` sign-ups released at once."""
    openers, tokens = [], []
    for _ in range(people):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            signups._NoRedirect)
        page = opener.open(f"{base}/events/{slug}", timeout=30).read().decode()
        openers.append(opener)
        tokens.append(signups.TOKEN.search(page).group(1))
    barrier = threading.Barrier(people)
    statuses, seconds = [0] * people, [0.0] * people

    def press(n: int) -> None:
        body = urllib.parse.urlencode({"csrf_token": tokens[n], "name": f"Person {n}",
                                       "email": f"p{n}-{people}@example.org",
                                       "consent": "y"}).encode()
        barrier.wait()
        started = time.perf_counter()
        try:
            statuses[n] = openers[n].open(f"{base}/events/{slug}/register", body,
                                          timeout=120).status
        except urllib.error.HTTPError as error:
            statuses[n] = error.code
        except OSError:
            statuses[n] = -1
        seconds[n] = time.perf_counter() - started

    threads = [threading.Thread(target=press, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return statuses, seconds


def signup_latency(backend, url, workdir, report, app_env) -> None:
    """p99 of 200 simultaneous sign-ups on 4 workers against one sign-up alone."""
    data.populate(url, str(workdir), total=100, upcoming=50)
    slug = data.add_registration_event(url, str(workdir), capacity=20)
    env = {**app_env(url, workdir), "REGISTER_LIMIT": "10000 per minute",
           "REGISTER_EMAIL_LIMIT": "10000 per minute", "PAGE_CACHE_SECONDS": "0"}
    workers, servers.WORKERS = servers.WORKERS, 4
    try:
        with gunicorn("app:app", env) as (base, _):
            alone = []
            for _ in range(5):
                statuses, seconds = _press_timed(base, slug, 1)
                assert statuses == [302], statuses
                alone += seconds
            statuses, seconds = _press_timed(base, slug, 200)
    finally:
        servers.WORKERS = workers
    errors = sum(1 for status in statuses if status != 302)
    p99 = statistics.quantiles(seconds, n=100)[98]
    single = statistics.median(alone)
    ratio = p99 / single
    report(backend, f"200 sign-ups at once, 4 workers: p99 vs one alone ({p99 * 1000:.0f} vs "
                    f"{single * 1000:.0f} ms; p50 {statistics.median(seconds) * 1000:.0f} ms, "
                    f"{errors} errors)", ratio, "<= 20", ratio <= 20 and errors == 0)


def _poll(base: str, path: str, etags: list[str]) -> int:
    """Bytes the server sends to subscribers polling with their stored ETags."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    for etag in etags:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request("GET", path, headers={"If-None-Match": etag})
        response = connection.getresponse()
        body = response.read()
        sent += len(body) + sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 17
        connection.close()
    return sent


def feed_subscribers(backend, url, workdir, report, app_env) -> None:
    """100 subscribers of /calendar.ics poll after an unrelated edit (a new draft) and after
    none; bytes sent compared. The page cache is off, so the feeds themselves answer."""
    env = {**app_env(url, workdir), "PAGE_CACHE_SECONDS": "0"}
    with gunicorn("app:app", env) as (base, _):
        status, headers, body = servers.fetch(base + "/calendar.ics")
        assert status == 200
        etags = [headers["ETag"]] * 100
        quiet = _poll(base, "/calendar.ics", etags)
        draft = Path(tempfile.mkdtemp(prefix="eventsite-bench-")) / "draft.json"
        day = (date.today() + timedelta(days=3)).isoformat()
        draft.write_text(json.dumps([{"title": "An unrelated draft", "status": "draft",
                                      "start": f"{day}T10:00", "end": f"{day}T11:00",
                                      "timezone": "Europe/London"}]))
        importing.flask(url, str(workdir), "import-events", str(draft))
        edited = _poll(base, "/calendar.ics", etags)
    ratio = edited / quiet
    report(backend, f"bytes to 100 feed subscribers after an unrelated edit vs none "
                    f"({edited} vs {quiet}; the feed is {len(body) // 1024} KiB)",
           ratio, "<= 1.05", ratio <= 1.05)


def import_time(backend, url_for, workdir, report) -> None:
    """`flask import-events` of 10,000 events against 1,000, each into an empty database."""
    times, peaks = {}, {}
    for count in (1_000, 10_000):
        path = workdir / f"import-{count}.json"
        importing.write_file(path, count)
        url = url_for(f"bench_import_{count}")
        times[count], peaks[count] = importing.run_import(url, path, str(workdir))
    ratio = times[10_000] / times[1_000]
    report(backend, f"import of 10,000 vs 1,000 events, time ({times[10_000]:.1f} vs "
                    f"{times[1_000]:.1f} s; peak RSS {peaks[10_000]:.0f} MB)",
           ratio, "<= 11", ratio <= 11)
