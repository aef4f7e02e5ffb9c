"""Demo events for a new site: the seed webinar as announced, and upcoming ones dated from today.

Written in the import format, so loading the demo exercises the same path as `import-events`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

SEED_WEBINAR = {
    "title": "Korea's Struggle for Independence, Peace and Reunification",
    "slug": "koreas-struggle-for-independence-peace-and-reunification",
    "start": "2021-11-21T11:00",
    "end": "2021-11-21T13:00",
    "timezone": "America/New_York",
    "format": "online",
    "summary": "Speakers from three continents on the Korean peninsula's long struggle for "
               "independence, peace and reunification, and what the new cold war means for it.",
    "description": (
        "The division of Korea is one of the longest-running legacies of the Cold War. "
        "This webinar brings together scholars, activists and commentators to discuss the "
        "history of Korea's struggle for independence, the prospects for **peace and "
        "reunification**, and the role of the great powers in the region.\n\n"
        "The webinar will be streamed live on YouTube; register on Eventbrite to receive "
        "the Zoom link."
    ),
    "tags": ["Korea", "Peace", "Webinar"],
    "locations": [
        {"name": "Zoom", "url": "https://zoom.us/j/0000000000", "visibility": "registrants"},
        {"name": "YouTube", "url": "https://www.youtube.com/@internationalmanifestogroup",
         "visibility": "public"},
    ],
    "registration": {"url": "https://www.eventbrite.com/e/koreas-struggle-for-independence",
                     "label": "Eventbrite"},
    "organisations": [
        {"name": "International Manifesto Group", "url": "https://internationalmanifesto.org",
         "role": "co_sponsor"},
    ],
    "speakers": [
        {"name": "Dr Kiyul Chung", "affiliation": "Visiting Professor, Tsinghua University"},
        {"name": "KJ Noh", "affiliation": "Peace activist and expert on the geopolitics of Asia"},
        {"name": "Xiangyu", "affiliation": "Political commentator and Chinese hip-hop artist"},
        {"name": "Sara Flounders",
         "affiliation": "United National Antiwar Coalition, peace activist and author"},
        {"name": "Derek R Ford", "affiliation": "Assistant professor, DePauw University"},
        {"name": "Dr Hugh Goodacre", "affiliation": "Teaching Fellow, University College London"},
        {"name": "Keith Bennett", "affiliation": "Co-editor, Friends of Socialist China"},
        {"name": "Radhika Desai", "role": "chair",
         "affiliation": "Professor, University of Manitoba; Convenor of the International "
                        "Manifesto Group"},
    ],
}


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes")


def demo_records(today: date | None = None) -> list[dict]:
    """The seed webinar plus upcoming events a week or more from `today`."""
    today = today or date.today()
    in_a_week = today + timedelta(days=7)
    in_two_weeks = today + timedelta(days=14)
    in_three_weeks = today + timedelta(days=21)
    in_a_month = today + timedelta(days=30)
    return [
        SEED_WEBINAR,
        {
            "title": "China's Economy After the Pandemic",
            "start": _at(in_a_week, 20), "end": _at(in_a_week, 21, 30),
            "timezone": "Asia/Shanghai",
            "display_timezones": ["Asia/Shanghai", "Europe/London", "America/New_York",
                                  "America/Los_Angeles"],
            "summary": "Economists in Beijing and London on growth, debt and the green "
                       "transition.",
            "description": "A conversation between economists in Beijing and London, "
                           "followed by questions from the audience.",
            "tags": ["China", "Economy", "Webinar"],
            "locations": [{"name": "Zoom", "url": "https://zoom.us/j/1111111111",
                           "visibility": "registrants"},
                          {"name": "YouTube", "url": "https://www.youtube.com/watch?v=demo1"}],
            "registration": {"mode": "builtin", "capacity": 100},
            "organisations": [{"name": "International Manifesto Group", "role": "host"}],
            "speakers": [{"name": "Radhika Desai", "role": "chair"},
                         {"name": "Keith Bennett"}],
        },
        {
            "title": "Late Night Labour History: The West Coast Strikes",
            "start": _at(in_two_weeks, 16), "end": _at(in_two_weeks, 17, 30),
            "timezone": "America/Los_Angeles",
            "summary": "An evening seminar from California that runs past midnight in Europe.",
            "description": "Historians of the 1934 waterfront strikes and the 1946 Oakland "
                           "general strike.",
            "tags": ["Labour", "History"],
            "locations": [{"name": "Zoom", "url": "https://zoom.us/j/2222222222",
                           "visibility": "registrants"}],
            "speakers": [{"name": "Derek R Ford", "role": "moderator"},
                         {"name": "Sara Flounders"}],
        },
        {
            "title": "Reading Group: Capital, Volume One",
            "start": _at(in_three_weeks, 19, 30), "end": _at(in_three_weeks, 21),
            "timezone": "Europe/London",
            "format": "hybrid",
            "summary": "Our monthly reading group meets in person in London and on Zoom.",
            "description": "Chapters 1–3. New readers welcome; no preparation needed.",
            "tags": ["Reading group"],
            "venue": {"name": "Marx Memorial Library",
                      "address": "37a Clerkenwell Green, London EC1R 0DU"},
            "locations": [{"name": "Zoom", "url": "https://zoom.us/j/3333333333",
                           "visibility": "registrants"}],
            "speakers": [{"name": "Dr Hugh Goodacre", "role": "host"}],
        },
        {
            "title": "Peace in the Pacific: A Roundtable",
            "start": _at(in_a_month, 10), "end": _at(in_a_month, 12),
            "timezone": "Europe/Paris",
            "status": "postponed",
            "status_note": "Postponed to the spring; registered attendees will hear first.",
            "summary": "Activists from Japan, Korea and the Philippines on demilitarising the "
                       "Pacific.",
            "tags": ["Peace", "Webinar"],
            "locations": [{"name": "YouTube", "url": "https://www.youtube.com/watch?v=demo2"}],
            "speakers": [{"name": "KJ Noh"}, {"name": "Radhika Desai", "role": "chair"}],
        },
    ]
