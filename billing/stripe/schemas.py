"""The Stripe billing API's schemas: payment method, top-ups, refunds, the seat subscription.

Times are UTC with an offset (RFC 3339); the tables store them naive, in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from app.api.schema import Schema, required_chars

from . import seats, topups
from .models import TopUp as TopUpRow
from .models import TopUpRefund as RefundRow

TopUpStatus = Literal["pending", "succeeded", "failed", "refunded"]
RefundStatus = Literal["pending", "succeeded", "failed"]
PaymentMode = Literal["card", "invoice"]
# Top-ups are positive and at most what one top-up may ask (the service says so in money).
TopUpAmount = Annotated[int, Field(ge=1, le=topups.MAX_TOPUP_MINOR)]


def utc(value: datetime) -> datetime:
    """A stored (naive, UTC) time as an aware one."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class NewPaymentMethod(Schema):
    """A card confirmed by Stripe.js (`pm_…`) to attach and make the default."""

    payment_method_id: Annotated[str, required_chars(100)]


class PaymentMethod(Schema):
    """The saved card and the customer it belongs to."""

    payment_method_id: str
    card: str
    customer_id: str
    payment_mode: PaymentMode


class NewTopUp(Schema):
    amount_minor: TopUpAmount


class NewRefund(Schema):
    amount_minor: TopUpAmount | None = Field(None, description="default: all still refundable")


class TopUpRefund(Schema):
    """A refund of a top-up; the wallet is debited when Stripe confirms it."""

    id: int
    topup_id: int
    status: RefundStatus
    amount_minor: int
    failure_reason: str | None
    created_at: AwareDatetime

    @classmethod
    def of(cls, r: RefundRow) -> TopUpRefund:
        return cls.model_validate({
            "id": r.id, "topup_id": r.topup_id, "status": r.status,
            "amount_minor": r.amount_minor, "failure_reason": r.failure_message,
            "created_at": utc(r.created_at)})


class TopUp(Schema):
    """Money asked of Stripe for the wallet, with its refunds."""

    id: int
    status: TopUpStatus
    amount_minor: int
    currency: str
    method: PaymentMode
    refunded_minor: int
    refundable_minor: int
    failure_code: str | None
    failure_reason: str | None = Field(description="Stripe's reason when the payment failed")
    payment_intent_id: str | None
    invoice_id: str | None
    invoice_url: str | None
    created_at: AwareDatetime
    refunds: list[TopUpRefund]

    @classmethod
    def of(cls, t: TopUpRow) -> TopUp:
        refundable = topups.refundable_minor(t) if t.status in ("succeeded", "refunded") else 0
        return cls.model_validate({
            "id": t.id, "status": t.status, "amount_minor": t.amount_minor,
            "currency": t.currency, "method": t.method, "refunded_minor": t.refunded_minor,
            "refundable_minor": refundable, "failure_code": t.failure_code,
            "failure_reason": t.failure_message, "payment_intent_id": t.payment_intent_id,
            "invoice_id": t.invoice_id, "invoice_url": t.invoice_url,
            "created_at": utc(t.created_at),
            "refunds": [TopUpRefund.of(r) for r in t.refunds]})


class Subscription(Schema):
    """The per-seat subscription: Stripe's status (or `none`), seats billed, active people."""

    status: str = Field(description="Stripe's status, or 'none'")
    quantity: int
    active_people: int
    current_period_end: AwareDatetime | None
    read_only: bool
    seat_sync_pending: bool

    @classmethod
    def of(cls, company_id: int) -> Subscription:
        row = seats.subscription_of(company_id)
        end = row.current_period_end if row is not None else None
        return cls(status=row.status if row else "none", quantity=row.quantity if row else 0,
                   active_people=seats.active_people(company_id),
                   current_period_end=utc(end) if end is not None else None,
                   read_only=bool(row and row.status in seats.READ_ONLY_STATUSES),
                   seat_sync_pending=bool(row and row.seat_sync_pending))
