"""Who is asking: session sign-in (Flask-Login), bearer tokens, passwords and role checks."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, g
from flask_login import current_user
from flask_login import login_required as _login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db, login_manager
from .models import ApiToken, User, UserStatus, utcnow

F = TypeVar("F", bound=Callable[..., Any])
TOKEN_PREFIX = "trl_"
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


_dummy_hash: list[str] = []


def _dummy() -> str:
    """A hash of a random secret made the way real ones are (so checking it costs the same)."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password(secrets.token_urlsafe(32)))
    return _dummy_hash[0]


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (an invited person) a dummy one is checked, so
    the answer takes as long as for a real account and timing tells nothing."""
    matches = check_password_hash(password_hash or _dummy(), password)
    return matches and password_hash is not None


def verify_password(user: User, password: str) -> bool:
    return check_password(user.password_hash, password)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def load_user(session_id: str) -> User | None:
    """Session ids are `<user id>:<session version>`; an old version means a revoked session."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def load_user_from_bearer(req: Any) -> User | None:
    """Personal API tokens: `Authorization: Bearer trl_…`, only under /api/."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(header[7:].strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None or token.user.status != UserStatus.ACTIVE.value:
        return None
    g.api_token = token
    return token.user


def login_required(view: F) -> F:
    """Flask-Login's `login_required`, typed (Flask-Login ships no type information)."""
    return cast(F, _login_required(view))


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow the view only to signed-in people holding one of `roles` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# --- signed links (invitation, password reset) -----------------------------------------------

def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def _fingerprint(user: User) -> str:
    # Changes when the password does, so a link works once and dies when it is used.
    return hashlib.sha256(f"{user.password_hash}:{user.session_version}".encode()).hexdigest()[:16]


def make_link_token(secret: str, purpose: str, user: User) -> str:
    return _serializer(secret, purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def read_link_token(secret: str, purpose: str, token: str, max_age: int) -> User | None:
    """The user a still-valid link belongs to, or None (expired, tampered, used or left)."""
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, int(data.get("u", 0)))
    if user is None or not user.is_active or data.get("f") != _fingerprint(user):
        return None
    return user


def touch_token(token: ApiToken) -> None:
    token.last_used_at = utcnow()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)  # by call: Flask-Login's decorators are untyped
    login_manager.request_loader(load_user_from_bearer)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    # Session ids carry a version, so a stolen cookie dies at sign-out; "strong" would also
    # drop sessions when a laptop changes network, which people find baffling.
    login_manager.session_protection = "basic"
