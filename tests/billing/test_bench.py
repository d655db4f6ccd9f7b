"""The billing benchmark runs end to end on a small company (timings are not asserted)."""

from __future__ import annotations

import pytest

from app.extensions import db
from billing import bench

from .conftest import assert_ledger_ok


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: `make bench` with BENCH_DATABASE_URL measures PostgreSQL; here the
    PostgreSQL run left a psycopg connection to the garbage collector now and then (a
    ResourceWarning, an error under filterwarnings=error, in whichever test ran next)."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


pytestmark = pytest.mark.slow


def test_the_benchmark_records_allocation_and_throughput_rows(app, database_url):
    rows = []
    db.session.remove()
    numbers = bench.run(app, lambda section, metric, value, goal="": rows.append(
        (section, metric, value)), workers=2, ops=3, employees=120)
    assert numbers["allocation_run"]["allocated_people"] == 120
    assert numbers["hold_capture"]["hold_capture_pairs"] == 6
    assert ("billing", "ledger verify after the allocation benchmark", "ok") in rows
    assert [r[1] for r in rows][-1] == "ledger transactions per second ÷ bare INSERTs per second"
    assert_ledger_ok()
