"""Client secrets encrypted at rest with Fernet; the key comes from the environment
(`SSO_ENCRYPTION_KEY`; docs/sso.md says how to make one)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from ..errors import ValidationError


def _fernet() -> Fernet:
    key = current_app.config.get("SSO_ENCRYPTION_KEY")
    if not key:
        raise ValidationError("Single sign-on needs SSO_ENCRYPTION_KEY set in the environment (see docs/sso.md).")
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValidationError("The stored client secret cannot be read with this SSO_ENCRYPTION_KEY.") from None
