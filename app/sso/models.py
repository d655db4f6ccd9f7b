"""A company's single sign-on configuration (OpenID Connect); the client secret is stored encrypted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..models import utcnow


class SsoConfig(Model):
    __tablename__ = "sso_configs"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    # Fernet token of the client secret (key: SSO_ENCRYPTION_KEY from the environment).
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    email_claim: Mapped[str] = mapped_column(String(100), default="email")
    groups_claim: Mapped[str | None] = mapped_column(String(100))
    # {"<IdP group>": "<access role>"}: roles given to people created just in time.
    role_map: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    jit: Mapped[bool] = mapped_column(Boolean, default=False)
    require_sso: Mapped[bool] = mapped_column(Boolean, default=False)
    break_glass_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
