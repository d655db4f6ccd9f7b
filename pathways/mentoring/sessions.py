"""A pathway's mentor-session step linked to a booking: book from the step, and when the session
is held (the mentee's feedback or the mentor's attestation) the step completes.

The completion is the mentee's (as if they marked it done, reference "mentor-session:N"), so a
company that wants managers to verify completed steps still gets its verification (and the
manager's e-mail). A step that is locked by prerequisites, or already done, is left as it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import User
from pathways.learning import enrolments
from pathways.learning.models import Enrolment, PathwayStep, StepKind

from . import bookings
from .models import BookingStatus, MentorBooking, MentorProfile


def check_step(actor: User, enrolment: Enrolment, step: PathwayStep) -> None:
    """The actor may book a session for this open mentor-session step of their enrolment."""
    if enrolment.company_id != actor.company_id or enrolment.user_id != actor.id:
        raise PermissionDenied("Book sessions for your own pathway steps.")
    if step.pathway_id != enrolment.pathway_id or step.kind != StepKind.MENTOR_SESSION:
        raise ValidationError("That is not a mentor-session step of this pathway.", "step_id")
    if any(c.step_id == step.id for c in enrolment.completions):
        raise Conflict(f"'{step.title}' is already done.", "step_id")
    if active_booking(enrolment, step) is not None:
        raise Conflict(f"A session is already booked for '{step.title}'; cancel it to book "
                       "another.", "step_id")


def active_booking(enrolment: Enrolment, step: PathwayStep) -> MentorBooking | None:
    return db.session.scalar(select(MentorBooking).where(
        MentorBooking.enrolment_id == enrolment.id, MentorBooking.step_id == step.id,
        MentorBooking.status != BookingStatus.CANCELLED.value).limit(1))


def bookings_by_step(enrolment: Enrolment) -> dict[int, MentorBooking]:
    """The enrolment's sessions that are not cancelled, by step (for the enrolment page)."""
    return {b.step_id: b for b in db.session.scalars(select(MentorBooking).where(
        MentorBooking.company_id == enrolment.company_id,
        MentorBooking.enrolment_id == enrolment.id,
        MentorBooking.status != BookingStatus.CANCELLED.value)) if b.step_id is not None}


def book_for_step(actor: User, enrolment: Enrolment, step: PathwayStep, mentor: MentorProfile,
                  starts_at: datetime, agenda: str | None = None,
                  now: datetime | None = None) -> MentorBooking:
    """Book `mentor` for the step's capability and link the booking to the step (flush only)."""
    check_step(actor, enrolment, step)
    booking = bookings.book(actor, mentor, starts_at, step.capability,
                                   agenda or f"Pathway step: {step.title}", now=now)
    booking.enrolment_id, booking.step_id = enrolment.id, step.id
    db.session.flush()
    return booking


def on_session_held(sender: User | None, booking: MentorBooking, **_: object) -> None:
    """Complete the pathway step the session was booked for (if it is still open)."""
    if booking.enrolment_id is None or booking.step_id is None:
        return
    enrolment = db.session.get(Enrolment, booking.enrolment_id)
    step = db.session.get(PathwayStep, booking.step_id)
    if enrolment is None or step is None:
        return
    done = {c.step_id for c in enrolment.completions}
    if step.id in done or any(p.id not in done for p in step.prerequisites):
        return
    enrolments.complete_step(
        enrolment.user, enrolment, step,
        f"Mentoring session with {booking.mentor.name} on {booking.starts_at:%d %B %Y}.",
        reference=f"mentor-session:{booking.id}")
