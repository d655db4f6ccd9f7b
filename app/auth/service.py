"""Account services: sign-in, passwords, invitations, resets and personal API tokens."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from .. import audit
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..identity import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    hash_token,
    make_link_token,
    new_token_secret,
    read_link_token,
    verify_password,
)
from ..mail import external_url, queue_email
from ..models import ApiToken, User, utcnow

INVITE = "invite"
RESET = "password-reset"


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not verify_password(user, password):
        return None
    user.last_login_at = utcnow()
    return user


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Use at least {MIN_PASSWORD_LENGTH} characters for your password.", field
        )


def set_password(user: User, password: str) -> None:
    """Set a new password and revoke every existing session of this user."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current):
        raise ValidationError("That is not your current password.", "current_password")
    set_password(user, new)
    audit.record(user, user.company_id, "password.change", "user", user.id, "Changed password")


def sign_out_everywhere(user: User) -> None:
    user.session_version += 1


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def send_invitation(actor: User, user: User) -> None:
    """E-mail `user` a signed link to set their password (valid INVITE_MAX_AGE_DAYS)."""
    if not user.is_active:
        raise ValidationError(f"{user.name} has left; reactivate them before inviting.")
    token = make_link_token(_secret(), INVITE, user)
    link = external_url("auth.accept_invite", token=token)
    days = current_app.config["INVITE_MAX_AGE_DAYS"]
    queue_email(
        user.email,
        f"{actor.name} invited you to Trellis",
        f"Hello {user.name},\n\n{actor.name} invited you to {user.company.name} on Trellis, "
        f"where you can see your capabilities and spend your learning budget.\n\n"
        f"Set your password here (the link works for {days} days):\n{link}\n",
        company_id=user.company_id,
    )
    audit.record(actor, user.company_id, "user.invite", "user", user.id, f"Invited {user.email}")


def user_for_invite(token: str) -> User | None:
    max_age = current_app.config["INVITE_MAX_AGE_DAYS"] * 86400
    return read_link_token(_secret(), INVITE, token, max_age)


def request_password_reset(email: str) -> None:
    """Send a reset link if an active account has this address; silent otherwise."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        return
    token = make_link_token(_secret(), RESET, user)
    link = external_url("auth.reset_password", token=token)
    hours = current_app.config["RESET_MAX_AGE_HOURS"]
    queue_email(
        user.email,
        "Reset your Trellis password",
        f"Hello {user.name},\n\nSomeone (hopefully you) asked to reset your Trellis password.\n"
        f"Choose a new one here (the link works for {hours} hours, once):\n{link}\n\n"
        "If you did not ask for this, ignore this e-mail; your password stays as it is.\n",
        company_id=user.company_id,
    )


def user_for_reset(token: str) -> User | None:
    max_age = current_app.config["RESET_MAX_AGE_HOURS"] * 3600
    return read_link_token(_secret(), RESET, token, max_age)


# --- personal API tokens ---------------------------------------------------------------------

def create_token(actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `actor`; the secret is returned once and only its hash is stored."""
    name = name.strip()
    if not name:
        raise ValidationError("Give the token a name, e.g. 'HR sync script'.", "name")
    if len(name) > 100:
        raise ValidationError("Keep the name under 100 characters.", "name")
    secret = new_token_secret()
    token = ApiToken(
        company_id=actor.company_id,
        user_id=actor.id,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:10],
    )
    db.session.add(token)
    db.session.flush()
    audit.record(actor, actor.company_id, "token.create", "api_token", token.id, f"Token '{name}'")
    return token, secret


def revoke_token(actor: User, token_id: int) -> ApiToken:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == actor.id)
    )
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            actor, actor.company_id, "token.revoke", "api_token", token.id, f"Token '{token.name}'"
        )
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.isnot(None), ApiToken.created_at.desc())
        )
    )


def count_active_tokens(user: User) -> int:
    return db.session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    ) or 0
