"""Mentorship: mentors (internal employees and external coaches), availability and bookings.

Times of concrete sessions are naive UTC (`starts_at`, `ends_at`), like every other timestamp in
Trellis; weekly availability is wall-clock time in the mentor's own time zone, turned into UTC
instants slot by slot (so a 09:00 rule stays 09:00 across daylight-saving changes).

No slot can be booked twice: a partial unique index on (mentor_id, starts_at) among bookings that
are not cancelled refuses the second insert on SQLite and PostgreSQL alike, whatever the
application code did before it.
"""

from __future__ import annotations

import enum
from datetime import datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models import User, utcnow
from pathways.capabilities.models import Capability


class MentorKind(enum.StrEnum):
    INTERNAL = "internal"  # an employee of the company who opted in; sessions cost nothing
    EXTERNAL = "external"  # a coach added by an admin; sessions cost hourly_rate × duration


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


ACTIVE_BOOKING = text("status <> 'cancelled'")


class MentorProfile(Model):
    """A mentor: an employee who opted in (`user_id`) or an external coach (name, e-mail, rate)."""

    __tablename__ = "mentor_profiles"
    __table_args__ = (
        UniqueConstraint("company_id", "user_id"),
        Index("ix_mentor_profiles_company_active", "company_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    kind: Mapped[str] = mapped_column(String(10), default=MentorKind.INTERNAL.value)
    # Internal mentors: the employee; external coaches have no account (None).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # External coaches only (internal mentors use their user's name and e-mail).
    external_name: Mapped[str | None] = mapped_column(String(200))
    external_email: Mapped[str | None] = mapped_column(String(254))
    organisation: Mapped[str | None] = mapped_column(String(200))
    hourly_rate_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str | None] = mapped_column(String(3))
    bio: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/London")
    session_minutes: Mapped[int] = mapped_column(Integer, default=60)
    monthly_cap: Mapped[int] = mapped_column(Integer, default=4)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship(lazy="joined")
    capabilities: Mapped[list[MentorCapability]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MentorCapability.capability_id")

    @property
    def is_external(self) -> bool:
        return self.kind == MentorKind.EXTERNAL.value

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.name
        return self.external_name or f"Coach {self.id}"

    @property
    def email(self) -> str | None:
        return self.user.email if self.user is not None else self.external_email


class MentorCapability(Model):
    """A capability a mentor offers, and the level they offer it at."""

    __tablename__ = "mentor_capabilities"
    __table_args__ = (Index("ix_mentor_capabilities_capability", "company_id", "capability_id",
                            "level"),)

    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id"), primary_key=True)
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    level: Mapped[int] = mapped_column(Integer)

    capability: Mapped[Capability] = relationship(lazy="joined")


class AvailabilityRule(Model):
    """Weekly recurring hours, wall-clock time in the mentor's time zone (weekday 0 = Monday)."""

    __tablename__ = "mentor_availability_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OneOffSlot(Model):
    """A one-off window of availability (UTC instants, entered in the mentor's time zone)."""

    __tablename__ = "mentor_one_off_slots"
    __table_args__ = (Index("ix_mentor_one_off_slots_mentor", "mentor_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MentorBooking(Model):
    """One session of a mentee with a mentor: its price, cancellation, feedback and attestation."""

    __tablename__ = "mentor_bookings"
    __table_args__ = (
        # The database-level guarantee against double-booking (see the module docstring).
        Index("uq_mentor_bookings_active_slot", "mentor_id", "starts_at", unique=True,
              sqlite_where=ACTIVE_BOOKING, postgresql_where=ACTIVE_BOOKING),
        Index("ix_mentor_bookings_mentee", "company_id", "mentee_id", "starts_at"),
        Index("ix_mentor_bookings_mentor_starts", "company_id", "mentor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The capability the session is about (optional), as chosen when booking.
    capability_id: Mapped[int | None] = mapped_column(ForeignKey("capabilities.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default=BookingStatus.BOOKED.value)
    # 0 for internal mentors; hourly rate × duration (rounded half up) for external coaches.
    price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    agenda: Mapped[str | None] = mapped_column(Text)
    # A paid session with an external coach is funded through a learning request (requests side).
    learning_request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Booked from a pathway's mentor-session step: holding the session completes that step.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("pathway_enrolments.id"),
                                                     index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("pathway_steps.id"))
    # Stable UID of the calendar event, so the cancellation replaces the invitation.
    ical_uid: Mapped[str] = mapped_column(String(120), unique=True)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    feedback_rating: Mapped[int | None] = mapped_column(Integer)
    feedback_text: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime)
    attested_capability_id: Mapped[int | None] = mapped_column(ForeignKey("capabilities.id"))
    attested_level: Mapped[int | None] = mapped_column(Integer)
    attestation_id: Mapped[int | None] = mapped_column(ForeignKey("capability_assessments.id"))
    attested_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    mentor: Mapped[MentorProfile] = relationship(lazy="joined")
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id], lazy="joined")
    capability: Mapped[Capability | None] = relationship(foreign_keys=[capability_id],
                                                        lazy="joined")
    attested_capability: Mapped[Capability | None] = relationship(
        foreign_keys=[attested_capability_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
