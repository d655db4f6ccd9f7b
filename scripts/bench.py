#!/usr/bin/env python
"""Benchmarks: build a 10,000-employee demo company and time what people wait for.

Writes docs/PERFORMANCE.md. Run with `make bench`. `BENCH_DATABASE_URL=postgresql://…` runs the
same measurements on PostgreSQL (the database is emptied first). Each package may add a
`bench.py` with `run(app, record)`; `record(section, metric, seconds_or_value, goal)` adds a row.
"""

from __future__ import annotations

import importlib
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRELLIS_INSTANCE_PATH", tempfile.mkdtemp(prefix="trellis-bench-"))

EMPLOYEES = int(os.environ.get("BENCH_EMPLOYEES", "10000"))
Row = tuple[str, str, str, str]
rows: list[Row] = []


def record(section: str, metric: str, value: float | str, goal: str = "") -> None:
    shown = f"{value * 1000:.1f} ms" if isinstance(value, float) else str(value)
    rows.append((section, metric, shown, goal))
    print(f"{section:<14} {metric:<60} {shown:>12}  {goal}", flush=True)


def timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_app(database_url: str) -> Any:
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "HUEY_IMMEDIATE": True,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
    return app


def shell_benchmarks(app: Any) -> None:
    from app import demo
    from app.extensions import db
    from app.people import importer

    with app.app_context():
        seconds = timed(lambda: (demo.seed(EMPLOYEES, say=lambda _m: None), db.session.commit()))
        record("shell", f"seed-demo --employees {EMPLOYEES} (all packages' demo data)", seconds,
               "seconds, bulk inserts")
        admin = demo.person("hr@acme.test")
        header = "email,name,team,manager_email,job_title,access_roles,start_date\n"
        body = "".join(f"new{i}@acme.test,New Person {i},Imported {i % 25},hr@acme.test,Engineer,"
                       f"employee,2026-01-01\n" for i in range(10_000))
        started = time.perf_counter()
        plan = importer.parse(admin.company_id, header + body)
        parsed = time.perf_counter()
        importer.apply(admin, plan)
        db.session.commit()
        done = time.perf_counter()
        record("shell", "people CSV import, 10,000 rows: validate", parsed - started, "")
        record("shell", "people CSV import, 10,000 rows: write", done - parsed, "")
        record("shell", "people CSV import, 10,000 rows: total", done - started, "< 10 s")
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load: fresh planner statistics
            # (without them PostgreSQL plans the report and recommendation queries for
            # empty tables).
            from sqlalchemy import text

            db.session.execute(text("ANALYZE"))
            db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": "hr@acme.test", "password": demo.DEMO_PASSWORD})
        for url in ("/people", "/people?q=lovelace", "/people?page=200", "/home", "/teams"):
            record("shell", f"GET {url} (admin, 20,000 people)",
                   timed(lambda u=url: client.get(u), repeat=15), "< 100 ms")


def package_benchmarks(app: Any) -> None:
    for name in ("billing.bench", "pathways.capabilities.bench", "pathways.catalogue.bench",
                 "pathways.learning.bench", "pathways.mentoring.bench", "pathways.requests.bench",
                 "reports.bench"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        with app.app_context():
            module.run(app, record)


def write_report(database: str, load_before: tuple[float, float, float]) -> None:
    load_after = os.getloadavg()
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (scripts/bench.py) on the demo company grown to "
        f"{EMPLOYEES:,} employees, in-process (Flask test client, no network), on {database}.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Times are medians where a page was loaded "
        "repeatedly. Goals come from the issues; tests never assert wall-clock times.",
        f"Machine load (1-minute average) {load_before[0]:.1f} at the start and "
        f"{load_after[0]:.1f} at the end: above {os.cpu_count()} the run shared the CPU with other "
        "work and the times are inflated accordingly.",
        "",
        "| area | measurement | result | goal |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {m} | {v} | {g} |" for a, m, v, g in rows]
    lines.append("")
    out = ROOT / "docs" / ("PERFORMANCE.md" if database.startswith("SQLite")
                           else "PERFORMANCE-postgresql.md")
    out.write_text("\n".join(lines))
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        from app.config import normalise_database_url

        url, label = normalise_database_url(url), "PostgreSQL"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='trellis-bench-db-')}/bench.sqlite3"
        label = "SQLite (WAL, a file on local disk)"
    load_before = os.getloadavg()
    app = build_app(url)
    shell_benchmarks(app)
    package_benchmarks(app)
    write_report(label, load_before)


if __name__ == "__main__":
    main()
