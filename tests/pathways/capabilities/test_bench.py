"""The benchmark functions run end to end on a small demo (timings are not asserted)."""

from __future__ import annotations

import pytest

from app import demo
from app.extensions import db
from pathways.capabilities import bench


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the benchmark's SQL is the same on both engines, and `make bench` with
    BENCH_DATABASE_URL measures PostgreSQL; running on both engines doubled one of the
    slowest tests."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_bench_functions_run_on_a_small_demo(app):
    demo.seed(30, say=lambda m: None)
    db.session.commit()
    rows: list[tuple[str, str]] = []
    assert set(bench.capability_page(app, repeat=1)) >= {"median_ms", "p95_ms"}
    assert bench.team_heatmap(app, repeat=1)["runs"] == 1
    assert "by_team_median_ms" in bench.coverage_all(app, repeat=1)
    assert bench.import_capabilities(app, rows=200)["rows"] == 200
    bench.run(app, lambda section, metric, value, goal="": rows.append((section, metric)))
    assert len(rows) == 8 and all(section == "pathways" for section, _m in rows)
