"""The mentoring benchmark runs end to end on a small demo (timings are not asserted)."""

from __future__ import annotations

import pytest

from app import demo
from app.extensions import db
from pathways.mentoring import bench
from pathways.mentoring.models import MentorBooking


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the benchmark's SQL is the same on both engines, and `make bench` with
    BENCH_DATABASE_URL measures PostgreSQL; running on both engines doubled one of the
    slowest tests."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_mentor_bench_runs_on_a_small_demo_and_leaves_no_booking(app, monkeypatch):
    monkeypatch.setattr(bench, "REPEAT", 1)
    demo.seed(30, say=lambda m: None)
    db.session.commit()
    before = db.session.query(MentorBooking).count()
    db.session.rollback()  # no write lock held (SQLite) while the benchmark runs
    measured = bench.measure(app)
    assert set(measured) == {"gap_employee", "gap_manager", "free_slots", "book", "find_page",
                             "mentor_page"}
    rows: list[tuple[str, str]] = []
    bench.run(app, lambda section, metric, value, goal="": rows.append((section, metric)))
    assert len(rows) == 6 and {s for s, _m in rows} == {"mentoring"}
    assert db.session.query(MentorBooking).count() == before
