"""Booking a mentor's slot, cancelling it, feedback after the session and attestation of progress.

Double-booking is impossible at three levels:

1. on PostgreSQL the mentor's profile row is locked (`SELECT … FOR UPDATE`) before the checks, so
   two bookings of one mentor run one after the other; on SQLite every write transaction begins
   `IMMEDIATE` (see app.database), which serialises them the same way;
2. the checks then see the winner's booking and the loser gets a clear `Conflict`;
3. the partial unique index on (mentor_id, starts_at) among active bookings refuses a second
   row even if the code above were bypassed; that IntegrityError becomes the same `Conflict`.

Paid sessions (external coaches) carry `price_minor`; the learning-request side funds them and
links itself with `attach_learning_request`. `booking_cancelled` lets it release the money.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from blinker import Namespace
from flask import Flask
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Company, User, UserStatus, utcnow
from pathways.capabilities import levels
from pathways.capabilities.models import Capability, Source

from . import availability, calendar, matching
from .models import BookingStatus, MentorBooking, MentorCapability, MentorProfile

_signals = Namespace()
# sender: the acting User (None for the system); kwargs: booking=MentorBooking. Sent inside the
# transaction after a booking is cancelled (receivers may add rows, never commit).
booking_cancelled = _signals.signal("mentor-booking-cancelled")
# sender: the acting User; kwargs: booking=MentorBooking. Sent inside the transaction when a
# session counts as held (the mentee's feedback or the mentor's attestation); receivers may add
# rows (e.g. complete the pathway step it was booked for), never commit.
session_held = _signals.signal("mentor-session-held")

TAKEN = "That slot has just been booked by someone else; please choose another time."


def add_booking_fact(app: Flask, template: str) -> None:
    """A higher room's template to include among the facts of the session page (the
    learning-requests room adds how a paid session is funded); it gets `booking` in its context."""
    facts = app.extensions.setdefault("trellis_booking_facts", [])
    if template not in facts:
        facts.append(template)


def _check_booking(actor: User, mentor: MentorProfile, starts_at: datetime,
                   capability: Capability | None, agenda: str | None, now: datetime) -> None:
    """The rules that need no lock: who may book whom, when, and about what."""
    if mentor.company_id != actor.company_id:
        raise PermissionDenied("That mentor belongs to another company.", "mentor_id")
    if actor.status != UserStatus.ACTIVE.value:
        raise ValidationError("People who left cannot book sessions.")
    if mentor.user_id == actor.id:
        raise ValidationError("You cannot book a session with yourself.", "mentor_id")
    if not mentor.active or (mentor.user is not None
                             and mentor.user.status != UserStatus.ACTIVE.value):
        raise ValidationError(f"{mentor.name} is not taking bookings at the moment.", "mentor_id")
    if mentor.user_id is not None and mentor.user_id in matching.reporting_line(actor):
        raise ValidationError(f"{mentor.name} is in your reporting line; choose a mentor outside "
                              "it.", "mentor_id")
    if starts_at <= now:
        raise ValidationError("That slot is in the past; choose a time from now on.", "starts_at")
    if starts_at > now + timedelta(weeks=availability.HORIZON_WEEKS):
        raise ValidationError(f"Slots can be booked up to {availability.HORIZON_WEEKS} weeks ahead.",
                              "starts_at")
    if capability is not None and db.session.get(
            MentorCapability, (mentor.id, capability.id)) is None:
        raise ValidationError(f"{mentor.name} does not offer {capability.name}.", "capability_id")
    if agenda and len(agenda) > 2000:
        raise ValidationError("Keep the agenda under 2,000 characters.", "agenda")


def _free_slot(actor: User, mentor: MentorProfile, starts_at: datetime) -> availability.Slot:
    """Lock the mentor and return the free slot starting at `starts_at` (else refuse)."""
    # One booking of this mentor at a time (FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite).
    db.session.execute(select(MentorProfile.id).where(MentorProfile.id == mentor.id)
                       .with_for_update())
    length = timedelta(minutes=mentor.session_minutes)
    slot = next((s for s in availability.offered(mentor, starts_at, starts_at + length)
                 if s.starts_at == starts_at), None)
    if slot is None:
        raise ValidationError(f"{starts_at:%Y-%m-%d %H:%M} UTC is not one of {mentor.name}'s "
                              "slots; pick one from the list of free slots.", "starts_at")
    taken_by = db.session.scalars(select(MentorBooking.mentee_id).where(
        MentorBooking.mentor_id == mentor.id,
        MentorBooking.status != BookingStatus.CANCELLED.value,
        MentorBooking.starts_at < slot.ends_at, MentorBooking.ends_at > slot.starts_at)).all()
    if taken_by:
        raise Conflict("You have already booked this slot." if actor.id in taken_by else TAKEN,
                       "starts_at")
    if db.session.scalar(select(MentorBooking.id).where(
            MentorBooking.mentee_id == actor.id,
            MentorBooking.status == BookingStatus.BOOKED.value,
            MentorBooking.starts_at < slot.ends_at, MentorBooking.ends_at > slot.starts_at)):
        raise Conflict("You already have a mentoring session at that time.", "starts_at")
    if availability.sessions_in_month(mentor, slot.starts_at) >= mentor.monthly_cap:
        raise Conflict(f"{mentor.name} has reached their cap of {mentor.monthly_cap} sessions "
                       "for that month; choose a later month or another mentor.", "starts_at")
    return slot


def book(actor: User, mentor: MentorProfile, starts_at: datetime,
         capability: Capability | None = None, agenda: str | None = None,
         now: datetime | None = None, notify: bool = True) -> MentorBooking:
    """`actor` books one of `mentor`'s free slots starting at `starts_at` (naive UTC).

    Both get an e-mail with an `.ics` invitation after the commit (`notify=False`: demo data).
    """
    now = now or utcnow()
    _check_booking(actor, mentor, starts_at, capability, agenda, now)
    slot = _free_slot(actor, mentor, starts_at)
    company = db.session.get_one(Company, actor.company_id)
    booking = MentorBooking(
        company_id=actor.company_id, mentor_id=mentor.id, mentee_id=actor.id,
        capability_id=capability.id if capability else None, starts_at=slot.starts_at,
        ends_at=slot.ends_at, status=BookingStatus.BOOKED.value,
        price_minor=matching.session_price_minor(mentor, mentor.session_minutes),
        currency=mentor.currency or company.currency, agenda=(agenda or "").strip() or None,
        ical_uid=f"{uuid.uuid4()}@trellis", ical_sequence=0, created_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as exc:  # the unique index: someone else won the slot
        raise Conflict(TAKEN, "starts_at") from exc
    audit.record(actor, actor.company_id, "mentor.booked", "mentor_booking", booking.id,
                 f"{actor.name} booked {mentor.name} on {slot.starts_at:%Y-%m-%d %H:%M} UTC")
    if notify:
        calendar.send_invitations(booking)
    return booking


def attach_learning_request(booking: MentorBooking, request_id: int) -> None:
    """Link a paid session to the learning request that funds it (called by the requests side)."""
    if booking.learning_request_id not in (None, request_id):
        raise Conflict("This session is already funded by another learning request.")
    booking.learning_request_id = request_id
    db.session.flush()


def is_party(user: User, booking: MentorBooking) -> bool:
    return user.id in (booking.mentee_id, booking.mentor.user_id)


def can_view(user: User, booking: MentorBooking) -> bool:
    """Who may open a session's page: its mentee and mentor, and the company's admins."""
    return user.company_id == booking.company_id and (
        is_party(user, booking) or user.has_role("admin"))


def can_act_for_mentor(user: User, booking: MentorBooking) -> bool:
    """The mentor themselves; an admin acts for external coaches (who have no account)."""
    return booking.mentor.user_id == user.id or (
        booking.mentor.is_external and user.has_role("admin"))


def cancel(actor: User | None, booking: MentorBooking, reason: str | None = None,
           check: bool = True, now: datetime | None = None) -> MentorBooking:
    """Either party (or an admin) cancels a future session; both get a cancellation `.ics`.

    `check=False` is for trusted system callers (e.g. a rejected learning request).
    """
    now = now or utcnow()
    if check and (actor is None or not can_view(actor, booking)):
        raise PermissionDenied("Only the mentee, the mentor or an L&D admin can cancel a session.")
    if booking.status == BookingStatus.CANCELLED.value:
        raise ValidationError("This session is already cancelled.")
    if booking.status == BookingStatus.COMPLETED.value or booking.starts_at <= now:
        raise ValidationError("This session has already started; it can no longer be cancelled.")
    if reason and len(reason) > 1000:
        raise ValidationError("Keep the reason under 1,000 characters.", "reason")
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_by_id = actor.id if actor is not None else None
    booking.cancelled_at = now
    booking.cancel_reason = (reason or "").strip() or None
    booking.ical_sequence += 1
    db.session.flush()
    audit.record(actor, booking.company_id, "mentor.cancelled", "mentor_booking", booking.id,
                 f"Session of {booking.mentee.name} with {booking.mentor.name} cancelled")
    booking_cancelled.send(actor, booking=booking)
    calendar.send_cancellations(booking, actor)
    return booking


def _after_session(booking: MentorBooking, now: datetime) -> None:
    if booking.status == BookingStatus.CANCELLED.value:
        raise ValidationError("This session was cancelled.")
    if booking.ends_at > now:
        raise ValidationError("Feedback and attestations come after the session has ended.")


def leave_feedback(actor: User, booking: MentorBooking, rating: int, text: str | None = None,
                   now: datetime | None = None) -> MentorBooking:
    """The mentee rates the session 1–5 with optional words; the session counts as held."""
    if actor.id != booking.mentee_id:
        raise PermissionDenied("Only the mentee leaves feedback on a session.")
    _after_session(booking, now or utcnow())
    if booking.feedback_at is not None:
        raise Conflict("You already left feedback on this session.")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError("Rate the session from 1 to 5 stars.", "rating")
    if text and len(text) > 2000:
        raise ValidationError("Keep the feedback under 2,000 characters.", "text")
    booking.feedback_rating, booking.feedback_text = rating, (text or "").strip() or None
    booking.feedback_at = now or utcnow()
    booking.status = BookingStatus.COMPLETED.value
    db.session.flush()
    session_held.send(actor, booking=booking)
    audit.record(actor, booking.company_id, "mentor.feedback", "mentor_booking", booking.id,
                 f"{actor.name} rated the session with {booking.mentor.name} {rating}/5")
    return booking


def attest(actor: User, booking: MentorBooking, capability: Capability, level: int,
           note: str | None = None, now: datetime | None = None) -> MentorBooking:
    """The mentor attests the mentee's level in a capability they offer (at most their own
    level): recorded as mentor-attestation evidence, which the level rule trusts."""
    if actor.company_id != booking.company_id or not can_act_for_mentor(actor, booking):
        raise PermissionDenied("Only the mentor (or an L&D admin for an external coach) attests "
                               "progress after a session.")
    now = now or utcnow()
    _after_session(booking, now)
    if booking.attestation_id is not None:
        raise Conflict("Progress was already attested for this session.")
    offer = db.session.get(MentorCapability, (booking.mentor_id, capability.id))
    if offer is None:
        raise ValidationError(f"{booking.mentor.name} does not mentor {capability.name}.",
                              "capability_id")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= offer.level:
        raise ValidationError(f"Attest a level from 1 to {offer.level}, the level "
                              f"{booking.mentor.name} mentors {capability.name} at.", "level")
    mentee = booking.mentee
    evidence = levels.record_evidence(
        actor, mentee, capability, level, Source.MENTOR.value,
        note=note or f"Attested by {booking.mentor.name} after a mentoring session.",
        on=min(date.today(), booking.ends_at.date()), reference=f"mentor-session:{booking.id}", check=False)
    booking.attested_capability_id, booking.attested_level = capability.id, level
    booking.attestation_id, booking.attested_at = evidence.id, now
    booking.status = BookingStatus.COMPLETED.value
    db.session.flush()
    session_held.send(actor, booking=booking)
    return booking


# --- lists -------------------------------------------------------------------------------------

def bookings_query(user: User, upcoming: bool, now: datetime | None = None
                   ) -> Select[MentorBooking]:
    """The person's sessions as mentee or mentor: upcoming soonest first, past latest first."""
    now = now or utcnow()
    mine = select(MentorProfile.id).where(MentorProfile.company_id == user.company_id,
                                          MentorProfile.user_id == user.id)
    query = select(MentorBooking).where(
        MentorBooking.company_id == user.company_id,
        or_(MentorBooking.mentee_id == user.id, MentorBooking.mentor_id.in_(mine)))
    if upcoming:
        return query.where(MentorBooking.ends_at > now,
                           MentorBooking.status == BookingStatus.BOOKED.value
                           ).order_by(MentorBooking.starts_at, MentorBooking.id)
    return query.where(or_(MentorBooking.ends_at <= now,
                           MentorBooking.status != BookingStatus.BOOKED.value)
                       ).order_by(MentorBooking.starts_at.desc(), MentorBooking.id.desc())


def coach_bookings_query(company_id: int) -> Select[MentorBooking]:
    """Every session with the company's external coaches (admins act for them), latest first."""
    return (select(MentorBooking)
            .join(MentorProfile, MentorProfile.id == MentorBooking.mentor_id)
            .where(MentorBooking.company_id == company_id, MentorProfile.kind == "external")
            .order_by(MentorBooking.starts_at.desc(), MentorBooking.id.desc()))


def on_person_left(sender: User | None, person_ids: list[int], **_: object) -> None:
    """Someone left: their future sessions (as mentee or mentor) are cancelled, with the
    cancellation e-mails, and their mentor profile stops taking bookings."""
    now = utcnow()
    profiles = db.session.scalars(select(MentorProfile).where(
        MentorProfile.user_id.in_(person_ids))).all()
    for profile in profiles:
        profile.active = False
    future = db.session.scalars(select(MentorBooking).where(
        MentorBooking.status == BookingStatus.BOOKED.value, MentorBooking.starts_at > now,
        or_(MentorBooking.mentee_id.in_(person_ids),
            MentorBooking.mentor_id.in_([p.id for p in profiles])))).all()
    for booking in future:
        gone = booking.mentee if booking.mentee_id in person_ids else booking.mentor
        cancel(sender, booking, f"{gone.name} has left the company.", check=False, now=now)
