"""Helpers for driving forms with the test client: the CSRF token, signing in, errors shown."""

from __future__ import annotations

import re
from html import unescape

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
_ERROR = re.compile(r'<p class="error" id="([^"]+)-error">([^<]*)</p>')


def csrf_token(client, url: str = "/auth/sign-in") -> str:
    return _TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def sign_in(client, email: str = "ada@example.org", password: str = PASSWORD, **extra):
    return client.post("/auth/sign-in", data={"csrf_token": csrf_token(client), "email": email,
                                              "password": password, **extra})


def field_errors(response) -> dict[str, str]:
    """{field id: message} for every error shown next to a field."""
    return {field: unescape(message)
            for field, message in _ERROR.findall(response.get_data(as_text=True))}


def seed_webinar_form(token: str, **changes) -> dict:
    """The seed webinar as an organiser types it into the event form."""
    data = {
        "csrf_token": token,
        "title": "Korea's Struggle for Independence, Peace and Reunification",
        "summary": "Speakers from three continents.", "description": "The **division** of Korea.",
        "tags": "Korea, Peace", "format": "online", "timezone": "America/New_York",
        "date": "2021-11-21", "start_time": "11:00", "end_time": "13:00",
        "display_timezones": "America/New_York, America/Los_Angeles, Europe/London, Europe/Paris",
        "locations-0-name": "Zoom", "locations-0-url": "https://zoom.us/j/1",
        "locations-0-visibility": "registrants",
        "locations-1-name": "YouTube", "locations-1-url": "https://youtube.com/@img",
        "locations-1-visibility": "public",
        "registration_mode": "external", "registration_url": "https://www.eventbrite.com/e/1",
        "registration_label": "Eventbrite",
        "organisations-0-name": "International Manifesto Group",
        "organisations-0-url": "https://internationalmanifesto.org",
        "organisations-0-role": "co_sponsor",
        "action": "draft",
    }
    people = [("Dr Kiyul Chung", "Visiting Professor, Tsinghua University", "speaker"),
              ("KJ Noh", "Peace activist and expert on the geopolitics of Asia", "speaker"),
              ("Radhika Desai", "Professor, University of Manitoba; Convenor of the "
                                "International Manifesto Group", "chair")]
    for i, (name, affiliation, role) in enumerate(people):
        data.update({f"speakers-{i}-name": name, f"speakers-{i}-affiliation": affiliation,
                     f"speakers-{i}-role": role})
    data.update(changes)
    return data
