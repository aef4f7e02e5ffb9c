"""Two independent calendar parsers for the tests: icalendar, and Mozilla's ical.js under node."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import icalendar
import pytest

PARSER = Path(__file__).parent / "js" / "parse_ics.mjs"
NODE_MODULES = Path(__file__).parent / "js" / "node_modules" / "ical.js"


def icaljs(data: bytes) -> dict:
    """What Thunderbird's parser reads in `data` (see tests/js/parse_ics.mjs)."""
    if not shutil.which("node") or not NODE_MODULES.exists():
        pytest.fail("ical.js is not installed: run `make install` (needs node and npm)")
    result = subprocess.run(["node", str(PARSER)], input=data, capture_output=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def icalendar_events(data: bytes) -> list:
    return icalendar.Calendar.from_ical(data).walk("VEVENT")


def utc_text(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_lines_are_well_formed(data: bytes) -> None:
    """CRLF line ends only; lines at most 75 octets; each physical line valid UTF-8."""
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a character
