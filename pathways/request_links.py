"""Where learning requests meet the catalogue, pathways and mentorship.

Kept apart from `pathways.requests` so the request flow reads as money and approvals, and the
catalogue-side effects (which step a request fulfils, what completing it records) live here.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.errors import Conflict
from app.extensions import db
from app.models import User

from .catalogue_models import Enrolment, Offering, PathwayStep, StepCompletion
from .mentor_models import BookingStatus, MentorBooking
from .request_models import OPEN_STATUSES, LearningRequest, RequestStatus


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
    booking.learning_request_id = req.id


def record_completion(actor: User, req: LearningRequest, note: str | None) -> None:
    """Completing a request: the offering's completion (evidence) and the pathway step."""
    if req.offering_id is None:
        return  # a mentor session: the mentor attests progress on the booking itself
    from .catalogue_models import OfferingCompletion

    offering = db.session.get(Offering, req.offering_id)
    assert offering is not None
    db.session.add(OfferingCompletion(
        company_id=req.company_id, offering_id=offering.id, user_id=req.requester_id,
        completed_on=date.today(), reference=req.reference, note=note, recorded_by_id=actor.id))
    db.session.flush()


def open_request_for(requester: User, offering_id: int) -> LearningRequest | None:
    """The person's request for this offering still waiting or approved, if any."""
    return db.session.scalar(select(LearningRequest).where(
        LearningRequest.company_id == requester.company_id,
        LearningRequest.requester_id == requester.id, LearningRequest.offering_id == offering_id,
        LearningRequest.status.in_(OPEN_STATUSES)).order_by(LearningRequest.id.desc()).limit(1))

