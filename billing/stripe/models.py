"""Stripe billing tables: billing profile, top-ups, refunds, stored webhook events, seats.

Money still moves only through `billing.ledger`; these rows track what Stripe was asked and
what it confirmed. A top-up credits the wallet when its verified webhook arrives.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models import utcnow


class TopUpStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class PaymentMode(enum.StrEnum):
    CARD = "card"
    INVOICE = "invoice"


class BillingProfile(Model):
    """Who the company is to Stripe: one row per company."""

    __tablename__ = "billing_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    billing_email: Mapped[str] = mapped_column(String(254))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    tax_id: Mapped[str | None] = mapped_column(String(40))
    payment_mode: Mapped[str] = mapped_column(String(10), default=PaymentMode.CARD.value)
    payment_method_id: Mapped[str | None] = mapped_column(String(100))
    card_label: Mapped[str | None] = mapped_column(String(60))  # "visa •••• 4242"
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class TopUp(Model):
    """Money asked of Stripe for the wallet: a PaymentIntent on the card, or an invoice."""

    __tablename__ = "billing_topups"
    __table_args__ = (
        UniqueConstraint("company_id", "idempotency_key"),
        Index("ix_billing_topups_company_created", "company_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(10), default=PaymentMode.CARD.value)
    status: Mapped[str] = mapped_column(String(10), default=TopUpStatus.PENDING.value)
    payment_intent_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    invoice_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    invoice_url: Mapped[str | None] = mapped_column(String(500))
    failure_code: Mapped[str | None] = mapped_column(String(100))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    ledger_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    refunds: Mapped[list[TopUpRefund]] = relationship(back_populates="topup",
                                                      order_by="TopUpRefund.id")

    @property
    def stripe_key(self) -> str:
        """Our idempotency key at Stripe: a retry of the same top-up is the same request."""
        return f"topup-{self.id}"


class TopUpRefund(Model):
    """Unspent wallet money given back through Stripe; the wallet moves when Stripe confirms."""

    __tablename__ = "billing_refunds"
    __table_args__ = (UniqueConstraint("company_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    topup_id: Mapped[int] = mapped_column(ForeignKey("billing_topups.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=RefundStatus.PENDING.value)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    failure_message: Mapped[str | None] = mapped_column(String(500))
    ledger_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    topup: Mapped[TopUp] = relationship(back_populates="refunds")

    @property
    def stripe_key(self) -> str:
        return f"refund-{self.id}"


class StripeEvent(Model):
    """Every verified webhook event, stored once under Stripe's id and processed once."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_id: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class SeatSubscription(Model):
    """The per-seat platform subscription, mirrored from Stripe."""

    __tablename__ = "billing_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    stripe_item_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30), default="incomplete")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when people joined or left; the queued sync clears it (one sync per burst).
    seat_sync_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    seats_synced_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
