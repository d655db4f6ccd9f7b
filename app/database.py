"""Engine-level behaviour: SQLite pragmas and `BEGIN IMMEDIATE` write transactions.

On SQLite, a deferred transaction that reads a balance and then writes can interleave with another
worker and lose an update (or fail with SQLITE_BUSY on upgrade). So every transaction begins
`IMMEDIATE`: it takes the write lock up front and concurrent writers queue on `busy_timeout`.
PostgreSQL needs none of this; money code locks rows with `SELECT … FOR UPDATE` there. On
PostgreSQL, JIT compilation is switched off for our connections: our statements are short
requests and report aggregates, and a planner over-estimate (the reporting-line recursive
CTE estimates 20 million rows for 1,400) made PostgreSQL spend ~160 ms compiling a query
that runs in 10 ms (docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

BUSY_TIMEOUT_MS = 30_000


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def configure_sqlite(engine: Engine) -> None:
    """Install WAL, foreign keys, busy timeout and IMMEDIATE transactions on an SQLite engine."""
    if not is_sqlite(engine) or getattr(engine, "_trellis_configured", False):
        return
    engine._trellis_configured = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def configure_postgresql(engine: Engine) -> None:
    """Switch JIT off on each new PostgreSQL connection (see the module docstring)."""
    if engine.dialect.name != "postgresql" or getattr(engine, "_trellis_configured", False):
        return
    engine._trellis_configured = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.commit()  # psycopg opened a transaction for the SET


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_sqlite(db.engine)
        configure_postgresql(db.engine)
