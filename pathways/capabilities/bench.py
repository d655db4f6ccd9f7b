"""Benchmarks of capability maps, returning timings in milliseconds (for scripts/bench.py).

Each function runs inside an app context on a database that holds the demo data
(`seed_demo(app, 10_000)` makes the 10,000-employee Acme Robotics). Targets (issue 3):
capability page and team heatmap well under 100 ms in-process, coverage for all capabilities
under 1 s, importing 14,000 capabilities under 10 s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from app import demo
from app.extensions import db
from app.models import Company


def _acme() -> Company:
    """The demo company the benchmarks run on (`make bench` seeds it first)."""
    acme: Company | None = db.session.scalar(select(Company).where(Company.slug == "acme"))
    assert acme is not None, "seed the demo data first"
    return acme


def _timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    fn()  # warm up: templates compiled, caches filled
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return {"median_ms": round(statistics.median(runs), 1),
            "p95_ms": round(runs[max(0, int(len(runs) * 0.95) - 1)], 1),
            "max_ms": round(runs[-1], 1), "runs": repeat}


def seed_demo(app: Flask, employees: int = 10_000) -> dict[str, float]:
    """Seed the demo companies (people + capability maps) and commit; returns the time."""
    start = time.perf_counter()
    with app.app_context():
        demo.seed(employees, say=lambda m: None)
        db.session.commit()
    return {"seconds": round(time.perf_counter() - start, 2), "employees": employees}


def _client_as(app: Flask, email: str) -> Any:
    user = demo.person(email)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def _page(app: Flask, email: str, url: str, repeat: int) -> dict[str, float]:
    with app.app_context():
        client = _client_as(app, email)

        def render() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return _timed(render, repeat)


def capability_page(app: Flask, repeat: int = 30) -> dict[str, float]:
    """GET /me/capabilities for employee@acme.test, in-process through the test client."""
    return _page(app, "employee@acme.test", "/me/capabilities", repeat)


def team_heatmap(app: Flask, repeat: int = 30) -> dict[str, float]:
    """GET /team/capabilities for manager@acme.test (1 in 7 of Acme reports to them)."""
    return _page(app, "manager@acme.test", "/team/capabilities", repeat)


def coverage_all(app: Flask, repeat: int = 10) -> dict[str, float]:
    """Company coverage for every required capability, in SQL (the service, no HTML)."""
    from . import gaps

    with app.app_context():
        acme = _acme()
        result = _timed(lambda: gaps.coverage(acme.id), repeat)
        by_team = _timed(lambda: gaps.coverage(acme.id, by_team=True), repeat)
        return result | {"by_team_median_ms": by_team["median_ms"]}


def coverage_page(app: Flask, repeat: int = 10) -> dict[str, float]:
    """GET /capabilities/coverage for exec@acme.test (chart, per capability, per team)."""
    return _page(app, "exec@acme.test", "/capabilities/coverage", repeat)


def import_capabilities(app: Flask, rows: int = 14_000) -> dict[str, float]:
    """Parse and apply a CSV of `rows` capabilities (with level descriptors) into a new
    framework of Globex; rolled back afterwards so the database is unchanged."""
    from . import framework_import

    lines = ["category,name,description,external_id,level_1,level_3,level_5"]
    for i in range(rows):
        lines.append(f"Group {i % 40},Skill {i},Description of skill {i},"
                     f"http://data.europa.eu/esco/skill/{i:08d},Basic {i},Solid {i},Expert {i}")
    text = "\n".join(lines) + "\n"
    with app.app_context():
        actor = demo.person("hr@globex.test")
        start = time.perf_counter()
        plan = framework_import.parse(actor.company_id, text, "esco.csv", "ESCO skills", None)
        parsed = time.perf_counter()
        assert plan.ok, plan.errors[:3]
        framework_import.apply(actor, plan)
        db.session.flush()
        done = time.perf_counter()
        again = framework_import.parse(actor.company_id, text, "esco.csv", "ESCO skills", None)
        reparsed = time.perf_counter()
        assert again.ok and again.unchanged == rows
        db.session.rollback()
    return {"rows": rows, "parse_s": round(parsed - start, 2), "apply_s": round(done - parsed, 2),
            "total_s": round(done - start, 2), "reimport_preview_s": round(reparsed - done, 2)}


def run_all(app: Flask) -> dict[str, dict[str, float]]:
    """Every benchmark above, on a database already seeded with `seed_demo`."""
    return {"capability_page": capability_page(app), "team_heatmap": team_heatmap(app),
            "coverage_all": coverage_all(app), "coverage_page": coverage_page(app),
            "import_14000": import_capabilities(app)}


def run(app: Flask, record: Callable[[str, str, float | str, str], None]) -> None:
    """Hook for scripts/bench.py: `record(section, metric, seconds_or_value, goal)` per row."""
    page, team = capability_page(app), team_heatmap(app)
    record("pathways", "GET /me/capabilities (employee, levels + gaps + charts)",
           page["median_ms"] / 1000, "well under 100 ms")
    record("pathways", "GET /team/capabilities (manager of ~1,400 reports, heatmap page)",
           team["median_ms"] / 1000, "well under 100 ms")
    coverage = coverage_all(app)
    record("pathways", "coverage of every required capability, company-wide (SQL)",
           coverage["median_ms"] / 1000, "< 1 s")
    record("pathways", "coverage per team × capability (SQL)",
           coverage["by_team_median_ms"] / 1000, "< 1 s")
    record("pathways", "GET /capabilities/coverage (executive)",
           coverage_page(app)["median_ms"] / 1000, "")
    imported = import_capabilities(app)
    record("pathways", "framework CSV import, 14,000 capabilities: validate",
           imported["parse_s"], "")
    record("pathways", "framework CSV import, 14,000 capabilities: total",
           imported["total_s"], "< 10 s")
    record("pathways", "framework CSV re-import preview, 14,000 unchanged",
           imported["reimport_preview_s"], "")
