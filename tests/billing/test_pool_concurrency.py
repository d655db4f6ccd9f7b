"""Concurrent grants from one team pool, by separate processes on a SQLite file and on
PostgreSQL: a pool of B accepts exactly ⌊B/P⌋ grants of P, never goes negative, and verifies."""

from __future__ import annotations

import pytest

from app.extensions import db
from billing import pools
from billing.queries import pool_rows

from . import workers
from .conftest import FY2026, assert_ledger_ok, key

pytestmark = pytest.mark.slow
WORKERS = 2


def test_concurrent_grants_accept_exactly_what_the_pool_holds(database_url, admin, eng):
    team, mo, ada, bo, _cy = eng
    pool, price = 10_000, 3_000  # ⌊B/P⌋ = 3 of 6 attempts
    pools.fund(admin, team, pool, "Books", key(), FY2026)
    db.session.commit()
    company_id, team_id = admin.company_id, team.id
    args = [(database_url, team.id, mo.id, [ada.id, bo.id, ada.id], price, w)
            for w in range(WORKERS)]
    db.session.remove()  # the test's own session holds no connection while the workers run
    outcomes = workers.run(workers.pool_grant_worker, args)
    granted = [o for o in outcomes if o == "granted"]
    assert len(granted) == pool // price == 3
    assert all(o.startswith("The Engineering pool holds only €10.00")
               for o in outcomes if o != "granted")
    row = pool_rows(company_id, FY2026, [team_id])[0]
    assert (row.granted_minor, row.left_minor) == (3 * price, pool - 3 * price)
    assert_ledger_ok()
