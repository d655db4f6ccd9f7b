"""Booking stories: prices, refusals that leave the database as it was, cancelling by either
party, feedback after the session, and attestation that becomes evidence for the level rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import utcnow
from pathways.capabilities import levels
from pathways.capabilities.models import Assessment
from pathways.mentoring import availability, bookings, matching, mentors
from pathways.mentoring.models import MentorBooking


def test_an_internal_session_is_free_and_a_coach_is_paid_by_the_minute(acme, admin, make_user,
                                                                        make_mentor, make_coach,
                                                                        cap):
    emma = make_user(acme, name="Emma")
    ada = make_mentor(make_user(acme, name="Ada"), {cap: 4})
    cora = make_coach(admin, rate=12_345, offers={cap: 5}, minutes=45)
    free = bookings.book(emma, ada, availability.free_slots(ada)[0].starts_at, cap)
    paid = bookings.book(emma, cora, availability.free_slots(cora)[0].starts_at)
    db.session.commit()
    assert (free.price_minor, free.currency) == (0, "EUR")
    assert matching.booking_price_minor(paid) == (12_345 * 45 + 30) // 60 == 9_259
    assert paid.currency == "EUR" and paid.minutes == 45
    bookings.attach_learning_request(paid, 42)
    assert paid.learning_request_id == 42
    with pytest.raises(Conflict):
        bookings.attach_learning_request(paid, 43)


@pytest.mark.parametrize("case", ["not offered", "past", "own", "capability", "line", "far"])
def test_bad_bookings_are_refused_and_change_nothing(acme, make_user, make_mentor, cap,
                                                     make_capability, fingerprint, case):
    boss = make_user(acme, name="Boss")
    emma = make_user(acme, name="Emma", manager=boss)
    ada = make_user(acme, name="Ada")
    mentor = make_mentor(ada, {cap: 4})
    make_mentor(boss, {cap: 4})
    slot = availability.free_slots(mentor)[0]
    other = make_capability(acme, "Juggling")
    actor, who, starts, topic = emma, mentor, slot.starts_at, None
    expected = {"not offered": ("starts_at", "not one of Ada's slots"),
                "past": ("starts_at", "in the past"),
                "own": ("mentor_id", "with yourself"),
                "capability": ("capability_id", "does not offer Juggling"),
                "line": ("mentor_id", "in your reporting line"),
                "far": ("starts_at", "up to 8 weeks ahead")}[case]
    if case == "not offered":
        starts = slot.starts_at + timedelta(minutes=15)
    elif case == "past":
        starts = utcnow() - timedelta(hours=1)
    elif case == "own":
        actor = ada
    elif case == "capability":
        topic = other
    elif case == "line":
        who = mentors.profile_of(boss)
    elif case == "far":
        starts = slot.starts_at + timedelta(weeks=9)
    before = fingerprint()
    with pytest.raises(ValidationError) as err:
        bookings.book(actor, who, starts, topic)
    db.session.rollback()
    assert (err.value.field, expected[1] in err.value.message) == (expected[0], True)
    assert fingerprint() == before


def test_a_taken_slot_and_a_double_booked_mentee_are_conflicts(acme, make_user, make_mentor, cap):
    emma, finn = make_user(acme), make_user(acme)
    ada = make_mentor(make_user(acme, name="Ada"), {cap: 4})
    bob = make_mentor(make_user(acme, name="Bob"), {cap: 4})  # same Monday hours as Ada
    slot = availability.free_slots(ada)[0]
    bookings.book(emma, ada, slot.starts_at)
    db.session.commit()
    with pytest.raises(Conflict, match="just been booked by someone else"):
        bookings.book(finn, ada, slot.starts_at)
    db.session.rollback()
    with pytest.raises(Conflict, match="already have a mentoring session at that time"):
        bookings.book(emma, bob, slot.starts_at)


def test_the_database_itself_refuses_a_second_active_booking_of_a_slot(acme, make_user,
                                                                       make_mentor, cap):
    emma, finn = make_user(acme), make_user(acme)
    ada = make_mentor(make_user(acme, name="Ada"), {cap: 4})
    booking = bookings.book(emma, ada, availability.free_slots(ada)[0].starts_at)
    db.session.commit()
    copy = MentorBooking(company_id=acme.id, mentor_id=ada.id, mentee_id=finn.id,
                         starts_at=booking.starts_at, ends_at=booking.ends_at, currency="EUR",
                         ical_uid="copy@trellis")
    db.session.add(copy)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # Once cancelled, the slot is free again, for the service and for the index.
    bookings.cancel(emma, db.session.get(MentorBooking, booking.id))
    again = bookings.book(finn, ada, booking.starts_at)
    db.session.commit()
    assert again.status == "booked"


def test_either_party_or_an_admin_cancels_nobody_else(acme, admin, make_user, make_mentor, cap):
    emma, ada_user, stranger = make_user(acme), make_user(acme, name="Ada"), make_user(acme)
    ada = make_mentor(ada_user, {cap: 4}, hours=[(d, "09:00", "12:00") for d in range(7)])
    received = []
    bookings.booking_cancelled.connect(lambda sender, booking: received.append(
        (sender, booking.id)), weak=False)
    slots = availability.free_slots(ada)
    booked = [bookings.book(emma, ada, s.starts_at) for s in slots[:3]]
    db.session.commit()
    with pytest.raises(PermissionDenied):
        bookings.cancel(stranger, booked[0])
    for actor, booking in zip((emma, ada_user, admin), booked, strict=True):
        bookings.cancel(actor, booking, "Something came up")
        assert (booking.status, booking.cancelled_by_id) == ("cancelled", actor.id)
        assert booking.ical_sequence == 1
    assert [r[1] for r in received] == [b.id for b in booked]
    with pytest.raises(ValidationError, match="already cancelled"):
        bookings.cancel(emma, booked[0])
    bookings.booking_cancelled.receivers.clear()


def test_a_session_that_has_started_can_no_longer_be_cancelled(acme, make_user, make_mentor,
                                                               past_session, cap):
    emma = make_user(acme)
    booking = past_session(emma, make_mentor(make_user(acme), {cap: 4}))
    with pytest.raises(ValidationError, match="already started"):
        bookings.cancel(emma, booking)


def test_feedback_comes_from_the_mentee_after_the_session(acme, make_user, make_mentor,
                                                          past_session, cap):
    emma, ada = make_user(acme), make_user(acme, name="Ada")
    mentor = make_mentor(ada, {cap: 4})
    upcoming = bookings.book(emma, mentor, availability.free_slots(mentor)[0].starts_at)
    with pytest.raises(ValidationError, match="after the session"):
        bookings.leave_feedback(emma, upcoming, 5)
    booking = past_session(emma, mentor)
    with pytest.raises(PermissionDenied):
        bookings.leave_feedback(ada, booking, 5)
    with pytest.raises(ValidationError) as err:
        bookings.leave_feedback(emma, booking, 6)
    assert err.value.field == "rating"
    bookings.leave_feedback(emma, booking, 4, "Very useful")
    assert (booking.status, booking.feedback_rating) == ("completed", 4)
    with pytest.raises(Conflict):
        bookings.leave_feedback(emma, booking, 5)


def test_an_attestation_becomes_mentor_evidence_and_raises_the_level(acme, make_user,
                                                                     make_mentor, past_session,
                                                                     evidence, cap):
    emma, ada = make_user(acme, name="Emma"), make_user(acme, name="Ada")
    evidence(emma, cap, 2, "manager", on=utcnow().date() - timedelta(days=60))
    mentor = make_mentor(ada, {cap: 4})
    booking = past_session(emma, mentor, cap)
    assert levels.current_level(emma, cap) == 2
    with pytest.raises(ValidationError, match="from 1 to 4"):
        bookings.attest(ada, booking, cap, 5)
    with pytest.raises(PermissionDenied):
        bookings.attest(emma, booking, cap, 3)
    bookings.attest(ada, booking, cap, 3, "Ran the stakeholder review well.")
    db.session.commit()
    row = db.session.get(Assessment, booking.attestation_id)
    assert (row.source, row.level, row.author_id, row.reference) == (
        "mentor", 3, ada.id, f"mentor-session:{booking.id}")
    assert levels.current_level(emma, cap) == 3
    view = levels.levels_of(emma, [cap.id])[cap.id]
    assert "Ada's mentor attestation" in view.why
    with pytest.raises(Conflict):
        bookings.attest(ada, booking, cap, 3)


def test_an_admin_attests_for_an_external_coach(acme, admin, make_user, make_coach, past_session,
                                                cap):
    emma = make_user(acme)
    coach = make_coach(admin, offers={cap: 5})
    booking = past_session(emma, coach, cap)
    bookings.attest(admin, booking, cap, 2)
    db.session.commit()
    assert levels.current_level(emma, cap) == 2


def test_when_someone_leaves_their_future_sessions_are_cancelled(client, auth, acme, admin,
                                                                 make_user, make_mentor, cap):
    ada = make_user(acme, name="Ada")
    mentor = make_mentor(ada, {cap: 4}, hours=[(d, "09:00", "12:00") for d in range(7)])
    other = make_mentor(make_user(acme, name="Olga"), {cap: 4})
    slots = availability.free_slots(mentor)
    given = bookings.book(make_user(acme), mentor, slots[0].starts_at)
    taken = bookings.book(ada, other, availability.free_slots(other)[0].starts_at)
    db.session.commit()
    auth.login(admin)
    assert client.post(f"/people/{ada.id}/deactivate").status_code in (200, 302)
    db.session.expire_all()
    for booking_id in (given.id, taken.id):
        booking = db.session.get(MentorBooking, booking_id)
        assert booking.status == "cancelled"
        assert booking.cancel_reason == "Ada has left the company."
    assert mentors.profile_of(ada).active is False
