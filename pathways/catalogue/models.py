"""The catalogue: providers, offerings and the capabilities they develop, reviews, completions.

Every table carries `company_id` (the tenant). Offerings are never deleted: retiring one sets
`retired_at`, which hides it from search and new pathways while reviews, completions and
enrolments that mention it keep their history. Prices are integer minor units in the
company currency (`price_minor` beside `currency`), formatted only through the `money` filter.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
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
from pathways.capabilities.models import Capability


class OfferingType(enum.StrEnum):
    COURSE = "course"
    CERTIFICATION = "certification"
    BOOK = "book"
    EVENT = "event"
    COACHING = "coaching"


OFFERING_TYPES: tuple[str, ...] = tuple(t.value for t in OfferingType)
OFFERING_TYPE_LABELS = {"course": "Course", "certification": "Certification", "book": "Book",
                        "event": "Event", "coaching": "Coaching package"}


class OfferingFormat(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    BLENDED = "blended"


OFFERING_FORMATS: tuple[str, ...] = tuple(f.value for f in OfferingFormat)
FORMAT_LABELS = {"online": "Online", "in_person": "In person", "blended": "Blended"}


class Provider(Model):
    """Who delivers offerings: a training company, publisher, conference or coach."""

    __tablename__ = "catalogue_providers"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class Offering(Model):
    """One thing to learn from (course, certification, book, event, coaching package).

    `search_text` is a lower-cased copy of title, description and provider name kept by the
    catalogue service for portable LIKE search; `rating_sum`/`rating_count` are kept by the
    review service so the catalogue sorts by rating without aggregating reviews per query.
    """

    __tablename__ = "catalogue_offerings"
    __table_args__ = (
        Index("ix_catalogue_offerings_company_live", "company_id", "retired_at", "type"),
        Index("ix_catalogue_offerings_company_price", "company_id", "price_minor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_providers.id"),
                                                    index=True)
    type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    price_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    duration_hours: Mapped[float] = mapped_column(Float, default=0)
    format: Mapped[str] = mapped_column(String(12), default=OfferingFormat.ONLINE.value)
    language: Mapped[str] = mapped_column(String(12), default="en")
    search_text: Mapped[str] = mapped_column(Text, default="")
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    provider: Mapped[Provider | None] = relationship(lazy="joined")
    capabilities: Mapped[list[OfferingCapability]] = relationship(
        cascade="all, delete-orphan", order_by="OfferingCapability.capability_id")

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


class OfferingCapability(Model):
    """What an offering develops: capability from one level to another."""

    __tablename__ = "catalogue_offering_capabilities"
    __table_args__ = (
        Index("ix_catalogue_offering_capabilities_capability", "company_id", "capability_id"),
    )

    offering_id: Mapped[int] = mapped_column(ForeignKey("catalogue_offerings.id"),
                                             primary_key=True)
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    from_level: Mapped[int] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)

    capability: Mapped[Capability] = relationship(lazy="joined")


class Review(Model):
    """1–5 stars and a text by someone who completed the offering (one per person)."""

    __tablename__ = "catalogue_reviews"
    __table_args__ = (UniqueConstraint("offering_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("catalogue_offerings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class OfferingCompletion(Model):
    """A person completed an offering: from a pathway step or a completed learning request.

    `reference` says what produced it ("step-completion:7", "request:42"); it is what gives the
    right to review the offering (`pathways.catalogue.completions.has_completed`).
    """

    __tablename__ = "catalogue_offering_completions"
    __table_args__ = (
        Index("ix_catalogue_offering_completions_user", "company_id", "user_id", "offering_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    offering_id: Mapped[int] = mapped_column(ForeignKey("catalogue_offerings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    completed_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
