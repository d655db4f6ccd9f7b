"""Stripe billing over JSON: payment method, top-ups, refunds, subscription (admin).

The same services as the billing page, one unit of work per request; a top-up or refund row is
committed before Stripe is asked for the money (`commit_before_stripe`).
`GET /api/v1/wallet` lives in `billing.api` (balance_minor and currency are added there).
"""

from __future__ import annotations

from flask_login import current_user

from app.api.plumbing import api_blueprint, require_role
from app.api.schema import operation
from app.idempotency import idempotency_key
from app.tenancy import current_company, get_or_404

from . import seats, topups
from .models import TopUp
from .schemas import (
    NewPaymentMethod,
    NewRefund,
    NewTopUp,
    PaymentMethod,
    Subscription,
)
from .schemas import TopUp as TopUpOut
from .schemas import TopUpRefund as TopUpRefundOut
from .views import commit_before_stripe

bp = api_blueprint("billing_stripe_api", __name__)


@bp.post("/billing/payment-method")
@operation(body=NewPaymentMethod, response=PaymentMethod)
def set_payment_method(body: NewPaymentMethod) -> PaymentMethod:
    """Attach a card (a `pm_…` from Stripe.js) and make it the default (admin)."""
    require_role("admin")
    company = current_company()
    profile = topups.set_payment_method(current_user, company, body.payment_method_id)
    return PaymentMethod.model_validate({
        "payment_method_id": profile.payment_method_id, "card": profile.card_label,
        "customer_id": company.stripe_customer_id, "payment_mode": profile.payment_mode})


@bp.post("/billing/topups")
@operation(body=NewTopUp, response=TopUpOut, status=201, idempotent=True)
def create_topup(body: NewTopUp) -> TopUpOut:
    """Top up the wallet (admin); credited when Stripe confirms.

    The answer is usually `pending` (or `failed` when the card was declined).
    """
    require_role("admin")
    topup = topups.request_topup(current_user, current_company(), body.amount_minor,
                                 idempotency_key())
    commit_before_stripe()
    topups.submit_topup(topup)
    return TopUpOut.of(topup)


@bp.get("/billing/topups/<int:topup_id>")
@operation(response=TopUpOut)
def get_topup(topup_id: int) -> TopUpOut:
    """One top-up with its status and Stripe's failure reason (admin)."""
    require_role("admin")
    return TopUpOut.of(get_or_404(TopUp, topup_id))


@bp.post("/billing/topups/<int:topup_id>/refund")
@operation(body=NewRefund, response=TopUpRefundOut, status=201, idempotent=True)
def refund_topup(topup_id: int, body: NewRefund) -> TopUpRefundOut:
    """Refund unspent money of a top-up (admin); `pending` until Stripe confirms it.

    Without `amount_minor`, everything still refundable.
    """
    topup = get_or_404(TopUp, topup_id)
    require_role("admin")
    refund = topups.request_refund(current_user, topup, body.amount_minor, idempotency_key())
    commit_before_stripe()
    topups.submit_refund(refund)
    return TopUpRefundOut.of(refund)


@bp.get("/billing/subscription")
@operation(response=Subscription)
def get_subscription() -> Subscription:
    """The per-seat subscription (admin, executive): status, seats billed, active people."""
    require_role("admin", "executive")
    return Subscription.of(current_company().id)


@bp.post("/billing/subscription")
@operation(response=Subscription, status=201)
def start_subscription() -> Subscription:
    """Start the per-seat subscription for the active people (admin).

    Needs the billing details (and a card or invoice payment); a running subscription is
    returned as it is.
    """
    require_role("admin")
    company = current_company()
    seats.start_subscription(current_user, company)
    return Subscription.of(company.id)
