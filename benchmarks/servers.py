"""gunicorn servers on loopback for the load tests, and wrk to drive them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict[str, str]):
    """Serve `target` with production settings: gunicorn, 2 sync workers, loopback only."""
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", target],
        cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except urllib.error.HTTPError:  # any answer (the ceiling may serve a 304) is up
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn {target} did not start") from None
                time.sleep(0.2)
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def ceiling(body: bytes, status: str, headers: list[tuple[str, str]], workdir: Path):
    """The minimal WSGI app serving `body`, under the same gunicorn settings."""
    body_file = workdir / f"ceiling-{abs(hash(body))}.bin"
    body_file.write_bytes(body)
    env = {"CEILING_BODY": str(body_file), "CEILING_STATUS": status,
           "CEILING_HEADERS": json.dumps(headers)}
    with gunicorn("benchmarks.ceiling:app", env) as (base, process):
        yield base


def wrk(url: str, seconds: int, headers: dict[str, str] | None = None,
        connections: int = 8) -> dict[str, float]:
    """Requests per second and median latency (ms) from one bounded wrk run."""
    command = ["wrk", "--threads", str(min(2, connections)), "--connections", str(connections),
               "--duration", f"{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True,
                            timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if errors or socket_errors:
        raise RuntimeError(f"wrk saw errors against {url}:\n{output}")
    return {"rps": rps, "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def fetch(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:  # 304 arrives as an "error"
        return error.code, dict(error.headers), error.read()


def worker_peak_rss_kb(master: subprocess.Popen) -> int:
    """The largest peak resident set (VmHWM) among the master's worker processes."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master.pid):
            peaks.append(int(fields["VmHWM"].split()[0]))
    if not peaks:
        raise RuntimeError("no gunicorn workers found")
    return max(peaks)
