"""100 people press "Register" in the same instant for 20 seats, through a real server."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from eventsite.extensions import db
from eventsite.models import Event, Registration, RegistrationStatus
from tests.factories import days_from_today, make_event, wall

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visitor():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


@pytest.mark.settings(REGISTER_LIMIT="1000 per minute", REGISTER_EMAIL_LIMIT="10 per minute",
                      MAIL_SEND_IMMEDIATELY=False)
def test_a_hundred_simultaneous_sign_ups_never_overbook(app, live_server):
    event = make_event(title="Popular webinar", start=wall(days_from_today(5), 11),
                       end=wall(days_from_today(5), 12),
                       registration={"mode": "builtin", "capacity": 20})
    people = 100
    openers, tokens = [], []
    for _ in range(people):  # each visitor has a session and a form token, as a browser would
        opener = visitor()
        page = opener.open(f"{live_server}/events/{event.slug}", timeout=30).read().decode()
        openers.append(opener)
        tokens.append(TOKEN.search(page).group(1))

    start = threading.Barrier(people)
    statuses: list[int] = [0] * people

    def press(n: int) -> None:
        body = urllib.parse.urlencode({"csrf_token": tokens[n], "name": f"Person {n}",
                                       "email": f"person{n}@example.org",
                                       "consent": "y"}).encode()
        start.wait()
        try:
            response = openers[n].open(f"{live_server}/events/{event.slug}/register", body,
                                       timeout=60)
            statuses[n] = response.status
        except urllib.error.HTTPError as error:
            statuses[n] = error.code

    threads = [threading.Thread(target=press, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert statuses == [302] * people  # every sign-up answered, no errors
    db.session.expire_all()
    counted = dict(db.session.execute(
        db.select(Registration.status, db.func.count(Registration.id))
        .group_by(Registration.status)).all())
    assert counted == {RegistrationStatus.CONFIRMED: 20, RegistrationStatus.WAITLISTED: 80}
    assert db.session.get(Event, event.id).confirmed_count == 20
