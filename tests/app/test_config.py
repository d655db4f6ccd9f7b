"""Configuration from the environment."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import DEFAULT_SECRET, ConfigError, from_environment, normalise_database_url


def test_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    config = from_environment(str(tmp_path), env={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/trellis.sqlite3"
    assert config["TRELLIS_ENV"] == "development"
    assert config["SIGNIN_THROTTLE_STORAGE"] == "database"  # shared by every worker


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_redis_url_moves_sign_in_limits_to_redis(tmp_path):
    config = from_environment(str(tmp_path), env={"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert config["SIGNIN_THROTTLE_STORAGE"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET, "short"])
def test_production_refuses_a_missing_or_default_secret(monkeypatch, secret):
    monkeypatch.setenv("TRELLIS_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    config = from_environment(str(tmp_path), env={"TRELLIS_ENV": "production",
                                                  "SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
