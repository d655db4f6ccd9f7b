"""Saving a company's SSO configuration, and finding (or creating just in time) the person an
ID token names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import audit
from ..errors import ValidationError
from ..extensions import db
from ..models import ACCESS_ROLES, Company, User, UserRole, UserStatus
from ..people import service as people
from ..validators import normalise_email
from .models import SsoConfig
from .secrets import encrypt


def config_of(company_id: int) -> SsoConfig | None:
    return db.session.get(SsoConfig, company_id)


def configure(actor: User, issuer: str, client_id: str, client_secret: str | None, jit: bool,
              email_claim: str = "email", groups_claim: str | None = None,
              role_map: dict[str, str] | None = None, require_sso: bool = False) -> SsoConfig:
    """Set the company's OpenID provider (the secret is kept encrypted; None keeps the old one)."""
    if not issuer.startswith(("https://", "http://")):
        raise ValidationError("The issuer is a URL, e.g. https://login.microsoftonline.com/<tenant>/v2.0.", "issuer")
    if not client_id.strip():
        raise ValidationError("Enter the client id.", "client_id")
    unknown = sorted(set((role_map or {}).values()) - set(ACCESS_ROLES))
    if unknown:
        raise ValidationError(f"Unknown access role {', '.join(unknown)}.", "role_map")
    config = config_of(actor.company_id)
    if config is None:
        if not client_secret:
            raise ValidationError("Enter the client secret.", "client_secret")
        config = SsoConfig(company_id=actor.company_id)
        db.session.add(config)
    config.issuer, config.client_id = issuer.strip().rstrip("/"), client_id.strip()
    if client_secret:
        config.client_secret_encrypted = encrypt(client_secret)
    config.jit, config.email_claim, config.groups_claim = jit, email_claim or "email", groups_claim or None
    config.role_map, config.require_sso = role_map or None, require_sso
    config.break_glass_user_id = actor.id if require_sso else None
    db.session.flush()
    audit.record(actor, actor.company_id, "sso.configure", "company", actor.company_id,
                 f"Single sign-on set to {config.issuer} (JIT {'on' if jit else 'off'})")
    return config


def person_for(company: Company, config: SsoConfig, claims: dict[str, Any]) -> User:
    """The active person of the company the claims name by e-mail, created when JIT allows."""
    raw = claims.get(config.email_claim)
    if not isinstance(raw, str) or not raw:
        raise ValidationError(f"The identity provider sent no '{config.email_claim}' claim.")
    email = normalise_email(raw)
    user: User | None = db.session.scalar(select(User).where(User.company_id == company.id, User.email == email))
    if user is not None:
        if user.status != UserStatus.ACTIVE.value:
            raise ValidationError("This account is closed; ask your admin.")
        return user
    if not config.jit:
        raise ValidationError(f"{email} has no Trellis account at {company.name}; ask your admin to add you.")
    roles = _roles(config, claims)
    actor = db.session.scalar(select(User).join(UserRole).where(
        User.company_id == company.id, UserRole.role == "admin", User.status == UserStatus.ACTIVE.value)
        .order_by(User.id).limit(1))  # the account is created in an admin's name, as an admin would
    if actor is None:
        raise ValidationError(f"{company.name} has no admin yet to create accounts in the name of.")
    name = claims.get("name") if isinstance(claims.get("name"), str) else email.split("@")[0]
    return people.create_person(actor, people.PersonData(email=email, name=str(name), access_roles=roles))


def _roles(config: SsoConfig, claims: dict[str, Any]) -> list[str]:
    groups = claims.get(config.groups_claim or "") or []
    mapped = {role for group, role in (config.role_map or {}).items() if group in groups}
    return sorted(mapped | {"employee"})


def password_refusal(user: User) -> str | None:
    """Why `user` may not sign in with a password: their company requires SSO and they are not
    its break-glass admin."""
    config = config_of(user.company_id)
    if config is None or not config.require_sso or user.id == config.break_glass_user_id:
        return None
    return (f"{user.company.name} signs in through its identity provider: "
            f"use /sso/{user.company.slug}/login.")
