"""Import files of plausible events, and the time and peak memory of `flask import-events`."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai", "Europe/Paris"]


def write_file(path: Path, count: int, seed: int = 1) -> None:
    """`count` events with three speakers each (from a pool growing with the file), two tags
    and an organisation; titles repeat, so derived slugs need suffixes."""
    rng = random.Random(seed)
    start = date(2015, 1, 5)
    speakers = max(50, count // 2)
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for n in range(count):
            day = start + timedelta(days=n % 4000)
            record = {
                "title": f"Seminar {n % 500}: on topic {rng.randrange(60)}",
                "summary": "A talk and a discussion. " * 4,
                "start": f"{day.isoformat()}T{10 + n % 8:02d}:00",
                "end": f"{day.isoformat()}T{12 + n % 8:02d}:00",
                "timezone": ZONES[n % len(ZONES)],
                "speakers": [{"name": f"Speaker {rng.randrange(speakers)}",
                              "affiliation": "A University"} for _ in range(3)],
                "organisations": [{"name": f"Organisation {rng.randrange(40)}"}],
                "tags": [f"topic {rng.randrange(60)}", f"area {rng.randrange(12)}"],
            }
            out.write(("," if n else "") + json.dumps(record) + "\n")
        out.write("]\n")


def run_import(database_url: str, path: Path, instance: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `flask import-events` into an empty schema."""
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": instance,
           "SECRET_KEY": "benchmark"}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([*flask, "import-events", str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(result.stdout + result.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def flask(database_url: str, instance: str, *args: str) -> str:
    """Run one `flask` command against the database; its output."""
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": instance,
           "SECRET_KEY": "benchmark"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, check=True, capture_output=True, text=True,
                          timeout=600).stdout
