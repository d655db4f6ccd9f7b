"""The booking race with real processes, on a SQLite file and on PostgreSQL: several people
book the same slot at the same instant; exactly one wins, the others get a clear 409 message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage
from pathways.mentoring import availability
from pathways.mentoring.models import MentorBooking, MentorProfile
from tests.billing.workers import run

from .workers import book_worker

pytestmark = pytest.mark.slow
WORKERS = 4


def test_one_slot_booked_by_four_people_at_once_has_exactly_one_winner(database_url, acme,
                                                                       make_user, make_mentor,
                                                                       cap):
    mentor = make_mentor(make_user(acme, name="Ada"), {cap: 4})
    slot = availability.free_slots(mentor)[0]
    mentees = [make_user(acme).id for _ in range(WORKERS)]
    mentor_id = mentor.id
    db.session.remove()  # the test's own session holds no connection while the workers run
    outcomes = run(book_worker, [(database_url, m, mentor_id, slot.starts_at) for m in mentees])
    assert outcomes.count("booked") == 1
    losers = [o for o in outcomes if o != "booked"]
    assert losers == ["409: That slot has just been booked by someone else; please choose "
                      "another time."] * (WORKERS - 1)
    rows = db.session.scalars(select(MentorBooking).where(MentorBooking.mentor_id == mentor_id))
    assert [(b.starts_at, b.status) for b in rows] == [(slot.starts_at, "booked")]
    # Only the winner's two invitations were written.
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert slot not in availability.free_slots(db.session.get(MentorProfile, mentor_id))
