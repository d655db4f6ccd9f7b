"""Account services: sign-in, passwords, invitations, resets and personal API tokens.

An e-mail address is unique within a company, not across the installation, so one address may
sign in to several companies. Sign-in checks the password of every active account with the
address (at least one hash, a dummy one for an unknown address: every answer costs the same);
when it is right for more than one, the person picks the company among those only.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from .. import audit
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..identity import (
    MIN_PASSWORD_LENGTH,
    check_password,
    hash_password,
    hash_token,
    make_link_token,
    new_token_secret,
    read_link_token,
    verify_password,
)
from ..mail import external_url, queue_email
from ..models import ApiToken, User, UserStatus, utcnow

INVITE = "invite"
RESET = "password-reset"
CHOICE_MAX_AGE = 300  # seconds to pick the company after a right password


def normalise_address(email: str) -> str:
    return email.strip().lower()


def accounts_with_address(email: str) -> list[User]:
    """Every active person with this address, in any company (oldest company first)."""
    return list(db.session.scalars(
        select(User).where(User.email == normalise_address(email),
                           User.status == UserStatus.ACTIVE.value)
        .order_by(User.company_id)))


def matching_accounts(email: str, password: str) -> list[User]:
    """The active accounts with this address whose password is `password` (often one).

    Every account's hash is checked (no early exit), and a dummy one when there is none, so
    the time taken says nothing about whether or where the address exists."""
    accounts = accounts_with_address(email)
    if not accounts:
        check_password(None, password)
        return []
    return [user for user in accounts if check_password(user.password_hash, password)]


def record_sign_in(user: User) -> None:
    user.last_login_at = utcnow()


def tell_of_lock(email: str, lock: Any) -> None:
    """E-mail each owner of `email` that repeated wrong passwords paused its sign-in (the
    first lock of a streak; `lock.retry_at` is when it ends). Nothing for an unknown address,
    and the person signing in sees the same either way."""
    until = datetime.fromtimestamp(lock.retry_at, UTC).strftime("%H:%M UTC on %d %b %Y")
    failures = current_app.config["SIGNIN_ACCOUNT_MAX_FAILURES"]
    reset = external_url("auth.forgot_password")
    for user in accounts_with_address(email):
        queue_email(
            user.email,
            "Sign-in to Trellis paused after wrong passwords",
            f"Hello {user.name},\n\nSomeone tried to sign in with your address {failures} times "
            f"in a row with a wrong password, so sign-in with it (at {user.company.name} and "
            f"anywhere else you use it on Trellis) is paused until {until}; every further wrong "
            "password pauses it for longer. No password was accepted.\n\n"
            "If it was you: wait, or choose a new password (that also lifts the pause):\n"
            f"{reset}\n\nIf it was not you, nothing was let in; a long password keeps it so.\n",
            company_id=user.company_id,
        )


def offer_choice(accounts: list[User]) -> dict[str, Any]:
    """What the session keeps while the person picks one of `accounts` (the password was right
    for each): their session ids, which die with a password change or sign-out, and the time."""
    return {"accounts": [user.get_id() for user in accounts], "at": int(time.time())}


def accounts_of_choice(choice: Any) -> list[User]:
    """The accounts a pending choice still offers; none once it expired or any changed."""
    if not isinstance(choice, dict) or not isinstance(choice.get("at"), int):
        return []
    if time.time() - choice["at"] > CHOICE_MAX_AGE:
        return []
    accounts = []
    for session_id in choice.get("accounts") or []:
        user_id, _, _version = str(session_id).partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.is_active or user.get_id() != session_id:
            return []
        accounts.append(user)
    return accounts


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
    return str(current_app.config["SECRET_KEY"])


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
    """E-mail a reset link to each active account with this address (one per company, each
    resetting that account only); silent when there is none. The caller answers the same way in
    both cases."""
    hours = current_app.config["RESET_MAX_AGE_HOURS"]
    for user in accounts_with_address(email):
        token = make_link_token(_secret(), RESET, user)
        link = external_url("auth.reset_password", token=token)
        queue_email(
            user.email,
            f"Reset your Trellis password for {user.company.name}",
            f"Hello {user.name},\n\nSomeone (hopefully you) asked to reset your password at "
            f"{user.company.name} on Trellis.\n"
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
