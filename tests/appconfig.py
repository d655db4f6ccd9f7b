"""The test app's configuration, in a module of its own: worker processes of the concurrency
proofs import it without running conftest's set-up (password hashing, database creation)."""

from __future__ import annotations

from typing import Any


def base_config(database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "API_VALIDATE_RESPONSES": True,  # a response its schema does not describe fails the test
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "HUEY_IMMEDIATE": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SIGNIN_THROTTLE_STORAGE": "database",  # tests of the Redis store ask for it
        "SMTP_HOST": None,
        "SERVER_NAME_FOR_LINKS": None,
        "TRELLIS_ENV": "development",
    }
