"""Mentoring over JSON: mentors, their free slots, bookings, cancel, feedback and attestation.

The same service calls as the pages (`mentors`, `availability`, `matching`, `bookings`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.api.openapi import add_schema, page_of
from app.api.plumbing import api_blueprint, body, field
from app.errors import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import utcnow
from app.pagination import paginated
from app.tenancy import current_company, get_or_404
from pathways.capabilities.models import Capability
from pathways.learning.models import Enrolment, PathwayStep

from . import availability, bookings, matching, mentors, sessions
from .models import MentorBooking, MentorProfile

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
def list_mentors() -> Response:
    """Active mentors of the company, optionally offering a capability at a minimum level.
    ---
    get:
      parameters:
        - {in: query, name: capability_id, schema: {type: integer}}
        - {in: query, name: min_level, schema: {type: integer, minimum: 1}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer, maximum: 200}}
      responses:
        200:
          description: A page of mentors
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MentorPage'}
    """
    args = request.args
    cap_id = args.get("capability_id")
    if cap_id is not None:
        cap_id = get_or_404(Capability, cap_id).id
    try:
        min_level = int(args["min_level"]) if args.get("min_level") else None
    except ValueError as exc:
        raise ValidationError("'min_level' must be a whole number.", "min_level") from exc
    return jsonify(paginated(matching.mentors_query(current_company().id, cap_id, min_level),
                             mentor_json))


@bp.get("/mentors/<int:mentor_id>")
def get_mentor(mentor_id: int) -> Response:
    """One mentor.
    ---
    get:
      parameters:
        - {in: path, name: mentor_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The mentor
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Mentor'}
    """
    return jsonify(mentor_json(get_or_404(MentorProfile, mentor_id)))


@bp.get("/mentors/<int:mentor_id>/slots")
def mentor_slots(mentor_id: int) -> Response:
    """Free slots of a mentor between `from` and `to` (UTC; default the next 14 days).
    ---
    get:
      parameters:
        - {in: path, name: mentor_id, required: true, schema: {type: integer}}
        - {in: query, name: from, schema: {type: string, format: date-time}}
        - {in: query, name: to, schema: {type: string, format: date-time}}
      responses:
        200:
          description: Free slots, soonest first
          content:
            application/json:
              schema:
                type: object
                properties:
                  mentor_id: {type: integer}
                  timezone: {type: string}
                  items: {type: array, items: {$ref: '#/components/schemas/Slot'}}
    """
    mentor = get_or_404(MentorProfile, mentor_id)
    now = utcnow()
    start = mentors.parse_instant(request.args["from"], "from") if request.args.get("from") else now
    end = mentors.parse_instant(request.args["to"], "to") if request.args.get("to") else start + timedelta(
        days=14)
    if end <= start:
        raise ValidationError("'to' must be after 'from'.", "to")
    if end - start > timedelta(days=MAX_SLOT_DAYS):
        raise ValidationError(f"Ask for at most {MAX_SLOT_DAYS} days of slots at once.", "to")
    slots = availability.free_slots(mentor, start, end, now=now)
    return jsonify({"mentor_id": mentor.id, "timezone": mentor.timezone, "items": [
        {"starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at)} for s in slots]})


@bp.post("/mentor-bookings")
def create_booking() -> tuple[Response, int]:
    """Book a free slot of a mentor for yourself.

    409 when the slot was taken in the meantime (including by a concurrent request).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [mentor_id, starts_at]
              properties:
                mentor_id: {type: integer}
                starts_at: {type: string, format: date-time, description: "one of the slots"}
                capability_id: {type: integer}
                agenda: {type: string}
                enrolment_id: {type: integer, description: "with step_id: book for a
                  mentor-session step of your pathway; the held session completes it"}
                step_id: {type: integer}
      responses:
        201:
          description: Booked; both parties get an e-mail with an .ics invitation
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MentorBooking'}
    """
    data = body()
    mentor = get_or_404(MentorProfile, field(data, "mentor_id", int, required=True))
    starts_at = mentors.parse_instant(field(data, "starts_at", str, required=True), "starts_at")
    cap_id = field(data, "capability_id", int)
    cap = get_or_404(Capability, cap_id) if cap_id is not None else None
    enrolment_id, step_id = field(data, "enrolment_id", int), field(data, "step_id", int)
    if (enrolment_id is None) != (step_id is None):
        raise ValidationError("Give both 'enrolment_id' and 'step_id', or neither.",
                              "step_id" if step_id is None else "enrolment_id")
    if enrolment_id is not None:
        booking = sessions.book_for_step(
            current_user, get_or_404(Enrolment, enrolment_id), get_or_404(PathwayStep, step_id),
            mentor, starts_at, field(data, "agenda", str))
    else:
        booking = bookings.book(current_user, mentor, starts_at, cap,
                                       field(data, "agenda", str))
    db.session.commit()
    return jsonify(booking_json(booking)), 201


@bp.get("/mentor-bookings")
def list_bookings() -> Response:
    """My sessions, as mentee or mentor (`upcoming=0` for past and cancelled ones).
    ---
    get:
      parameters:
        - {in: query, name: upcoming, schema: {type: boolean, default: true}}
        - {in: query, name: page, schema: {type: integer}}
      responses:
        200:
          description: A page of bookings
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MentorBookingPage'}
    """
    upcoming = request.args.get("upcoming", "1") not in ("0", "false")
    return jsonify(paginated(bookings.bookings_query(current_user, upcoming),
                             booking_json))


def _visible(booking_id: int) -> MentorBooking:
    booking = get_or_404(MentorBooking, booking_id)
    if not (bookings.is_party(current_user, booking) or current_user.has_role("admin")):
        raise PermissionDenied("Only the mentee, the mentor and L&D admins see a session.")
    return booking


@bp.get("/mentor-bookings/<int:booking_id>")
def get_booking(booking_id: int) -> Response:
    """One session.
    ---
    get:
      parameters:
        - {in: path, name: booking_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The booking
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MentorBooking'}
    """
    return jsonify(booking_json(_visible(booking_id)))


@bp.post("/mentor-bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int) -> Response:
    """Cancel a future session (mentee, mentor or admin); both get a cancellation .ics.
    ---
    post:
      parameters:
        - {in: path, name: booking_id, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                reason: {type: string}
      responses:
        200:
          description: Cancelled
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MentorBooking'}
    """
    booking = _visible(booking_id)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise ValidationError("Send a JSON object.")
    bookings.cancel(current_user, booking, field(data, "reason", str))
    db.session.commit()
    return jsonify(booking_json(booking))


@bp.post("/mentor-bookings/<int:booking_id>/feedback")
def booking_feedback(booking_id: int) -> Response:
    """The mentee's feedback after the session: `rating` 1–5 and optional `text`.
    ---
    post:
      parameters:
        - {in: path, name: booking_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [rating]
              properties:
                rating: {type: integer, minimum: 1, maximum: 5}
                text: {type: string}
      responses:
        200:
          description: Recorded
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MentorBooking'}
    """
    booking = _visible(booking_id)
    data = body()
    bookings.leave_feedback(current_user, booking,
                                   field(data, "rating", int, required=True),
                                   field(data, "text", str))
    db.session.commit()
    return jsonify(booking_json(booking))


@bp.post("/mentor-bookings/<int:booking_id>/attestation")
def booking_attestation(booking_id: int) -> Response:
    """The mentor attests the mentee's level in a capability they mentor (evidence).
    ---
    post:
      parameters:
        - {in: path, name: booking_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [capability_id, level]
              properties:
                capability_id: {type: integer}
                level: {type: integer, minimum: 1}
                note: {type: string}
      responses:
        200:
          description: Attested
          content:
            application/json:
              schema: {$ref: '#/components/schemas/MentorBooking'}
    """
    booking = _visible(booking_id)
    data = body()
    cap_id = field(data, "capability_id", int, required=True)
    cap = db.session.get(Capability, cap_id)
    if cap is None or cap.company_id != booking.company_id:
        raise NotFound(f"No capability {cap_id}.", "capability_id")
    bookings.attest(current_user, booking, cap, field(data, "level", int, required=True),
                           field(data, "note", str))
    db.session.commit()
    return jsonify(booking_json(booking))


MENTOR_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["internal", "external"]},
    "name": {"type": "string"}, "user_id": {"type": "integer", "nullable": True},
    "organisation": {"type": "string", "nullable": True},
    "bio": {"type": "string", "nullable": True}, "timezone": {"type": "string"},
    "session_minutes": {"type": "integer"}, "monthly_cap": {"type": "integer"},
    "active": {"type": "boolean"}, "hourly_rate_minor": {"type": "integer"},
    "session_price_minor": {"type": "integer"}, "currency": {"type": "string"},
    "capabilities": {"type": "array", "items": {"type": "object", "properties": {
        "capability_id": {"type": "integer"}, "capability": {"type": "string"},
        "level": {"type": "integer"}}}}}}
SLOT_SCHEMA = {"type": "object", "properties": {
    "starts_at": {"type": "string", "format": "date-time"},
    "ends_at": {"type": "string", "format": "date-time"}}}
_dt = {"type": "string", "format": "date-time", "nullable": True}
_int = {"type": "integer", "nullable": True}
BOOKING_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "mentor_id": {"type": "integer"}, "mentor": {"type": "string"},
    "mentee_id": {"type": "integer"}, "capability_id": _int,
    "starts_at": {"type": "string", "format": "date-time"},
    "ends_at": {"type": "string", "format": "date-time"},
    "status": {"type": "string", "enum": ["booked", "cancelled", "completed"]},
    "price_minor": {"type": "integer"}, "currency": {"type": "string"},
    "agenda": {"type": "string", "nullable": True}, "learning_request_id": _int,
    "cancelled_by_id": _int, "cancelled_at": _dt,
    "cancel_reason": {"type": "string", "nullable": True}, "feedback_rating": _int,
    "feedback_text": {"type": "string", "nullable": True}, "attested_capability_id": _int,
    "attested_level": _int, "attestation_id": _int, "enrolment_id": _int, "step_id": _int}}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for name, schema in (("Mentor", MENTOR_SCHEMA), ("Slot", SLOT_SCHEMA),
                         ("MentorBooking", BOOKING_SCHEMA)):
        add_schema(app, name, schema)
    add_schema(app, "MentorPage", page_of("Mentor"))
    add_schema(app, "MentorBookingPage", page_of("MentorBooking"))
