"""Learning requests: an employee asks for an offering or a paid mentor booking; the price is
held on their budget, an approval chain decides, a purchase captures the hold.

Tables: `learning_requests` (one per request, with a snapshot of the price), `request_events`
(the status history: every transition with actor, time and comment) and
`request_settings` (the company's approval policy: thresholds and purchase mode).
Money never lives here: the hold, capture, release and refund are ledger transactions that
carry the reference "request:<id>" (see `billing.holds`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
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
from app.models import User, utcnow


class RequestStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for an approver; the price is held
    APPROVED = "approved"  # approved, waiting for the purchase (manual purchase mode)
    PURCHASED = "purchased"  # the hold is captured: the budget is spent
    COMPLETED = "completed"  # the employee finished it; evidence recorded
    REJECTED = "rejected"  # an approver said no; the hold is released
    CANCELLED = "cancelled"  # the employee (or an admin) withdrew it; the hold is released
    REFUNDED = "refunded"  # the whole purchase was refunded


STATUSES: tuple[str, ...] = tuple(s.value for s in RequestStatus)
OPEN_STATUSES = (RequestStatus.PENDING.value, RequestStatus.APPROVED.value)
NOTE_MAX = 2000  # characters of a note, comment or evidence


class Stage(enum.StrEnum):
    MANAGER = "manager"  # the requester's line manager
    ADMIN = "admin"  # an L&D admin (above the threshold, or when there is no manager)


class PurchaseMode(enum.StrEnum):
    AUTO = "auto"  # the final approval captures the hold at once
    MANUAL = "manual"  # an admin marks the request purchased with the provider's reference


class RequestSettings(Model):
    """A company's approval policy for learning requests (defaults apply until saved)."""

    __tablename__ = "request_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), unique=True)
    # Requests above this price also need an L&D admin after the manager.
    admin_threshold_minor: Mapped[int] = mapped_column(BigInteger, default=50_000)
    # Steps of a pathway the employee is enrolled in are approved automatically at or below
    # this price (0 switches auto-approval off).
    auto_approve_max_minor: Mapped[int] = mapped_column(BigInteger, default=20_000)
    # Whether the line manager must approve at all (off: only the admin stage above threshold).
    manager_approval: Mapped[bool] = mapped_column(Boolean, default=True)
    purchase_mode: Mapped[str] = mapped_column(String(10), default=PurchaseMode.AUTO.value)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class LearningRequest(Model):
    __tablename__ = "learning_requests"
    __table_args__ = (
        UniqueConstraint("company_id", "client_key"),
        Index("ix_learning_requests_company_status", "company_id", "status", "id"),
        Index("ix_learning_requests_requester", "requester_id", "id"),
        # All requests, newest first, and its date filter (back-filled rows break id order).
        Index("ix_learning_requests_company_created", "company_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))  # offering / mentor_booking
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_offerings.id"),
                                                    index=True)
    mentor_booking_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_bookings.id"),
                                                          index=True)
    # The pathway step this request fulfils (set when the employee is enrolled in a pathway
    # with this offering as a step): completing the request completes the step.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("pathway_enrolments.id"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("pathway_steps.id"))
    # Snapshots taken when the request is made: later price changes do not move the hold.
    title: Mapped[str] = mapped_column(String(300))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.PENDING.value)
    # The approval chain decided by the policy, e.g. "manager,admin" ("" = auto-approved),
    # and how many of its stages are done.
    chain: Mapped[str] = mapped_column(String(40), default="")
    stages_done: Mapped[int] = mapped_column(Integer, default=0)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("holds.id"))
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[str | None] = mapped_column(Text)
    # The API client's Idempotency-Key (namespaced per person): a repeat returns this request.
    client_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    requester: Mapped[User] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan")

    @property
    def stages(self) -> list[str]:
        return [s for s in self.chain.split(",") if s]

    @property
    def current_stage(self) -> str | None:
        """The stage waiting for a decision, while the request is pending."""
        if self.status != RequestStatus.PENDING.value or self.stages_done >= len(self.stages):
            return None
        return self.stages[self.stages_done]

    @property
    def reference(self) -> str:
        return f"request:{self.id}"

    @property
    def refundable_minor(self) -> int:
        return self.captured_minor - self.refunded_minor


class RequestEvent(Model):
    """One transition of a request: from → to, by whom, when, with an optional comment."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("learning_requests.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # requested, approved, rejected, …
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[LearningRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
