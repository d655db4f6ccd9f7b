"""Learning requests over JSON: the same service calls as the pages."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.access import may_see
from app.api.plumbing import api_blueprint
from app.api.schema import Page, operation
from app.errors import NotFound, ValidationError
from app.idempotency import idempotency_key
from app.pagination import paginated
from app.tenancy import get_or_404
from pathways.catalogue.models import Offering
from pathways.mentoring.models import MentorBooking

from . import queries, submit, transitions
from .models import LearningRequest
from .schemas import LearningRequest as LearningRequestOut
from .schemas import LearningRequestQuery, NewLearningRequest, RequestDecision

bp = api_blueprint("requests_api", __name__)


def request_json(r: LearningRequest) -> dict[str, Any]:
    return {"id": r.id, "requester_id": r.requester_id, "requester": r.requester.name,
            "kind": r.kind, "offering_id": r.offering_id, "mentor_booking_id": r.mentor_booking_id,
            "step_id": r.step_id, "title": r.title, "note": r.note, "price_minor": r.price_minor,
            "currency": r.currency, "captured_minor": r.captured_minor,
            "refunded_minor": r.refunded_minor, "status": r.status,
            "approval_chain": r.stages, "waiting_for": r.current_stage,
            "provider_reference": r.provider_reference, "created_at": r.created_at.isoformat(),
            "history": [{"action": e.action, "from_status": e.from_status,
                         "to_status": e.to_status, "actor": e.actor.name if e.actor else None,
                         "comment": e.comment, "amount_minor": e.amount_minor,
                         "created_at": e.created_at.isoformat()} for e in r.events]}


def _visible(request_id: int) -> LearningRequest:
    req = get_or_404(LearningRequest, request_id)
    if not may_see(current_user, req.requester):
        raise NotFound("No such learning request.")
    return req


@bp.post("/learning-requests")
@operation(body=NewLearningRequest, response=LearningRequestOut, status=201, idempotent=True)
def create(body: NewLearningRequest) -> dict[str, Any]:
    """Request an offering or a paid mentor booking; the price is held at once.

    A repeat with the same Idempotency-Key returns the first request and holds nothing.
    """
    if (body.offering_id is None) == (body.mentor_booking_id is None):
        raise ValidationError("Send exactly one of 'offering_id' and 'mentor_booking_id'.",
                              "offering_id")
    key = idempotency_key()
    if body.offering_id is not None:
        req = submit.create_for_offering(current_user, get_or_404(Offering, body.offering_id),
                                         body.note, key)
    else:
        req = submit.create_for_booking(current_user,
                                        get_or_404(MentorBooking, body.mentor_booking_id),
                                        body.note, key)
    return request_json(req)


@bp.get("/learning-requests")
@operation(query=LearningRequestQuery, response=Page[LearningRequestOut])
def index(query: LearningRequestQuery) -> dict[str, Any]:
    """Requests you can see, newest first: your own (`mine=true`), or the ones you approve or
    oversee."""
    if query.mine or not current_user.has_role("admin", "manager"):
        found = queries.mine_query(current_user, query.status)
    else:
        found = queries.inbox_query(current_user, query.status, query.team_id,
                                    query.requester_id)
    found = found.options(selectinload(LearningRequest.events),
                          selectinload(LearningRequest.requester))
    return paginated(found, request_json, query)


@bp.get("/learning-requests/<int:request_id>")
@operation(response=LearningRequestOut)
def show(request_id: int) -> dict[str, Any]:
    """One learning request with its status history."""
    return request_json(_visible(request_id))


def _act(request_id: int, action: transitions.Action, body: RequestDecision) -> dict[str, Any]:
    req = _visible(request_id)
    transitions.act(current_user, req, action, comment=body.comment,
                    provider_reference=body.provider_reference, amount_minor=body.amount_minor,
                    evidence=body.evidence,
                    key=idempotency_key() if action == "refund" else None)
    return request_json(req)


def _make_action(action: transitions.Action, summary: str) -> None:
    def view(request_id: int, body: RequestDecision) -> dict[str, Any]:
        return _act(request_id, action, body)

    view.__name__ = f"{action}_request"
    view.__doc__ = f"{summary}\n\nAnswers the request after the transition (unchanged when it " \
                   "already happened)."
    bp.add_url_rule(f"/learning-requests/<int:request_id>/{action}", methods=["POST"],
                    view_func=operation(body=RequestDecision, response=LearningRequestOut,
                                        idempotent=action == "refund")(view))


ACTIONS: tuple[tuple[transitions.Action, str], ...] = (
        ("approve", "Approve the request's current stage (its manager, or an L&D admin)."),
        ("reject", "Reject the request; the hold returns to the budget."),
        ("cancel", "Withdraw a request before its purchase; the hold returns to the budget."),
        ("purchase", "Mark an approved request purchased (admin): the hold is captured."),
        ("complete", "Mark a purchased request completed: evidence and the pathway step."),
        ("refund", "Refund all or part of a purchase (admin)."))
for _action, _summary in ACTIONS:
    _make_action(_action, _summary)
