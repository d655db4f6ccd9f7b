"""The catalogue and recommendation benchmarks run end to end on a small demo (timings not
asserted); the recommendations are timed on the catalogue the first one grew."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import demo
from app.extensions import db
from pathways.catalogue import bench as catalogue_bench
from pathways.catalogue.models import Offering
from pathways.learning import bench as learning_bench


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the benchmark's SQL is the same on both engines, and `make bench` with
    BENCH_DATABASE_URL measures PostgreSQL; running on both engines doubled one of the
    slowest tests."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_catalogue_bench_runs_on_a_small_demo(app):
    demo.seed(30, say=lambda m: None)
    db.session.commit()
    assert catalogue_bench.grow_catalogue(app, total=300)["offerings"] == 300
    assert db.session.scalar(select(func.count(Offering.id)).where(
        Offering.search_text.contains("foundations"))) > 0
    db.session.rollback()  # the benchmarks open their own app contexts (SQLite: one writer)
    assert all("median_ms" in t for t in catalogue_bench.search(app, repeat=1).values())
    assert learning_bench.recommendations(app, people=3)["runs"] == 3
    rows: list[tuple[str, str]] = []
    for module in (catalogue_bench, learning_bench):
        module.run(app, lambda section, metric, value, goal="": rows.append((section, metric)))
    assert len(rows) == 9 and all(section == "catalogue" for section, _m in rows)
