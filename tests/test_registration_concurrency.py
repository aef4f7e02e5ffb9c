"""100 people press "Register" in the same instant for 20 seats, through a real server."""

import pytest

from benchmarks.signups import press_together
from eventsite.extensions import db
from eventsite.models import Event, Registration, RegistrationStatus
from tests.factories import days_from_today, make_event, wall


@pytest.mark.settings(REGISTER_LIMIT="1000 per minute", REGISTER_EMAIL_LIMIT="10 per minute",
                      MAIL_SEND_IMMEDIATELY=False)
def test_a_hundred_simultaneous_sign_ups_never_overbook(app, live_server):
    event = make_event(title="Popular webinar", start=wall(days_from_today(5), 11),
                       end=wall(days_from_today(5), 12),
                       registration={"mode": "builtin", "capacity": 20})

    # Each visitor has a session and a form token, as a browser would; all press at once.
    statuses = press_together(live_server, event.slug, people=100)

    assert statuses == [302] * 100  # every sign-up answered, no errors
    db.session.expire_all()
    counted = dict(db.session.execute(
        db.select(Registration.status, db.func.count(Registration.id))
        .group_by(Registration.status)).all())
    assert counted == {RegistrationStatus.CONFIRMED: 20, RegistrationStatus.WAITLISTED: 80}
    assert db.session.get(Event, event.id).confirmed_count == 20
