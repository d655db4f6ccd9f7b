"""Invitations and cancellations reach both parties through a real SMTP server (aiosmtpd),
each with an .ics attachment that parses back to the booked session."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.extensions import db
from pathways.mentoring import availability, bookings, mentors

from ...conftest import PASSWORD


@pytest.fixture
def app_config(smtp_config: dict[str, object]) -> dict[str, object]:
    return smtp_config  # this module's app sends real mail to the `smtp` server


def calendar_of(message) -> tuple[str, Calendar]:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))


def test_booking_through_the_page_mails_both_an_invitation(app, smtp, acme, admin, make_user,
                                                           make_coach, cap):
    emma = make_user(acme, name="Emma Lind", email="emma@acme.test")
    coach = make_coach(admin, "Cora Coach", email="cora@coaching.test", offers={cap: 5})
    slot = availability.free_slots(coach)[0]
    client = app.test_client()
    client.post("/login", data={"email": emma.email, "password": PASSWORD})
    response = client.post(f"/mentoring/mentors/{coach.id}/book", data={
        "starts_at": slot.starts_at.isoformat() + "Z", "capability_id": cap.id,
        "agenda": "Prepare the board update"})
    assert response.status_code == 302
    for address in ("emma@acme.test", "cora@coaching.test"):
        [message] = smtp.inbox.to(address)
        assert message["Subject"].startswith("Mentoring session booked: Emma Lind with Cora Coach")
        method, cal = calendar_of(message)
        [event] = cal.walk("VEVENT")
        assert (method, str(cal["method"]), str(event["status"])) == (
            "REQUEST", "REQUEST", "CONFIRMED")
        assert event.decoded("dtstart") == slot.starts_at.replace(tzinfo=UTC)
        assert event.decoded("dtend") == slot.ends_at.replace(tzinfo=UTC)
        assert str(event["organizer"]) == "mailto:cora@coaching.test"
        assert sorted(str(a) for a in event["attendee"]) == [
            "mailto:cora@coaching.test", "mailto:emma@acme.test"]
        assert "Stakeholder management" in str(event["summary"])
        assert "Prepare the board update" in smtp.inbox.body(message)
    # Each reads the time in their own zone: the mentee the company's (London), the coach Berlin.
    for address, zone in (("emma@acme.test", "Europe/London"), ("cora@coaching.test",
                                                                "Europe/Berlin")):
        wall = mentors.local(slot.starts_at, ZoneInfo(zone)).strftime("%H:%M")
        assert f"{wall}–" in smtp.inbox.body(smtp.inbox.to(address)[0])


def test_cancelling_mails_a_cancellation_with_the_same_uid(app, smtp, acme, make_user,
                                                           make_mentor, cap):
    emma, ada = make_user(acme, email="emma@acme.test"), make_user(acme, email="ada@acme.test")
    mentor = make_mentor(ada, {cap: 4})
    booking = bookings.book(emma, mentor, availability.free_slots(mentor)[0].starts_at)
    db.session.commit()
    uid = booking.ical_uid
    bookings.cancel(ada, booking, "Off sick")
    db.session.commit()
    for address in ("emma@acme.test", "ada@acme.test"):
        invite, cancel = smtp.inbox.to(address)
        assert cancel["Subject"].startswith("Mentoring session cancelled")
        method, cal = calendar_of(cancel)
        [event] = cal.walk("VEVENT")
        assert (method, str(event["uid"]), int(event["sequence"]), str(event["status"])) == (
            "CANCEL", uid, 1, "CANCELLED")
        assert "Off sick" in smtp.inbox.body(cancel)
        assert str(calendar_of(invite)[1].walk("VEVENT")[0]["uid"]) == uid


def test_a_refused_booking_sends_nothing(app, smtp, acme, make_user, make_mentor, cap):
    emma = make_user(acme)
    mentor = make_mentor(emma, {cap: 4})
    client = app.test_client()
    client.post("/login", data={"email": emma.email, "password": PASSWORD})
    slot = availability.free_slots(mentor)[0]
    response = client.post(f"/mentoring/mentors/{mentor.id}/book",
                           data={"starts_at": slot.starts_at.isoformat() + "Z"})
    assert response.status_code == 400
    assert "You cannot book a session with yourself." in response.get_data(as_text=True)
    assert smtp.inbox.messages == []
