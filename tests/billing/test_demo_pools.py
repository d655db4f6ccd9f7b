"""The demo shows a team pool at work: Engineering's, funded by L&D, one grant to Emma."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Team
from billing import queries
from billing.policies import period_for

from .conftest import assert_ledger_ok


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the demo's content does not depend on the engine (seeding on PostgreSQL
    is covered by tests/app/test_cli.py)."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_the_demo_has_an_engineering_pool_with_a_grant_to_emma(demo_world):
    acme = demo_world.acme
    engineering = db.session.scalar(select(Team).where(Team.company_id == acme.id,
                                                       Team.name == "Engineering"))
    period = period_for(acme, date.today())
    [row] = queries.pool_rows(acme.id, period, [engineering.id])
    assert (row.funded_minor, row.granted_minor, row.left_minor) == (800_000, 35_000, 765_000)
    assert_ledger_ok(acme.id)
