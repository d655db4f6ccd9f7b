"""The request-flow benchmark runs end to end with real worker processes (timings not asserted)."""

from __future__ import annotations

import pytest

from pathways.requests import bench


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the benchmark's SQL is the same on both engines, and `make bench` with
    BENCH_DATABASE_URL measures PostgreSQL; running on both engines doubled one of the
    slowest tests."""
    return f"sqlite:///{tmp_path}/test.sqlite3"

pytestmark = pytest.mark.slow


def test_bench_requests_runs_and_leaves_a_verified_ledger(database_url, tmp_path):
    from app.config import normalise_database_url

    url = normalise_database_url(database_url)
    if url.startswith("sqlite"):  # a database of its own, with the migrated schema
        url = f"sqlite:///{tmp_path}/bench.sqlite3"
    from flask_migrate import upgrade

    app = bench._app(url)
    with app.app_context():
        from app.extensions import db

        if db.engine.dialect.name == "sqlite":
            upgrade()
        else:
            db.create_all()
        db.session.remove()
        db.engine.dispose()
    result = bench.throughput(url, workers=2, ops=3)
    assert result["requests"] == 6 and result["ledger_verified"]
    assert result["requests_per_second"] > 0 and result["ratio_to_bare_insert"] > 0
