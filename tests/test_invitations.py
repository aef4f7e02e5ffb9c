"""Invitations and cancellations by e-mail: the MIME shape Outlook, Gmail and Apple Mail
recognise, RFC 5546 as libical checks it, and every calendar reader reading them right."""

from datetime import timedelta

import icalendar
import pytest

from eventsite.services import events as event_service
from tests.readers import expected_instants, libical, read_all
from tests.readers import misread as misread_events
from tests.test_registration import registration_of, sign_up, webinar


def shape(message) -> list:
    """The MIME tree as nested [content type, children...] lists."""
    if message.is_multipart():
        return [message.get_content_type(), *(shape(part) for part in message.iter_parts())]
    return message.get_content_type()


def calendar_parts(message):
    """(the invitation inside multipart/alternative, the attached copy)."""
    alternative, attached = list(message.iter_parts())
    return list(alternative.iter_parts())[-1], attached


def test_an_invitation_is_an_alternative_with_an_attached_copy(client, app, smtp):
    """Outlook looks for the invitation in multipart/alternative, beside the text and HTML,
    as Gmail and Outlook themselves send it; the copy attached as application/ics is the
    file other programs offer to open."""
    event = webinar()
    sign_up(client, event)
    (message,) = smtp.to("ana@example.org")
    assert shape(message) == ["multipart/mixed",
                              ["multipart/alternative", "text/plain", "text/html",
                               "text/calendar"],
                              "application/ics"]
    invite, copy = calendar_parts(message)
    assert invite.get_param("method") == "REQUEST" and invite.get_param("charset") == "utf-8"
    assert invite["Content-Disposition"] is None  # inline: the invitation itself
    assert copy.get_content_disposition() == "attachment"
    assert copy.get_filename() == "invite.ics"
    assert invite.get_payload(decode=True) == copy.get_payload(decode=True)
    assert message["Reply-To"] == "events@eventsite.test"  # the organiser's address

    calendar = icalendar.Calendar.from_ical(copy.get_content())
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["ORGANIZER"]) == "mailto:events@eventsite.test"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == "mailto:ana@example.org"
    assert {key: attendee.params[key] for key in ("CN", "ROLE", "PARTSTAT", "RSVP")} == {
        "CN": "Ana Núñez", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"}


@pytest.mark.settings(MAIL_REPLY_TO="Ada Organiser <ada@example.org>",
                      ORGANIZER_EMAIL="programme@example.org")
def test_replies_go_where_the_settings_say(client, app, smtp):
    sign_up(client, webinar())
    (message,) = smtp.to("ana@example.org")
    assert message["Reply-To"] == "Ada Organiser <ada@example.org>"
    invite, _copy = calendar_parts(message)
    vevent = icalendar.Calendar.from_ical(invite.get_content()).walk("VEVENT")[0]
    assert str(vevent["ORGANIZER"]) == "mailto:programme@example.org"


@pytest.mark.settings(MAIL_FROM="Peace Network <news@peace.example>")
def test_the_organiser_is_the_sending_address_when_none_is_set(client, app, smtp):
    sign_up(client, webinar())
    (message,) = smtp.to("ana@example.org")
    assert message["Reply-To"] == "news@peace.example"
    invite, _copy = calendar_parts(message)
    assert b"ORGANIZER;CN=eventsite:mailto:news@peace.example\r\n" in \
        invite.get_content().encode()


def test_rfc_5546_and_every_reader_on_request_cancel_and_download(client, app, smtp, tmp_path):
    """libical's check_restrictions() (RFC 5546's table of properties per METHOD) finds
    nothing in the REQUEST, the CANCEL or the personal download; every reader reads the
    event's instants as the database holds them."""
    event = webinar()
    sign_up(client, event)
    token = registration_of("ana@example.org").token
    moved = event.starts_local + timedelta(hours=1)
    event_service.update_event(event, event_service.event_input_from(
        event, starts_local=moved, ends_local=moved + timedelta(hours=2)))
    event_service.cancel_event(event, "The speakers cannot travel.")
    messages = smtp.to("ana@example.org")
    files = {}
    for message in messages:
        invite, copy = calendar_parts(message)
        files[f"{invite.get_param('method')}-{len(files)}"] = copy.get_content()
    files["PUBLISH"] = client.get(f"/r/{token}.ics").data
    assert [name.split("-")[0] for name in files] == ["REQUEST", "REQUEST", "CANCEL", "PUBLISH"]
    paths = []
    for name, data in files.items():
        paths.append(str(tmp_path / f"{name}.ics"))
        (tmp_path / f"{name}.ics").write_bytes(data)
    checked = libical(paths, check=True)
    assert {path: result["problems"] for path, result in checked.items()} == {
        path: [] for path in paths}

    uid = icalendar.Calendar.from_ical(files["PUBLISH"]).walk("VEVENT")[0]["UID"]
    latest = expected_instants([_Instants(str(uid), event.starts_utc, event.ends_utc)])
    for reader, reading in read_all(paths[1:]).items():
        assert all(len(events) == 1 for events in reading.values()), reader
        assert not misread_events(reading, latest), reader


class _Instants:
    def __init__(self, uid, start_utc, end_utc):
        self.uid, self.start_utc, self.end_utc = uid, start_utc, end_utc
