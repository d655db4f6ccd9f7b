"""Benchmark of recommendations (for scripts/bench.py), in milliseconds, on the catalogue the
catalogue benchmark grew just before (5,000 offerings). Target (issue 4): recommendations for
one employee under 100 ms. Its rows stay in the report's "catalogue" section.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Company, User, UserStatus
from pathways.capabilities.bench import _page, _timed
from pathways.capabilities.models import RoleAssignment

from . import recommend


def recommendations(app: Flask, people: int = 30) -> dict[str, float]:
    """recommend(employee) for `people` different employees with a role (service, no HTML)."""
    with app.app_context():
        acme = db.session.scalars(select(Company).where(Company.slug == "acme")).one()
        users = list(db.session.scalars(
            select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(User.company_id == acme.id, User.status == UserStatus.ACTIVE.value,
                   RoleAssignment.role_id.is_not(None)).order_by(User.id).limit(people)))
        it = iter(users * 2)
        recommend.recommend(users[0])
        return _timed(lambda: recommend.recommend(next(it)), len(users))


def run(app: Flask, record: Callable[[str, str, float | str, str], None]) -> None:
    """Hook for scripts/bench.py: `record(section, metric, seconds_or_value, goal)` per row."""
    recs = recommendations(app)
    record("catalogue", "recommendations for one employee (median of 30 people)",
           recs["median_ms"] / 1000, "< 100 ms")
    record("catalogue", "recommendations for one employee (p95)", recs["p95_ms"] / 1000,
           "< 100 ms")
    career = _page(app, "employee@acme.test", "/me/recommendations", 20)
    record("catalogue", "GET /me/recommendations (page)", career["median_ms"] / 1000, "")
