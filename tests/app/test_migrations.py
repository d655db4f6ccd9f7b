"""The Alembic migrations build exactly the schema the models describe, on each database."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db


def test_upgrade_from_empty_matches_the_models(app):
    _empty_schema()
    try:
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, db.metadata)
        assert diffs == [], f"models and migrations differ: {diffs}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        _restore(app)


def _empty_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _restore(app) -> None:
    """Leave the schema as the fixtures expect it (PostgreSQL's is shared by the session)."""
    _empty_schema()
    db.create_all()


def _add_person(conn, company_id: int, email: str) -> None:
    conn.execute(text(
        "INSERT INTO users (company_id, email, name, status, session_version, created_at, "
        "updated_at) VALUES (:c, :e, 'Sam', 'active', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
        {"c": company_id, "e": email})


def _add_company(conn, slug: str) -> int:
    conn.execute(text(
        "INSERT INTO companies (name, slug, currency, locale, timezone, "
        "fiscal_year_start_month, created_at) "
        "VALUES (:s, :s, 'EUR', 'en_GB', 'Europe/London', 1, CURRENT_TIMESTAMP)"), {"s": slug})
    return conn.execute(text("SELECT id FROM companies WHERE slug = :s"), {"s": slug}).scalar()


def test_addresses_become_unique_per_company_and_back(app):
    _empty_schema()
    try:
        upgrade(revision="0013")
        assert "sign_in_counters" in inspect(db.engine).get_table_names()
        with db.engine.begin() as conn:
            acme, globex = _add_company(conn, "acme"), _add_company(conn, "globex")
            _add_person(conn, acme, "sam@consult.test")
            _add_person(conn, globex, "sam@consult.test")  # 0013: another company may
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _add_person(conn, acme, "sam@consult.test")  # but not the same company twice
        # Alembic itself (Flask-Migrate's `downgrade` turns the error into a log line and exit 1).
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match="belong to people in several companies: "
                                               "sam@consult.test"):
            command.downgrade(config, "0012")  # would lose one of them: refused, no change
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0013"
            conn.execute(text("DELETE FROM users WHERE company_id = :g"), {"g": globex})
        downgrade(revision="0012")
        assert "sign_in_counters" not in inspect(db.engine).get_table_names()
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _add_person(conn, globex, "sam@consult.test")  # 0012: one address, one person
    finally:
        _restore(app)
