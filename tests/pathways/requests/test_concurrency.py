"""Concurrency proofs with real processes on a SQLite file and on PostgreSQL.

N concurrent requests of price P against a budget B accept exactly ⌊B/P⌋; concurrent retries
with one Idempotency-Key make one request and one hold; the ledger verifies afterwards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from billing.models import Hold
from pathways.requests.models import LearningRequest
from tests.billing import workers

from .conftest import assert_ledger_ok
from .workers import request_worker

pytestmark = pytest.mark.slow
WORKERS, ATTEMPTS = 6, 4


def test_concurrent_requests_accept_exactly_what_the_budget_covers(database_url, acme_world,
                                                                   make_offering, give):
    budget, price = 100_000, 7_000  # ⌊B/P⌋ = 14 of 24 attempts
    w = acme_world
    give(w.ada, budget)
    offering = make_offering(w.company, price)
    ada_id, offering_id = w.ada.id, offering.id
    db.session.remove()
    outcomes = workers.run(request_worker, [
        (database_url, ada_id, offering_id, ATTEMPTS, n, False) for n in range(WORKERS)])
    accepted = [o for o in outcomes if o.startswith("accepted")]
    refused = [o for o in outcomes if not o.startswith("accepted")]
    assert len(accepted) == budget // price == 14
    assert all(o.startswith("Insufficient budget: this needs €70.00") for o in refused)
    assert len(refused) == WORKERS * ATTEMPTS - 14
    assert db.session.scalar(select(func.count(LearningRequest.id))) == 14  # none half-made
    assert db.session.scalar(select(func.sum(Hold.amount_minor))) == 14 * price
    assert_ledger_ok()  # noqa: F405


def test_concurrent_retries_with_one_key_make_one_request(database_url, acme_world,
                                                          make_offering, give):
    w = acme_world
    give(w.ada, 100_000)
    offering = make_offering(w.company, 7_000)
    ada_id, offering_id = w.ada.id, offering.id
    db.session.remove()
    outcomes = workers.run(request_worker, [
        (database_url, ada_id, offering_id, 2, n, True) for n in range(4)])
    assert len(set(outcomes)) == 1 and outcomes[0].startswith("accepted")
    assert db.session.scalar(select(func.count(LearningRequest.id))) == 1
    assert db.session.scalar(select(func.count(Hold.id))) == 1
    assert_ledger_ok()  # noqa: F405
