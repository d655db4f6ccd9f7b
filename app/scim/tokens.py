"""SCIM bearer tokens: created and revoked by a company's admins, stored as a SHA-256 only."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import select

from .. import audit
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..identity import hash_token
from ..models import User, UserStatus, utcnow
from .models import ScimToken

PREFIX = "scim_"


def create(actor: User, name: str) -> tuple[ScimToken, str]:
    """A new token for the actor's company (it will act as the actor); the secret is returned once."""
    name = name.strip()
    if not name:
        raise ValidationError("Name the token after the identity provider that uses it.", "name")
    if len(name) > 100:
        raise ValidationError("Keep the name under 100 characters.", "name")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(company_id=actor.company_id, created_by_id=actor.id, name=name,
                      token_hash=hash_token(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.flush()
    audit.record(actor, actor.company_id, "scim.token.create", "scim_token", token.id, f"SCIM token '{name}' created")
    return token, secret


def revoke(actor: User, token_id: int) -> ScimToken:
    token: ScimToken | None = db.session.scalar(select(ScimToken).where(ScimToken.id == token_id,
                                                      ScimToken.company_id == actor.company_id))
    if token is None:
        raise NotFound("No such SCIM token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, actor.company_id, "scim.token.revoke", "scim_token", token.id,
                     f"SCIM token '{token.name}' revoked")
    db.session.flush()
    return token


def of_company(company_id: int) -> list[ScimToken]:
    return list(db.session.scalars(select(ScimToken).where(ScimToken.company_id == company_id)
                                   .order_by(ScimToken.revoked_at.is_not(None), ScimToken.id.desc())))


def authenticate(header: str) -> tuple[ScimToken, str | None]:
    """The live token an `Authorization: Bearer …` header carries, or why not (a sentence)."""
    if not header.startswith("Bearer "):
        return ScimToken(), "Send the company's SCIM token as 'Authorization: Bearer <token>'."
    secret = header[7:].strip()
    digest = hash_token(secret)
    token: ScimToken | None = db.session.scalar(select(ScimToken).where(ScimToken.token_hash == digest))
    if token is None or token.revoked_at is not None or not hmac.compare_digest(token.token_hash, digest):
        return ScimToken(), "The SCIM token is unknown or revoked."
    admin: User = token.created_by
    if admin.status != UserStatus.ACTIVE.value or not admin.has_role("admin"):
        return token, ("The admin who created this SCIM token is no longer an admin; "
                       "an admin must create a new token.")
    return token, None
