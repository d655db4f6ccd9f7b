"""Shared fixtures: a fresh app and database per test, on SQLite and (if set) PostgreSQL.

`TEST_DATABASE_URL=postgresql://…` adds a PostgreSQL run of every database-touching test.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

# Before the app is imported: keep the huey queue file and instance folder out of the checkout.
os.environ["TRELLIS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="trellis-test-")

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.config import normalise_database_url  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity import hash_password  # noqa: E402
from app.models import Company, Team, User  # noqa: E402
from tests.appconfig import base_config  # noqa: E402

pytest_plugins = ["tests.smtp"]  # the `smtp` server and `smtp_config` fixtures


def _per_worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (<name>_gw0, …)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _per_worker_database(os.environ.get("TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: scrypt is slow on purpose
_pg_schema_ready = False
_sqlite_template: str | None = None


def _reset_postgres(app: Flask) -> None:
    """Create the schema once per session, then empty every table before each test."""
    global _pg_schema_ready
    if not _pg_schema_ready:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        _pg_schema_ready = True
    # DELETE, not TRUNCATE: truncating every table took ~1 s per test (new files for each
    # table), deleting the few rows a test wrote takes a fraction of that. Foreign-key triggers
    # are off for the transaction so the order of the tables does not matter.
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))
        conn.execute(text(
            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
            "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"))


def _sqlite_backup(source_path: str, target_path: str) -> None:
    import sqlite3

    with sqlite3.connect(source_path) as source, sqlite3.connect(target_path) as copy:
        source.backup(copy)
    source.close()
    copy.close()


def _copy_sqlite_schema(database_url: str) -> None:
    """Give a fresh SQLite file the full schema by copying one built once per worker: a copy
    takes ~20 ms, `create_all` of every table ~1 s, and most tests are on SQLite."""
    global _sqlite_template
    if _sqlite_template is None:
        path = os.path.join(tempfile.mkdtemp(prefix="trellis-schema-"), "schema.sqlite3")
        template_app = create_app(base_config(f"sqlite:///{path}"))
        with template_app.app_context():
            db.create_all()
            db.session.remove()
            db.engine.dispose()
        _sqlite_template = path
    _sqlite_backup(_sqlite_template, database_url.removeprefix("sqlite:///"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "postgresql":
        return normalise_database_url(PG_URL or "")
    return f"sqlite:///{tmp_path}/test.sqlite3"


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with extra config (e.g. RATELIMIT_ENABLED=True)."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app(base_config(database_url) | overrides)
        with app.app_context():
            if database_url.startswith("postgresql"):
                _reset_postgres(app)
            elif not built:
                _copy_sqlite_schema(database_url)
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra configuration for the `app` fixture; override it in a test module."""
    return {}


@pytest.fixture
def app(make_app: Callable[..., Flask], app_config: dict[str, Any]) -> Iterator[Flask]:
    app = make_app(**app_config)
    with app.app_context():
        yield app


_demo_template: str | None = None
_demo_rows: dict[str, list[dict[str, Any]]] | None = None
DEMO_PEOPLE = 30


def _table_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, to put back into an emptied PostgreSQL database later."""
    rows = {t.name: [dict(r._mapping) for r in db.session.execute(select(t))]
            for t in db.metadata.sorted_tables}
    db.session.rollback()
    return rows


def _restore_postgres(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the rows of `_table_rows` into the emptied tables and move each id sequence past
    them: ~0.5 s for the demo, against 5-10 s for seeding it again."""
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
            keys = list(table.primary_key.columns)
            if len(keys) == 1 and keys[0].autoincrement in (True, "auto") and rows[table.name]:
                name = keys[0].name
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{name}'), "
                    f'MAX("{name}")) FROM "{table.name}"'))


@pytest.fixture
def demo_world(app: Flask, database_url: str) -> Any:
    """The demo companies (30 people), for tests that need a full world rather than test
    seeding itself. The demo is seeded once per worker and engine, then copied into each test's
    database (seeding takes 5-10 s): on SQLite as a copy of the database file (~50 ms), on
    PostgreSQL as the rows, inserted into the emptied tables (~0.5 s)."""
    from app import demo

    global _demo_template, _demo_rows
    path = database_url.removeprefix("sqlite:///")
    sqlite = database_url.startswith("sqlite")
    if (_demo_template if sqlite else _demo_rows) is None:
        world = demo.seed(employees=DEMO_PEOPLE, say=lambda _m: None)
        db.session.commit()
        if sqlite:
            template = os.path.join(tempfile.mkdtemp(prefix="trellis-demo-"), "demo.sqlite3")
            _sqlite_backup(path, template)
            _demo_template = template
        else:
            _demo_rows = _table_rows()
        return world
    if sqlite:
        db.session.remove()
        db.engine.dispose()  # no connection may hold the file while it is replaced
        _sqlite_backup(_demo_template or "", path)
    else:
        _restore_postgres(_demo_rows or {})
    world = demo.load_world(DEMO_PEOPLE)
    db.session.commit()  # end the read: on SQLite every transaction holds the write lock
    return world


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- factories -------------------------------------------------------------------------------

@pytest.fixture
def make_company(app: Flask) -> Callable[..., Company]:
    counter = iter(range(1, 10_000))

    def factory(name: str | None = None, slug: str | None = None, **kw: Any) -> Company:
        n = next(counter)
        company = Company(name=name or f"Company {n}", slug=slug or f"company-{n}",
                          currency=kw.pop("currency", "EUR"), locale=kw.pop("locale", "en_GB"), **kw)
        db.session.add(company)
        db.session.commit()
        return company

    return factory


@pytest.fixture
def make_team(app: Flask) -> Callable[..., Team]:
    def factory(company: Company, name: str = "Team", parent: Team | None = None) -> Team:
        team = Team(company_id=company.id, name=name, parent_id=parent.id if parent else None)
        db.session.add(team)
        db.session.commit()
        return team

    return factory


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 100_000))

    def factory(company: Company, email: str | None = None, roles: tuple[str, ...] = ("employee",),
                name: str | None = None, team: Team | None = None, manager: User | None = None,
                password: str | None = PASSWORD, **kw: Any) -> User:
        n = next(counter)
        user = User(company_id=company.id, email=email or f"person{n}@{company.slug}.test",
                    name=name or f"Person {n}", team_id=team.id if team else None,
                    manager_id=manager.id if manager else None,
                    password_hash=_PASSWORD_HASH if password == PASSWORD else (
                        hash_password(password) if password else None),
                    start_date=kw.pop("start_date", date(2025, 1, 1)), **kw)
        user.set_roles(list(roles))
        db.session.add(user)
        db.session.commit()
        return user

    return factory


class Auth:
    """Signs a test client in and out through the real sign-in form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, who: User | str, password: str = PASSWORD) -> Any:
        """Sign in as `who`; when the address and password are right for several companies,
        pick `who`'s (a bare address picks the first offered)."""
        email = who if isinstance(who, str) else who.email
        response = self.client.post("/login", data={"email": email, "password": password})
        if response.headers.get("Location") != "/login/company":
            return response
        page = self.client.get("/login/company").get_data(as_text=True)
        offered = re.findall(r'name="account" type="radio" value="(\d+)"', page)
        account = str(who.id) if isinstance(who, User) else offered[0]
        return self.client.post("/login/company", data={"account": account})

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


class Api:
    """A JSON client carrying a personal bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
            return getattr(self.client, method)(url, headers=self.headers | (headers or {}), **kw)

        return call


@pytest.fixture
def api_as(app: Flask) -> Callable[[User], Api]:
    from app.auth import service

    def factory(user: User) -> Api:
        _token, secret = service.create_token(user, "test")
        db.session.commit()
        return Api(app.test_client(), secret)

    return factory


def db_fingerprint() -> str:
    """A hash of every row of every table: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        order = [c for c in table.primary_key.columns] or list(table.columns)
        for row in db.session.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
    db.session.rollback()
    return digest.hexdigest()


@pytest.fixture
def fingerprint(app: Flask) -> Callable[[], str]:
    return db_fingerprint
