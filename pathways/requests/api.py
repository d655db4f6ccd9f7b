"""Learning requests over JSON: the same service calls as the pages."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.api.plumbing import api_blueprint, body, domain_error, field
from app.errors import DomainError, NotFound, ValidationError
from app.extensions import db
from app.idempotency import idempotency_key
from app.pagination import paginated
from app.tenancy import get_or_404
from pathways.catalogue.models import Offering
from pathways.mentoring.models import MentorBooking

from . import approval, queries, submit, transitions
from .models import STATUSES, LearningRequest

bp = api_blueprint("requests_api", __name__)


@bp.errorhandler(DomainError)
def _refused(exc: DomainError) -> Response:
    """A refused transition leaves nothing behind (not even a half-made request)."""
    db.session.rollback()
    return domain_error(exc)


EVENT = {"type": "object", "properties": {
    "action": {"type": "string"}, "from_status": {"type": "string", "nullable": True},
    "to_status": {"type": "string"}, "actor": {"type": "string", "nullable": True},
    "comment": {"type": "string", "nullable": True},
    "amount_minor": {"type": "integer", "nullable": True},
    "created_at": {"type": "string", "format": "date-time"}}}
SCHEMAS: dict[str, dict[str, Any]] = {
    "LearningRequest": {"type": "object", "properties": {
        "id": {"type": "integer"}, "requester_id": {"type": "integer"},
        "requester": {"type": "string"},
        "kind": {"type": "string", "enum": ["offering", "mentor_booking"]},
        "offering_id": {"type": "integer", "nullable": True},
        "mentor_booking_id": {"type": "integer", "nullable": True},
        "step_id": {"type": "integer", "nullable": True},
        "title": {"type": "string"}, "note": {"type": "string", "nullable": True},
        "price_minor": {"type": "integer"}, "currency": {"type": "string"},
        "captured_minor": {"type": "integer"}, "refunded_minor": {"type": "integer"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "approval_chain": {"type": "array", "items": {"type": "string",
                                                      "enum": ["manager", "admin"]}},
        "waiting_for": {"type": "string", "nullable": True, "enum": ["manager", "admin", None]},
        "provider_reference": {"type": "string", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "history": {"type": "array", "items": {"$ref": "#/components/schemas/RequestEvent"}}}},
    "RequestEvent": EVENT,
    "NewLearningRequest": {"type": "object", "properties": {
        "offering_id": {"type": "integer"}, "mentor_booking_id": {"type": "integer"},
        "note": {"type": "string"}},
        "description": "exactly one of offering_id and mentor_booking_id"},
    "RequestDecision": {"type": "object", "properties": {
        "comment": {"type": "string"},
        "provider_reference": {"type": "string", "description": "purchase only"},
        "amount_minor": {"type": "integer",
                         "description": "purchase: final price (≤ held); refund: amount "
                                        "(default: all that is left)"},
        "evidence": {"type": "string", "description": "complete only"}}},
}


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
    if not approval.can_see(current_user, req):
        raise NotFound("No such learning request.")
    return req


@bp.post("/learning-requests")
def create() -> tuple[Response, int]:
    """Request an offering or a paid mentor booking; the price is held at once.
    ---
    post:
      parameters:
        - in: header
          name: Idempotency-Key
          schema: {type: string}
          description: a repeat with the same key returns the first request and holds nothing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewLearningRequest'}
      responses:
        201:
          description: The request (the first one when the key was used before)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LearningRequest'}
    """
    data = body()
    offering_id = field(data, "offering_id", int)
    booking_id = field(data, "mentor_booking_id", int)
    note = field(data, "note", str)
    if (offering_id is None) == (booking_id is None):
        raise ValidationError("Send exactly one of 'offering_id' and 'mentor_booking_id'.",
                              "offering_id")
    key = idempotency_key()
    if offering_id is not None:
        req = submit.create_for_offering(current_user, get_or_404(Offering, offering_id), note, key)
    else:
        req = submit.create_for_booking(current_user, get_or_404(MentorBooking, booking_id), note,
                                     key)
    db.session.commit()
    return jsonify(request_json(req)), 201


@bp.get("/learning-requests")
def index() -> Response:
    """Requests you can see: your own (`mine=true`), or the ones you approve or oversee.
    ---
    get:
      parameters:
        - in: query
          name: status
          schema:
            type: string
            enum: [pending, approved, purchased, completed, rejected, cancelled, refunded]
        - in: query
          name: mine
          schema: {type: boolean}
          description: only your own (the default for people who approve nobody)
        - {in: query, name: requester_id, schema: {type: integer}}
        - {in: query, name: team_id, schema: {type: integer}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer, maximum: 200}}
      responses:
        200:
          description: A page of learning requests, newest first
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LearningRequestPage'}
    """
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ValidationError(f"'status' must be one of {', '.join(STATUSES)}.", "status")
    mine = request.args.get("mine", "").lower() in ("1", "true", "yes") or not \
        current_user.has_role("admin", "manager")
    if mine:
        query = queries.mine_query(current_user, status)
    else:
        query = queries.inbox_query(current_user, status, request.args.get("team_id", type=int),
                                request.args.get("requester_id", type=int))
    query = query.options(selectinload(LearningRequest.events),
                          selectinload(LearningRequest.requester))
    return jsonify(paginated(query, request_json))


@bp.get("/learning-requests/<int:request_id>")
def show(request_id: int) -> Response:
    """One learning request with its status history.
    ---
    get:
      parameters:
        - {in: path, name: request_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The request
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LearningRequest'}
    """
    return jsonify(request_json(_visible(request_id)))


def _decision() -> dict[str, Any]:
    data = body() if request.get_data() else {}
    return {"comment": field(data, "comment", str), "data": data}


ACTION_DOC = """{summary}
    ---
    post:
      parameters:
        - {{in: path, name: request_id, required: true, schema: {{type: integer}}}}{extra}
      requestBody:
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/RequestDecision'}}
      responses:
        200:
          description: The request after the transition (unchanged when it already happened)
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/LearningRequest'}}
    """
KEY_PARAM = ("\n        - {in: header, name: Idempotency-Key, schema: {type: string}, "
             "description: a repeat refunds nothing more}")


def _act(request_id: int, action: str) -> Response:
    req = _visible(request_id)
    d = _decision()
    data, comment = d["data"], d["comment"]
    if action == "approve":
        transitions.approve(current_user, req, comment)
    elif action == "reject":
        transitions.reject(current_user, req, comment)
    elif action == "cancel":
        transitions.cancel(current_user, req, comment)
    elif action == "purchase":
        transitions.purchase(current_user, req, field(data, "provider_reference", str),
                     field(data, "amount_minor", int), comment)
    elif action == "complete":
        transitions.complete(current_user, req, field(data, "evidence", str), comment)
    else:
        transitions.refund(current_user, req, field(data, "amount_minor", int), idempotency_key(),
                   comment)
    db.session.commit()
    return jsonify(request_json(req))


def _make_action(action: str, summary: str, extra: str = "") -> None:
    def view(request_id: int) -> Response:
        return _act(request_id, action)

    view.__name__ = f"{action}_request"
    view.__doc__ = ACTION_DOC.format(summary=summary, extra=extra)
    bp.add_url_rule(f"/learning-requests/<int:request_id>/{action}", view_func=view,
                    methods=["POST"])


for _action, _summary, _extra in (
        ("approve", "Approve the request's current stage (its manager, or an L&D admin).", ""),
        ("reject", "Reject the request; the hold returns to the budget.", ""),
        ("cancel", "Withdraw a request before its purchase; the hold returns to the budget.", ""),
        ("purchase", "Mark an approved request purchased (admin): the hold is captured.", ""),
        ("complete", "Mark a purchased request completed: evidence and the pathway step.", ""),
        ("refund", "Refund all or part of a purchase (admin).", KEY_PARAM)):
    _make_action(_action, _summary, _extra)
