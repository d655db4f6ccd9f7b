"""Pathways: ordered steps toward a role or a capability, enrolments, step completions and the
company's learning settings.

Every table carries `company_id` (the tenant). A retired offering stays on the pathways that
use it; archiving a pathway hides it from browse and new enrolments while enrolments keep
their history.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, db
from app.models import User, utcnow
from pathways.capabilities.models import Capability, Role
from pathways.catalogue.models import Offering


class StepKind(enum.StrEnum):
    OFFERING = "offering"
    MENTOR_SESSION = "mentor_session"
    PRACTICE = "practice"
    READING = "reading"


STEP_KINDS: tuple[str, ...] = tuple(k.value for k in StepKind)
STEP_KIND_LABELS = {"offering": "Offering", "mentor_session": "Mentor session",
                    "practice": "Practice / project", "reading": "Reading / link"}


class Pathway(Model):
    """An ordered set of steps toward a role or a capability; draft until published."""

    __tablename__ = "learning_pathways"
    __table_args__ = (Index("ix_learning_pathways_company_status", "company_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    target_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_roles.id"), index=True)
    target_capability_id: Mapped[int | None] = mapped_column(ForeignKey("capabilities.id"),
                                                             index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft/published/archived
    self_enrol: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Archived (retired): hidden from browse, recommendations and new enrolments; existing
    # enrolments, completions and evidence keep working and keep their history.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    target_role: Mapped[Role | None] = relationship()
    target_capability: Mapped[Capability | None] = relationship()
    steps: Mapped[list[PathwayStep]] = relationship(
        cascade="all, delete-orphan", order_by="PathwayStep.position",
        back_populates="pathway")

    @property
    def published(self) -> bool:
        return self.status == "published"

    @property
    def archived(self) -> bool:
        return self.status == "archived"


pathway_step_prerequisites = Table(
    "pathway_step_prerequisites",
    db.metadata,
    Column("step_id", ForeignKey("pathway_steps.id"), primary_key=True),
    Column("prerequisite_id", ForeignKey("pathway_steps.id"), primary_key=True),
)


class PathwayStep(Model):
    """One step: an offering, a mentor session on a capability, a practice task or a reading.

    Offering steps develop what the offering develops; the other kinds name one capability
    and the level (`to_level`) completing them is evidence of.
    """

    __tablename__ = "pathway_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("learning_pathways.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_offerings.id"),
                                                    index=True)
    capability_id: Mapped[int | None] = mapped_column(ForeignKey("capabilities.id"))
    to_level: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # For non-offering steps (an offering step uses the offering's own figures).
    estimated_hours: Mapped[float] = mapped_column(Float, default=0)
    estimated_cost_minor: Mapped[int] = mapped_column(Integer, default=0)

    pathway: Mapped[Pathway] = relationship(back_populates="steps")
    offering: Mapped[Offering | None] = relationship()
    capability: Mapped[Capability | None] = relationship()
    prerequisites: Mapped[list[PathwayStep]] = relationship(
        secondary=pathway_step_prerequisites,
        primaryjoin=lambda: PathwayStep.id == pathway_step_prerequisites.c.step_id,
        secondaryjoin=lambda: PathwayStep.id == pathway_step_prerequisites.c.prerequisite_id,
        lazy="selectin")


class Enrolment(Model):
    """A person on a pathway: assigned by someone (or self-enrolled), with an optional due date."""

    __tablename__ = "pathway_enrolments"
    __table_args__ = (
        UniqueConstraint("pathway_id", "user_id"),
        Index("ix_pathway_enrolments_user", "company_id", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    pathway_id: Mapped[int] = mapped_column(ForeignKey("learning_pathways.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active / completed
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    pathway: Mapped[Pathway] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    completions: Mapped[list[StepCompletion]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan")


class StepCompletion(Model):
    """A step marked done with its evidence: a note, a link and/or an uploaded certificate.

    `status` is "done", or "pending" while the company requires a manager to verify
    completions; the capability evidence is recorded when it becomes "done".
    The upload lives under the instance folder at `file_path` (relative).
    """

    __tablename__ = "pathway_step_completions"
    __table_args__ = (UniqueConstraint("enrolment_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("pathway_enrolments.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("pathway_steps.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="done")  # done / pending
    note: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    file_path: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(40))
    file_size: Mapped[int | None] = mapped_column(Integer)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="completions")
    step: Mapped[PathwayStep] = relationship()


class LearningSettings(Model):
    """Per-company learning settings (one row per company; absent means the defaults)."""

    __tablename__ = "learning_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    # When set, a completed step becomes evidence only after the line manager verifies it.
    require_manager_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
