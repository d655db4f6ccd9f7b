"""The `demo_world` fixture hands each test the same seeded demo, fast, on either engine."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests import conftest


def test_the_demo_comes_back_row_for_row_with_ids_that_go_on(app, demo_world, database_url,
                                                            make_user):
    before = conftest.db_fingerprint()
    if database_url.startswith("postgresql"):  # the path every PostgreSQL test after the first takes
        rows = conftest._table_rows()
        conftest._reset_postgres(app)
        assert db.session.scalar(select(func.count(User.id))) == 0
        conftest._restore_postgres(rows)
        assert conftest.db_fingerprint() == before
    highest = db.session.scalar(select(func.max(User.id)))
    newcomer = make_user(demo_world.acme)  # the id sequence continues past the demo's rows
    assert newcomer.id > highest
    assert demo_world.people["employee@acme.test"].name == "Emma Lindqvist"
