"""Rating requests: an employee asks their manager or a peer to rate a capability."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.access import is_line_manager
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.mail import external_url, queue_email
from app.models import User, UserStatus, utcnow

from . import levels
from .models import Assessment, Capability, RatingRequest, Source


def request_rating(actor: User, capability: Capability, rater: User | None = None,
                   note: str | None = None) -> RatingRequest:
    """Ask `rater` (default: the line manager) for a rating; they get an e-mail after commit."""
    rater = rater or actor.manager
    if rater is None:
        raise ValidationError("You have no line manager; ask a colleague by e-mail instead.",
                              "rater_email")
    if rater.company_id != actor.company_id or rater.status != UserStatus.ACTIVE.value:
        raise ValidationError("Ask an active colleague of your company.", "rater_email")
    if rater.id == actor.id:
        raise ValidationError("Ask someone else: a self-assessment needs no request.",
                              "rater_email")
    if capability.retired or capability.company_id != actor.company_id:
        raise ValidationError(f"'{capability.name}' takes no new ratings.", "capability_id")
    if db.session.scalar(select(RatingRequest.id).where(
            RatingRequest.user_id == actor.id, RatingRequest.rater_id == rater.id,
            RatingRequest.capability_id == capability.id, RatingRequest.status == "open")):
        raise Conflict(f"You already asked {rater.name} to rate {capability.name}.",
                       "capability_id")
    req = RatingRequest(company_id=actor.company_id, user_id=actor.id, rater_id=rater.id,
                        capability_id=capability.id, note=(note or "").strip() or None)
    db.session.add(req)
    db.session.flush()
    queue_email(rater.email, f"{actor.name} asks you to rate {capability.name}",
                f"Hello {rater.name},\n\n{actor.name} asks for your rating of "
                f"'{capability.name}'.\n{req.note or ''}\n\nRate it here: "
                f"{external_url('capabilities.answer', request_id=req.id)}\n",
                company_id=actor.company_id)
    return req


def source_for(rater: User, employee: User) -> str:
    """A line manager's answer is a manager rating; anyone else's is a peer rating."""
    return Source.MANAGER.value if is_line_manager(rater, employee) else Source.PEER.value


def open_request(rater: User, person: User, capability: Capability) -> RatingRequest | None:
    """The open request in which `person` asked `rater` to rate `capability`, if there is one."""
    return db.session.scalar(select(RatingRequest).where(
        RatingRequest.company_id == person.company_id, RatingRequest.user_id == person.id,
        RatingRequest.rater_id == rater.id, RatingRequest.capability_id == capability.id,
        RatingRequest.status == "open").order_by(RatingRequest.id).limit(1))


def _close(req: RatingRequest, row: Assessment) -> None:
    req.status, req.assessment_id, req.answered_at = "answered", row.id, utcnow()
    db.session.flush()


def answer(actor: User, req: RatingRequest, level: int, note: str | None) -> Assessment:
    """The asked person's rating, as a manager rating from the line manager, else a peer's."""
    if req.rater_id != actor.id:
        raise PermissionDenied("Only the person asked can answer this request.")
    if req.status != "open":
        raise Conflict("This request was already answered.")
    row = levels.record_evidence(actor, req.user, req.capability, level,
                                 source_for(actor, req.user), note=note, invited=True)
    _close(req, row)
    return row


def rate(actor: User, person: User, capability: Capability, level: int, source: str,
         note: str | None = None, on: date | None = None) -> Assessment:
    """Record a rating given directly (the API): a peer rating is accepted only as the answer to
    an open rating request from `person` to `actor`, which it then closes."""
    req = open_request(actor, person, capability) if source in (
        Source.PEER.value, Source.MANAGER.value) else None
    row = levels.record_evidence(actor, person, capability, level, source, note=note, on=on,
                                 invited=req is not None)
    if req is not None:
        _close(req, row)
    return row


def open_for(rater: User) -> list[RatingRequest]:
    return list(db.session.scalars(
        select(RatingRequest).where(RatingRequest.company_id == rater.company_id,
                                    RatingRequest.rater_id == rater.id,
                                    RatingRequest.status == "open")
        .order_by(RatingRequest.created_at)))
