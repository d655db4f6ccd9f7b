"""Report history (every PDF rendered: who, when, which parameters, the file) and subscriptions
to scheduled delivery by e-mail."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models import Team, User, utcnow


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


FREQUENCIES: tuple[str, ...] = tuple(f.value for f in Frequency)


class ReportRun(Model):
    """One rendering of the capability PDF; the file lives under the instance folder."""

    __tablename__ = "report_runs"
    __table_args__ = (Index("ix_report_runs_company_created", "company_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("report_subscriptions.id"),
                                                        index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    stage: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    file_path: Mapped[str | None] = mapped_column(String(300))  # relative to the instance folder
    filename: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    requested_by: Mapped[User | None] = relationship()
    team: Mapped[Team | None] = relationship()

    @property
    def done(self) -> bool:
        return self.status == RunStatus.DONE.value


class ReportSubscription(Model):
    """An executive or admin receives the report of each closed month or quarter by e-mail."""

    __tablename__ = "report_subscriptions"
    __table_args__ = (Index("ix_report_subscriptions_company_user", "company_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    frequency: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The end of the last period delivered (None: nothing yet; starts with the next close).
    last_period_end: Mapped[date | None] = mapped_column(Date)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()
    team: Mapped[Team | None] = relationship()
