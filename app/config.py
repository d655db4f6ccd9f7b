"""Configuration read from the environment (12-factor); `create_app(test_config)` overrides it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_SECRET = "dev-only-secret-change-me"


class ConfigError(RuntimeError):
    """The configuration cannot run safely (e.g. production without a real secret)."""


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment(instance_path: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    trellis_env = env.get("TRELLIS_ENV", "development")
    production = trellis_env == "production"
    database_url = env.get("DATABASE_URL") or "sqlite:///" + str(
        Path(instance_path) / "trellis.sqlite3"
    )
    redis_url = env.get("REDIS_URL") or None
    return {
        "TRELLIS_ENV": trellis_env,
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("SMTP_PORT") or 25),
        "SMTP_USER": env.get("SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "0") == "1",
        "MAIL_FROM": env.get("MAIL_FROM", "Trellis <no-reply@trellis.localhost>"),
        "HUEY_SQLITE_PATH": str(Path(instance_path) / "huey.sqlite3"),
        "HUEY_IMMEDIATE": False,
        # Sign-in limits (app/auth/throttle.py, docs/operations.md "Security"), shared by every
        # worker: counted in the database, or in Redis when REDIS_URL is set.
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        "SIGNIN_THROTTLE_STORAGE": env.get("SIGNIN_THROTTLE_STORAGE") or redis_url or "database",
        "SIGNIN_THROTTLE_PREFIX": env.get("SIGNIN_THROTTLE_PREFIX") or "trellis:signin:",
        "SIGNIN_ACCOUNT_MAX_FAILURES": 10,
        "SIGNIN_LOCK_SECONDS": 60,
        "SIGNIN_LOCK_MAX_SECONDS": 3600,
        "SIGNIN_FAILURE_MEMORY_SECONDS": 86_400,
        "SIGNIN_CLIENT_MAX_FAILURES": 30,
        "SIGNIN_CLIENT_WINDOW_SECONDS": 600,
        "RESET_CLIENT_MAX_REQUESTS": 5,
        "RESET_CLIENT_WINDOW_SECONDS": 60,
        # How many reverse proxies in front set X-Forwarded-For/-Proto (0: trust none, the
        # socket's peer is the client). The per-client limits need the real client's address.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        # Strict-Transport-Security lifetime sent in production (seconds; a year by default).
        "HSTS_MAX_AGE": int(env.get("HSTS_MAX_AGE") or 31_536_000),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "INVITE_MAX_AGE_DAYS": 7,
        "RESET_MAX_AGE_HOURS": 2,
        "PER_PAGE": 25,
        "SERVER_NAME_FOR_LINKS": env.get("TRELLIS_BASE_URL") or None,
        # Stripe (docs/stripe.md): the secret key, an API base for a Stripe-compatible test
        # server, the webhook signing secret, the publishable key for Stripe.js, the seat price.
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_SEAT_PRICE_ID": env.get("STRIPE_SEAT_PRICE_ID") or None,
        # Single sign-on (docs/sso.md): the Fernet key that encrypts the stored client secrets.
        "SSO_ENCRYPTION_KEY": env.get("SSO_ENCRYPTION_KEY") or None,
    }


def check_production(config: dict[str, Any] | Any) -> None:
    """Refuse to run in production with a missing or default secret."""
    if config.get("TRELLIS_ENV") != "production":
        return
    secret = config.get("SECRET_KEY")
    if not secret or secret == DEFAULT_SECRET or len(secret) < 32:
        raise ConfigError(
            "TRELLIS_ENV=production needs SECRET_KEY set to a random value of 32+ characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
