"""Mentoring over JSON: mentors, their free slots, bookings, cancel, feedback and attestation.

The same service calls as the pages (`mentors`, `availability`, `matching`, `bookings`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask_login import current_user

from app.api.plumbing import api_blueprint
from app.api.schema import operation
from app.errors import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import utcnow
from app.pagination import paginated
from app.tenancy import current_company, get_or_404
from pathways.capabilities.models import Capability
from pathways.learning.models import Enrolment, PathwayStep

from . import availability, bookings, matching, mentors, sessions
from .models import MentorBooking, MentorProfile
from .schemas import (
    Attestation,
    BookingQuery,
    Cancellation,
    Feedback,
    MentorPage,
    MentorQuery,
    NewBooking,
    SlotQuery,
    Slots,
)
from .schemas import Mentor as MentorOut
from .schemas import MentorBooking as BookingOut
from .schemas import MentorBookingPage as BookingPage

bp = api_blueprint("mentoring_api", __name__)
MAX_SLOT_DAYS = 62


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat().replace(
        "+00:00", "Z")


def mentor_json(m: MentorProfile) -> dict[str, Any]:
    return {"id": m.id, "kind": m.kind, "name": m.name, "user_id": m.user_id,
            "organisation": m.organisation, "bio": m.bio, "timezone": m.timezone,
            "session_minutes": m.session_minutes, "monthly_cap": m.monthly_cap,
            "active": m.active, "hourly_rate_minor": m.hourly_rate_minor,
            "session_price_minor": matching.session_price_minor(m, m.session_minutes),
            "currency": m.currency or current_company().currency,
            "capabilities": [{"capability_id": o.capability_id, "capability": o.capability.name,
                              "level": o.level} for o in m.capabilities]}


def booking_json(b: MentorBooking) -> dict[str, Any]:
    return {"id": b.id, "mentor_id": b.mentor_id, "mentor": b.mentor.name,
            "mentee_id": b.mentee_id, "capability_id": b.capability_id,
            "starts_at": _iso(b.starts_at), "ends_at": _iso(b.ends_at), "status": b.status,
            "price_minor": b.price_minor, "currency": b.currency, "agenda": b.agenda,
            "learning_request_id": b.learning_request_id,
            "cancelled_by_id": b.cancelled_by_id, "cancelled_at": _iso(b.cancelled_at),
            "cancel_reason": b.cancel_reason, "feedback_rating": b.feedback_rating,
            "feedback_text": b.feedback_text, "attested_capability_id": b.attested_capability_id,
            "attested_level": b.attested_level, "attestation_id": b.attestation_id,
            "enrolment_id": b.enrolment_id, "step_id": b.step_id}


@bp.get("/mentors")
@operation(query=MentorQuery, response=MentorPage)
def list_mentors(query: MentorQuery) -> dict[str, Any]:
    """Active mentors of the company, optionally offering a capability at a minimum level."""
    cap_id = get_or_404(Capability, query.capability_id).id if query.capability_id else None
    return paginated(matching.mentors_query(current_company().id, cap_id, query.min_level),
                     mentor_json, query)


@bp.get("/mentors/<int:mentor_id>")
@operation(response=MentorOut)
def get_mentor(mentor_id: int) -> dict[str, Any]:
    """One mentor."""
    return mentor_json(get_or_404(MentorProfile, mentor_id))


@bp.get("/mentors/<int:mentor_id>/slots")
@operation(query=SlotQuery, response=Slots)
def mentor_slots(mentor_id: int, query: SlotQuery) -> dict[str, Any]:
    """Free slots of a mentor between `from` and `to` (UTC; default the next 14 days)."""
    mentor = get_or_404(MentorProfile, mentor_id)
    now = utcnow()
    start = mentors.parse_instant(query.from_, "from") if query.from_ else now
    end = mentors.parse_instant(query.to, "to") if query.to else start + timedelta(days=14)
    if end <= start:
        raise ValidationError("'to' must be after 'from'.", "to")
    if end - start > timedelta(days=MAX_SLOT_DAYS):
        raise ValidationError(f"Ask for at most {MAX_SLOT_DAYS} days of slots at once.", "to")
    slots = availability.free_slots(mentor, start, end, now=now)
    return {"mentor_id": mentor.id, "timezone": mentor.timezone, "items": [
        {"starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at)} for s in slots]}


@bp.post("/mentor-bookings")
@operation(body=NewBooking, response=BookingOut, status=201)
def create_booking(body: NewBooking) -> dict[str, Any]:
    """Book a free slot of a mentor for yourself.

    409 when the slot was taken in the meantime (including by a concurrent request). Both
    parties get an e-mail with an .ics invitation.
    """
    mentor = get_or_404(MentorProfile, body.mentor_id)
    starts_at = mentors.parse_instant(body.starts_at, "starts_at")
    cap = get_or_404(Capability, body.capability_id) if body.capability_id is not None else None
    if (body.enrolment_id is None) != (body.step_id is None):
        raise ValidationError("Give both 'enrolment_id' and 'step_id', or neither.",
                              "step_id" if body.step_id is None else "enrolment_id")
    if body.enrolment_id is not None:
        booking = sessions.book_for_step(
            current_user, get_or_404(Enrolment, body.enrolment_id),
            get_or_404(PathwayStep, body.step_id), mentor, starts_at, body.agenda)
    else:
        booking = bookings.book(current_user, mentor, starts_at, cap, body.agenda)
    return booking_json(booking)


@bp.get("/mentor-bookings")
@operation(query=BookingQuery, response=BookingPage)
def list_bookings(query: BookingQuery) -> dict[str, Any]:
    """My sessions, as mentee or mentor (`upcoming=0` for past and cancelled ones)."""
    return paginated(bookings.bookings_query(current_user, query.upcoming), booking_json, query)


def _visible(booking_id: int) -> MentorBooking:
    booking = get_or_404(MentorBooking, booking_id)
    if not bookings.can_view(current_user, booking):
        raise PermissionDenied("Only the mentee, the mentor and L&D admins see a session.")
    return booking


@bp.get("/mentor-bookings/<int:booking_id>")
@operation(response=BookingOut)
def get_booking(booking_id: int) -> dict[str, Any]:
    """One session."""
    return booking_json(_visible(booking_id))


@bp.post("/mentor-bookings/<int:booking_id>/cancel")
@operation(body=Cancellation, response=BookingOut)
def cancel_booking(booking_id: int, body: Cancellation) -> dict[str, Any]:
    """Cancel a future session (mentee, mentor or admin); both get a cancellation .ics."""
    booking = _visible(booking_id)
    bookings.cancel(current_user, booking, body.reason)
    return booking_json(booking)


@bp.post("/mentor-bookings/<int:booking_id>/feedback")
@operation(body=Feedback, response=BookingOut)
def booking_feedback(booking_id: int, body: Feedback) -> dict[str, Any]:
    """The mentee's feedback after the session: `rating` 1–5 and optional `text`."""
    booking = _visible(booking_id)
    bookings.leave_feedback(current_user, booking, body.rating, body.text)
    return booking_json(booking)


@bp.post("/mentor-bookings/<int:booking_id>/attestation")
@operation(body=Attestation, response=BookingOut)
def booking_attestation(booking_id: int, body: Attestation) -> dict[str, Any]:
    """The mentor attests the mentee's level in a capability they mentor (evidence)."""
    booking = _visible(booking_id)
    cap = db.session.get(Capability, body.capability_id)
    if cap is None or cap.company_id != booking.company_id:
        raise NotFound(f"No capability {body.capability_id}.", "capability_id")
    bookings.attest(current_user, booking, cap, body.level, body.note)
    return booking_json(booking)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
