"""Stripe billing over JSON: payment method, top-ups, refunds, subscription (admin).

The same services as the billing page. Calls to Stripe run after our rows are committed.
`GET /api/v1/wallet` lives in `billing.api` (balance_minor and currency are added there).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.api.plumbing import api_blueprint, body, field, require_role
from app.extensions import db
from app.idempotency import idempotency_key
from app.tenancy import current_company, get_or_404

from . import seats, topups
from .models import TopUp
from .views import refund_json, topup_json

bp = api_blueprint("billing_stripe_api", __name__)

_REFUND = {"type": "object", "properties": {
    "id": {"type": "integer"}, "topup_id": {"type": "integer"},
    "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
    "amount_minor": {"type": "integer"}, "failure_reason": {"type": "string", "nullable": True},
    "created_at": {"type": "string", "format": "date-time"}}}
SCHEMAS: dict[str, dict[str, Any]] = {
    "PaymentMethod": {"type": "object", "properties": {
        "payment_method_id": {"type": "string"}, "card": {"type": "string"},
        "customer_id": {"type": "string"}, "payment_mode": {"type": "string"}}},
    "TopUp": {"type": "object", "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["pending", "succeeded", "failed", "refunded"]},
        "amount_minor": {"type": "integer"}, "currency": {"type": "string"},
        "method": {"type": "string", "enum": ["card", "invoice"]},
        "refunded_minor": {"type": "integer"}, "refundable_minor": {"type": "integer"},
        "failure_code": {"type": "string", "nullable": True},
        "failure_reason": {"type": "string", "nullable": True,
                           "description": "Stripe's reason when the payment failed"},
        "payment_intent_id": {"type": "string", "nullable": True},
        "invoice_id": {"type": "string", "nullable": True},
        "invoice_url": {"type": "string", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "refunds": {"type": "array", "items": {"$ref": "#/components/schemas/TopUpRefund"}}}},
    "TopUpRefund": _REFUND,
    "Subscription": {"type": "object", "properties": {
        "status": {"type": "string", "description": "Stripe's status, or 'none'"},
        "quantity": {"type": "integer"}, "active_people": {"type": "integer"},
        "current_period_end": {"type": "string", "format": "date-time", "nullable": True},
        "read_only": {"type": "boolean"}, "seat_sync_pending": {"type": "boolean"}}},
}


@bp.post("/billing/payment-method")
def set_payment_method() -> tuple[Response, int]:
    """Attach a card (a `pm_…` from Stripe.js) and make it the default (admin).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [payment_method_id]
              properties: {payment_method_id: {type: string}}
      responses:
        200:
          description: The saved payment method
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PaymentMethod'}
    """
    require_role("admin")
    pm = field(body(), "payment_method_id", str, required=True)
    company = current_company()
    profile = topups.set_payment_method(current_user, company, pm)
    db.session.commit()
    return jsonify({"payment_method_id": profile.payment_method_id, "card": profile.card_label,
                    "customer_id": company.stripe_customer_id,
                    "payment_mode": profile.payment_mode}), 200


@bp.post("/billing/topups")
def create_topup() -> tuple[Response, int]:
    """Top up the wallet (admin); honours Idempotency-Key. Credited when Stripe confirms.
    ---
    post:
      parameters:
        - {in: header, name: Idempotency-Key, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amount_minor]
              properties: {amount_minor: {type: integer}}
      responses:
        201:
          description: The top-up, usually `pending` (or `failed` when the card was declined)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TopUp'}
    """
    require_role("admin")
    amount = field(body(), "amount_minor", int, required=True)
    topup = topups.request_topup(current_user, current_company(), amount, idempotency_key())
    db.session.commit()
    topups.submit_topup(topup)
    db.session.commit()
    return jsonify(topup_json(topup)), 201


@bp.get("/billing/topups/<int:topup_id>")
def get_topup(topup_id: int) -> Response:
    """One top-up with its status and Stripe's failure reason (admin).
    ---
    get:
      parameters:
        - {in: path, name: topup_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The top-up
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TopUp'}
    """
    require_role("admin")
    return jsonify(topup_json(get_or_404(TopUp, topup_id)))


@bp.post("/billing/topups/<int:topup_id>/refund")
def refund_topup(topup_id: int) -> tuple[Response, int]:
    """Refund unspent money of a top-up (admin); honours Idempotency-Key.
    ---
    post:
      parameters:
        - {in: path, name: topup_id, required: true, schema: {type: integer}}
        - {in: header, name: Idempotency-Key, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                amount_minor: {type: integer, description: "default: all still refundable"}
      responses:
        201:
          description: The refund, `pending` until Stripe confirms it
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TopUpRefund'}
    """
    topup = get_or_404(TopUp, topup_id)
    require_role("admin")
    amount = field(body(), "amount_minor", int) if request.get_data() else None
    refund = topups.request_refund(current_user, topup, amount, idempotency_key())
    db.session.commit()
    topups.submit_refund(refund)
    db.session.commit()
    return jsonify(refund_json(refund)), 201


def _subscription_json(company_id: int) -> dict[str, Any]:
    row = seats.subscription_of(company_id)
    return {
        "status": row.status if row else "none", "quantity": row.quantity if row else 0,
        "active_people": seats.active_people(company_id),
        "current_period_end": row.current_period_end.isoformat() if row and
        row.current_period_end else None,
        "read_only": bool(row and row.status in seats.READ_ONLY_STATUSES),
        "seat_sync_pending": bool(row and row.seat_sync_pending)}


@bp.get("/billing/subscription")
def get_subscription() -> Response:
    """The per-seat subscription (admin, executive).
    ---
    get:
      responses:
        200:
          description: Status, seats billed and active people
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Subscription'}
    """
    require_role("admin", "executive")
    return jsonify(_subscription_json(current_company().id))


@bp.post("/billing/subscription")
def start_subscription() -> tuple[Response, int]:
    """Start the per-seat subscription for the active people (admin). Needs the billing
    details (and a card or invoice payment); a running subscription is returned as it is.
    ---
    post:
      responses:
        201:
          description: The subscription as Stripe reports it
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Subscription'}
    """
    require_role("admin")
    company = current_company()
    seats.start_subscription(current_user, company)
    db.session.commit()
    return jsonify(_subscription_json(company.id)), 201
