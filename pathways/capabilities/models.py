"""Capability maps: scales, frameworks, capabilities, roles, evidence and computed levels.

Every table carries `company_id` (the tenant). Levels are never edited by hand: evidence
(`Assessment`) is appended and the level rule (see `pathways.capabilities.levels`) rewrites the pair's
`LevelChange` history and its `CapabilityLevel` snapshot in the same transaction.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
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


class Source(enum.StrEnum):
    """Where a piece of evidence comes from."""

    SELF = "self"
    PEER = "peer"
    MANAGER = "manager"
    MENTOR = "mentor"
    OFFERING = "offering"
    EXTERNAL = "external"


SOURCE_LABELS = {
    Source.SELF: "self-assessment",
    Source.PEER: "peer rating",
    Source.MANAGER: "manager rating",
    Source.MENTOR: "mentor attestation",
    Source.OFFERING: "completed offering",
    Source.EXTERNAL: "external statement",
}
SOURCES: tuple[str, ...] = tuple(s.value for s in Source)


class Scale(Model):
    """A proficiency scale: ordered named levels 1..N with descriptors."""

    __tablename__ = "capability_scales"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    levels: Mapped[list[ScaleLevel]] = relationship(
        cascade="all, delete-orphan", order_by="ScaleLevel.level", lazy="selectin")

    @property
    def max_level(self) -> int:
        return max((lv.level for lv in self.levels), default=0)

    def level_name(self, level: int | None) -> str:
        for lv in self.levels:
            if lv.level == level:
                return lv.name
        return "No evidence" if not level else f"Level {level}"


class ScaleLevel(Model):
    __tablename__ = "capability_scale_levels"
    __table_args__ = (UniqueConstraint("scale_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("capability_scales.id"))
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    descriptor: Mapped[str | None] = mapped_column(Text)


class Framework(Model):
    """A named set of capabilities in categories, rated on one scale."""

    __tablename__ = "capability_frameworks"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    scale_id: Mapped[int] = mapped_column(ForeignKey("capability_scales.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    scale: Mapped[Scale] = relationship(lazy="joined")


class Category(Model):
    __tablename__ = "capability_categories"
    __table_args__ = (UniqueConstraint("framework_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("capability_frameworks.id"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Capability(Model):
    """One capability; retired ones keep their evidence but are hidden from new use."""

    __tablename__ = "capabilities"
    __table_args__ = (
        UniqueConstraint("category_id", "name"),
        UniqueConstraint("framework_id", "external_id"),
        Index("ix_capabilities_company_name", "company_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("capability_frameworks.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("capability_categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(300))
    # Per-level descriptors: {"1": "…", "2": "…"} (keys are level numbers as strings).
    descriptors: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    framework: Mapped[Framework] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class Role(Model):
    """A job role profile: what the role needs, at which level."""

    __tablename__ = "job_roles"
    __table_args__ = (UniqueConstraint("company_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    family: Mapped[str | None] = mapped_column(String(120))
    seniority: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Loaded on use (gaps read requirements in SQL); lists load them with selectinload.
    requirements: Mapped[list[RoleRequirement]] = relationship(cascade="all, delete-orphan")


class RoleRequirement(Model):
    __tablename__ = "role_requirements"
    __table_args__ = (Index("ix_role_requirements_capability", "capability_id", "role_id"),)

    role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id"), primary_key=True)
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)

    capability: Mapped[Capability] = relationship(lazy="joined")


class CareerMove(Model):
    """A usual next step from one role to another ("Engineer II → Senior Engineer")."""

    __tablename__ = "career_moves"
    __table_args__ = (UniqueConstraint("from_role_id", "to_role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    from_role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id"))
    to_role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id"), index=True)

    from_role: Mapped[Role] = relationship(foreign_keys=[from_role_id])
    to_role: Mapped[Role] = relationship(foreign_keys=[to_role_id])


class RoleAssignment(Model):
    """A person's current job role and the role they aim for (one row per person)."""

    __tablename__ = "role_assignments"
    __table_args__ = (Index("ix_role_assignments_company_role", "company_id", "role_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("job_roles.id"))
    target_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_roles.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    role: Mapped[Role | None] = relationship(foreign_keys=[role_id])
    target_role: Mapped[Role | None] = relationship(foreign_keys=[target_role_id])


class Assessment(Model):
    """One piece of evidence: append-only; the level rule reads the whole history."""

    __tablename__ = "capability_assessments"
    __table_args__ = (
        Index("ix_capability_assessments_pair", "company_id", "user_id", "capability_id",
              "assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # What produced it, for sources other than people: "offering:12", "mentor-session:3", …
    reference: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class LevelChange(Model):
    """The computed level's history: one row each time the level of a pair changed.

    `level_as_of(at)` is the level of the latest row with `changed_on <= at` (0 without one).
    """

    __tablename__ = "capability_level_changes"
    __table_args__ = (
        Index("ix_level_changes_capability", "company_id", "capability_id", "user_id",
              "changed_on"),
        Index("ix_level_changes_user", "company_id", "user_id", "capability_id", "changed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"))
    changed_on: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    previous_level: Mapped[int] = mapped_column(Integer, default=0)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("capability_assessments.id"))


class CapabilityLevel(Model):
    """Today's computed level per person and capability (the latest `LevelChange`)."""

    __tablename__ = "capability_levels"
    __table_args__ = (
        Index("ix_capability_levels_capability", "company_id", "capability_id", "level"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    level: Mapped[int] = mapped_column(Integer)
    since: Mapped[date] = mapped_column(Date)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("capability_assessments.id"))


class RatingRequest(Model):
    """An employee asks their manager or a peer to rate one capability."""

    __tablename__ = "rating_requests"
    __table_args__ = (Index("ix_rating_requests_rater", "company_id", "rater_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / answered
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("capability_assessments.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    rater: Mapped[User] = relationship(foreign_keys=[rater_id])
    capability: Mapped[Capability] = relationship()


def as_dict(obj: Any, *names: str) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}
