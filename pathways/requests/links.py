"""Where learning requests meet the catalogue, pathways and mentorship.

Kept apart from `pathways.requests` so the request flow reads as money and approvals, and the
catalogue-side effects (which step a request fulfils, what completing it records) live here.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import User, utcnow
from pathways.catalogue.models import Offering
from pathways.learning.models import Enrolment, PathwayStep, StepCompletion
from pathways.mentoring.models import BookingStatus, MentorBooking

from .models import OPEN_STATUSES, LearningRequest, RequestStatus


def enrolled_step(requester: User, offering: Offering) -> tuple[Enrolment, PathwayStep] | None:
    """The first step, not yet done, that is this offering on an active enrolment of the person."""
    row = db.session.execute(
        select(Enrolment, PathwayStep)
        .join(PathwayStep, PathwayStep.pathway_id == Enrolment.pathway_id)
        .outerjoin(StepCompletion, (StepCompletion.enrolment_id == Enrolment.id)
                   & (StepCompletion.step_id == PathwayStep.id))
        .where(Enrolment.company_id == requester.company_id, Enrolment.user_id == requester.id,
               Enrolment.status == "active", PathwayStep.offering_id == offering.id,
               StepCompletion.id.is_(None))
        .order_by(Enrolment.id, PathwayStep.position).limit(1)).first()
    return (row[0], row[1]) if row else None


def booking_terms(booking: MentorBooking) -> tuple[str, int, str, int]:
    """(title, price, currency, mentee id) of a paid mentor booking that can be requested."""
    if booking.status != BookingStatus.BOOKED.value:
        raise Conflict(f"This session is {booking.status}; only a booked session can be "
                       "requested.", "mentor_booking_id")
    if booking.learning_request_id is not None:
        open_request = db.session.scalar(select(LearningRequest.id).where(
            LearningRequest.id == booking.learning_request_id,
            LearningRequest.status.notin_([RequestStatus.REJECTED.value,
                                           RequestStatus.CANCELLED.value])))
        if open_request is not None:
            raise Conflict(f"This session is already funded by request #{open_request}.",
                           "mentor_booking_id")
    title = f"Session with {booking.mentor.name} on {booking.starts_at:%d %b %Y %H:%M} UTC"
    return title, booking.price_minor, booking.currency, booking.mentee_id


def link_booking(booking: MentorBooking, req: LearningRequest) -> None:
    """Mark the session as funded by `req` (replacing a rejected or cancelled request)."""
    from pathways.mentoring import bookings

    if booking.learning_request_id is not None and booking.learning_request_id != req.id:
        booking.learning_request_id = None  # booking_terms checked the old one is closed
    bookings.attach_learning_request(booking, req.id)


def _booking_cancelled(actor: User | None, booking: MentorBooking, **_: object) -> None:
    """A funded session was cancelled: withdraw its request (the hold goes back); a session
    already paid for stays purchased for an admin to refund."""
    from . import transitions

    if booking.learning_request_id is None:
        return
    req = db.session.get(LearningRequest, booking.learning_request_id)
    if req is not None and req.status in OPEN_STATUSES:
        transitions.withdraw(actor, req, "The mentor session was cancelled.")


def release_booking(actor: User | None, req: LearningRequest, reason: str) -> None:
    """A booking request was rejected or cancelled: free the coach's slot (if still ahead)."""
    from pathways.mentoring import bookings

    if req.mentor_booking_id is None:
        return
    booking = db.session.get(MentorBooking, req.mentor_booking_id)
    if booking is None or booking.status != BookingStatus.BOOKED.value or \
            booking.starts_at <= utcnow():
        return
    bookings.cancel(actor, booking, reason, check=False)


def connect() -> None:
    from pathways.mentoring.bookings import booking_cancelled

    booking_cancelled.connect(_booking_cancelled, weak=False)


def record_completion(actor: User, req: LearningRequest, note: str | None,
                      on: date | None = None) -> None:
    """Completing a request: the pathway step it fulfils (which records the offering's
    completion and evidence), or else the offering's completion and evidence directly."""
    if req.offering_id is None:
        return  # a mentor session: the mentor attests progress on the booking itself
    from pathways.catalogue import completions
    from pathways.learning import enrolments

    offering = db.session.get(Offering, req.offering_id)
    assert offering is not None
    requester = req.requester
    if req.enrolment_id is not None and req.step_id is not None:
        enrolment = db.session.get(Enrolment, req.enrolment_id)
        step = db.session.get(PathwayStep, req.step_id)
        try:
            if enrolment is not None and step is not None:  # (both gone: the offering counts)
                with db.session.begin_nested():
                    enrolments.complete_step(actor, enrolment, step, note,
                                             reference=req.reference, on=on)
                return
        except (Conflict, ValidationError):
            pass  # done already, or its prerequisites are not: the offering still counts
    completions.record_offering_completion(actor, requester, offering, note,
                                         reference=req.reference, on=on)


def open_request_for(requester: User, offering_id: int) -> LearningRequest | None:
    """The person's request for this offering still waiting or approved, if any."""
    return db.session.scalar(select(LearningRequest).where(
        LearningRequest.company_id == requester.company_id,
        LearningRequest.requester_id == requester.id, LearningRequest.offering_id == offering_id,
        LearningRequest.status.in_(OPEN_STATUSES)).order_by(LearningRequest.id.desc()).limit(1))

