"""SCIM's tables: per-company bearer tokens, and what SCIM knows of a person or team beyond Trellis's
own columns (userName, externalId, the attributes it sent, whether SCIM deleted it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..models import Team, User, utcnow


class ScimToken(Model):
    """A provisioning token of one company; it acts as the admin who created it."""

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    # Only a SHA-256 of the token is stored; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    created_by: Mapped[User] = relationship()


class ScimUser(Model):
    """SCIM's view of one person: its userName, externalId and the attributes it sent."""

    __tablename__ = "scim_users"
    __table_args__ = (Index("ix_scim_users_company_user_name", "company_id", "user_name"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    user_name: Mapped[str] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(254))
    # name, displayName and emails as the provider sent them (shown back while they still agree
    # with the person's name and e-mail in Trellis).
    attrs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class ScimGroup(Model):
    """SCIM's view of one team: its externalId, and whether SCIM deleted it (a team that budgets or
    reports still point at is kept, hidden from SCIM, rather than deleted)."""

    __tablename__ = "scim_groups"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(254))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
