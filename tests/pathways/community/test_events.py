"""Events: scheduled in the organiser's zone and shown in the viewer's, the capacity never
exceeded (also under simultaneous RSVPs from real concurrent workers), the .ics download,
attendance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.errors import Conflict
from app.extensions import db
from app.models import utcnow
from pathways.community import events
from pathways.community.models import CommunityEvent, EventRsvp
from tests.billing.workers import run

from .workers import rsvp_worker


def _event(owner, community, capacity=2, days=7, tz="Europe/Berlin") -> CommunityEvent:
    start = (utcnow() + timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0)
    event = events.schedule(owner, community, events.EventData(
        "Pytest clinic", "workshop", start, 90, tz, capacity, "https://meet.test/py", None))
    db.session.commit()
    return event


def test_times_in_the_organisers_zone_shown_in_the_viewers(ada, make_community):
    c = make_community(ada)
    e = _event(ada, c)
    assert e.timezone == "Europe/Berlin"
    text = events.when(e, events.zone("Europe/London"))
    assert "(Europe/London)" in text and "Europe/Berlin for the organiser" in text
    assert events.local(e.starts_at, events.zone("Europe/Berlin")).hour == 17


def test_capacity_refuses_the_extra_seat(ada, bob, cy, make_community, api_as):
    c = make_community(ada, members=(bob, cy))
    e = _event(ada, c, capacity=1)
    assert api_as(bob).post(f"/api/v1/events/{e.id}/rsvp").status_code == 201
    r = api_as(cy).post(f"/api/v1/events/{e.id}/rsvp")
    assert r.status_code == 409 and "full" in r.get_json()["error"]["message"]
    events.cancel_rsvp(bob, e)
    db.session.commit()
    assert api_as(cy).post(f"/api/v1/events/{e.id}/rsvp").status_code == 201


def test_event_needs_a_link_or_place_and_the_future(ada, make_community):
    c = make_community(ada)
    with pytest.raises(Exception, match="online link or a place"):
        events.schedule(ada, c, events.EventData("x", "talk", utcnow() + timedelta(days=1), 60,
                                                 "UTC"))
    with pytest.raises(Exception, match="future"):
        events.schedule(ada, c, events.EventData("x", "talk", utcnow() - timedelta(days=1), 60,
                                                 "UTC", place="Room 1"))


def test_ics_download_and_pages(ada, bob, make_community, auth, client):
    c = make_community(ada, members=(bob,))
    e = _event(ada, c)
    auth.login(bob)
    assert "I&#39;m going" in client.get(f"/events/{e.id}").get_data(as_text=True)
    client.post(f"/events/{e.id}/rsvp")
    r = client.get(f"/events/{e.id}.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    body = r.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "Pytest clinic" in body and "DTSTART" in body
    assert "Pytest clinic" in client.get(f"/communities/{c.id}").get_data(as_text=True)


def test_schedule_through_the_form(ada, make_community, auth, client):
    c = make_community(ada)
    auth.login(ada)
    assert client.get(f"/communities/{c.id}/events/new").status_code == 200
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    r = client.post(f"/communities/{c.id}/events/new", data={
        "title": "Office hours", "kind": "office_hours", "starts_at": start, "minutes": 60,
        "timezone": "Europe/London", "place": "<b>Room 4</b>"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;Room 4&lt;/b&gt;" in page


def test_attendance_after_the_start(ada, bob, make_community):
    c = make_community(ada, members=(bob,))
    e = _event(ada, c)
    events.rsvp(bob, e)
    with pytest.raises(Conflict):
        events.mark_attended(ada, e, {bob.id})
    e.starts_at = utcnow() - timedelta(hours=1)
    assert events.mark_attended(ada, e, {bob.id}) == 1


@pytest.mark.slow
def test_simultaneous_rsvps_never_exceed_capacity(database_url, ada, make_user, make_community):
    people = [make_user(ada.company, name=f"Rushing {n}") for n in range(6)]
    c = make_community(ada, members=tuple(people))
    event_id = _event(ada, c, capacity=3).id
    person_ids = [p.id for p in people]
    db.session.remove()  # the test's own session holds no connection while the workers run
    outcomes = run(rsvp_worker, [(database_url, event_id, uid) for uid in person_ids])
    assert outcomes.count("seat") == 3
    assert outcomes.count("This event is full.") == 3
    taken = db.session.scalar(select(func.count()).select_from(EventRsvp).where(
        EventRsvp.event_id == event_id))
    assert taken == 3 and db.session.get(CommunityEvent, event_id).going == 3
