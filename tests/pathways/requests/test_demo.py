"""The demo learning requests: every state, two fiscal years, a consistent ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import demo
from app.extensions import db
from billing.models import Hold
from pathways.requests.models import OPEN_STATUSES, STATUSES, LearningRequest

from .conftest import assert_ledger_ok


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the demo's content does not depend on the engine, and seeding on
    PostgreSQL (its COPY path) is covered by tests/app/test_cli.py."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_demo_requests_cover_every_state_and_the_ledger_verifies(app):
    world = demo.seed(60, say=lambda m: None)
    db.session.commit()
    statuses = set(db.session.scalars(select(LearningRequest.status).distinct()))
    assert statuses == set(STATUSES)
    years = set(db.session.scalars(select(func.substr(
        func.cast(LearningRequest.created_at, db.String), 1, 4)).distinct()))
    assert len(years) == 2
    emma = world.people["employee@acme.test"]
    mine = db.session.scalars(select(LearningRequest.status).where(
        LearningRequest.requester_id == emma.id)).all()
    assert sorted(mine) == ["completed", "pending", "rejected"]
    assert db.session.scalar(select(func.count(LearningRequest.id)).where(
        LearningRequest.company_id == world.globex.id)) > 0
    assert_ledger_ok()


def test_every_open_demo_request_has_its_open_hold(app):
    """Issue 13: the seeder left a pending request without a hold (approving it answered 500)."""
    demo.seed(60, say=lambda m: None)
    db.session.commit()
    open_requests = db.session.execute(
        select(LearningRequest.id, LearningRequest.price_minor, Hold.status, Hold.amount_minor)
        .outerjoin(Hold, Hold.id == LearningRequest.hold_id)
        .where(LearningRequest.status.in_(OPEN_STATUSES))).all()
    assert open_requests  # the demo has requests waiting
    broken = [(rid, status) for rid, price, status, amount in open_requests
              if status != "open" or amount != price]
    assert broken == []
