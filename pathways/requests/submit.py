"""Making a learning request: the price is held at once on the requester's budget.

    create_for_offering(actor, offering, note, client_key=None)        → LearningRequest
    create_for_booking(actor, booking, note, client_key=None)          → LearningRequest

A repeat with the same client key (the API's Idempotency-Key) returns the first request.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User
from app.money import money
from billing import holds

from .approval import decide_chain, settings_for
from .errors import RequestError
from .links import booking_terms, enrolled_step, link_booking
from .models import NOTE_MAX, LearningRequest, RequestStatus
from .notify import notify_approvers
from .transitions import mark_approved, record_event

S = RequestStatus


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"Keep the note under {NOTE_MAX} characters.", "note")
    return note or None


def _by_client_key(company_id: int, client_key: str) -> LearningRequest | None:
    return db.session.scalar(select(LearningRequest).where(
        LearningRequest.company_id == company_id, LearningRequest.client_key == client_key))


def _enrolled_step(requester: User, offering: Any) -> tuple[Any, Any] | None:
    """(enrolment, step) when the offering is an open step of a pathway the person follows."""
    return enrolled_step(requester, offering)


def _create(actor: User, kind: str, title: str, price_minor: int, currency: str,
            note: str | None, client_key: str | None, on: date | None = None,
            **links: Any) -> LearningRequest:
    note = _clean_note(note)
    if client_key:
        again = _by_client_key(actor.company_id, client_key)
        if again is not None:
            return again
    if price_minor <= 0:
        raise RequestError("This is free: no request or approval is needed.", "price_minor")
    if currency != actor.company.currency:
        raise RequestError(f"This is priced in {currency}, but budgets are in "
                           f"{actor.company.currency}; ask an admin to fix the price.",
                           "currency")
    settings = settings_for(actor.company_id)
    step = links.pop("step_link", None)
    req = LearningRequest(company_id=actor.company_id, requester_id=actor.id, kind=kind,
                          title=title[:300], price_minor=price_minor, currency=currency,
                          note=note, status=S.PENDING.value, client_key=client_key,
                          chain=",".join(decide_chain(settings, actor, price_minor,
                                                      step is not None)),
                          stages_done=0, captured_minor=0, refunded_minor=0, **links)
    if step is not None:
        req.enrolment_id, req.step_id = step[0].id, step[1].id
    try:
        with db.session.begin_nested():
            db.session.add(req)
    except IntegrityError:  # a twin with the same Idempotency-Key committed first
        again = _by_client_key(actor.company_id, client_key or "")
        if again is None:
            raise
        return again
    hold = holds.hold(actor, actor, price_minor, req.reference, f"{req.reference}:hold", on=on)
    req.hold_id = hold.id
    record_event(req, "requested", None, S.PENDING.value, actor, note, price_minor)
    if not req.stages:
        mark_approved(None, req, "Auto-approved: a step of a pathway you are enrolled in, within "
                  f"the {money(settings.auto_approve_max_minor, currency)} limit.", settings,
                  action="auto-approved")
    else:
        notify_approvers(req)
    db.session.flush()
    return req


def create_for_offering(actor: User, offering: Any, note: str | None,
                        client_key: str | None = None, on: date | None = None
                        ) -> LearningRequest:
    """Ask for an offering: its price is held at once on the actor's budget for the period
    containing `on` (today)."""
    if offering.company_id != actor.company_id:
        raise ValidationError("No such offering.", "offering_id")
    if getattr(offering, "retired", False) or getattr(offering, "retired_at", None):
        raise RequestError("This offering is retired and can no longer be requested.",
                           "offering_id")
    step = _enrolled_step(actor, offering)
    return _create(actor, "offering", offering.title, offering.price_minor, offering.currency,
                   note, client_key, on, offering_id=offering.id, step_link=step)


def create_for_booking(actor: User, booking: Any, note: str | None,
                       client_key: str | None = None) -> LearningRequest:
    """Ask for a paid mentor booking (an external coach's session)."""
    if booking.company_id != actor.company_id:
        raise ValidationError("No such mentor booking.", "mentor_booking_id")
    title, price, currency, mentee_id = booking_terms(booking)
    if mentee_id != actor.id:
        raise PermissionDenied("You can only request your own mentor bookings.")
    req = _create(actor, "mentor_booking", title, price, currency, note, client_key,
                  mentor_booking_id=booking.id)
    link_booking(booking, req)
    return req
