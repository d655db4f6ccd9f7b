"""Benchmarks of mentoring on the 10,000-employee demo company (for scripts/bench.py).

Finding mentors for a gap (reporting-line exclusion with a recursive CTE, fair-spread counts in
SQL), a mentor's free slots over the 8-week horizon, the find and mentor pages, and one booking
(rolled back) including the lock, the checks and the two invitations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from app import demo
from app.extensions import db
from pathways.capabilities.bench import _page, _timed
from pathways.capabilities.models import Capability

from . import availability, bookings, matching
from .models import MentorCapability, MentorProfile

REPEAT = 30  # runs per measurement (the test lowers it)


def _capability_with_most_mentors() -> Capability:
    from sqlalchemy import func

    cap_id = db.session.scalar(select(MentorCapability.capability_id).group_by(
        MentorCapability.capability_id).order_by(func.count().desc(),
                                                 MentorCapability.capability_id).limit(1))
    return db.session.get_one(Capability, cap_id)


def measure(app: Flask, repeat: int | None = None) -> dict[str, dict[str, float]]:
    repeat = repeat or REPEAT
    with app.app_context():
        emma, boss = demo.person("employee@acme.test"), demo.person("manager@acme.test")
        cap = _capability_with_most_mentors()
        mentor = db.session.scalars(select(MentorProfile).order_by(MentorProfile.id).limit(1)).one()
        out = {
            "gap_employee": _timed(lambda: matching.mentors_for_gap(emma, cap, 2), repeat),
            "gap_manager": _timed(lambda: matching.mentors_for_gap(boss, cap, 2), repeat),
            "free_slots": _timed(lambda: availability.free_slots(mentor), repeat),
        }

        def book_and_roll_back() -> None:
            slot = availability.free_slots(mentor)[-1]
            bookings.book(emma, mentor, slot.starts_at)
            db.session.rollback()

        out["book"] = _timed(book_and_roll_back, min(10, repeat))
        cap_id, mentor_id = cap.id, mentor.id
    out["find_page"] = _page(app, "employee@acme.test", f"/mentoring?capability={cap_id}",
                             repeat)
    out["mentor_page"] = _page(app, "employee@acme.test", f"/mentoring/mentors/{mentor_id}",
                               repeat)
    return out


def run(app: Flask, record: Callable[[str, str, float | str, str], None]) -> None:
    """Hook for scripts/bench.py: `record(section, metric, seconds_or_value, goal)` per row."""
    m: dict[str, Any] = measure(app)
    record("mentoring", "mentors_for_gap (employee)", m["gap_employee"]["median_ms"] / 1000,
           "< 50 ms")
    record("mentoring", "mentors_for_gap (manager of ~1,400: reporting-line CTE)",
           m["gap_manager"]["median_ms"] / 1000, "< 50 ms")
    record("mentoring", "free slots of one mentor, 8 weeks ahead",
           m["free_slots"]["median_ms"] / 1000, "< 50 ms")
    record("mentoring", "book a slot (lock, checks, 2 invitations; rolled back)",
           m["book"]["median_ms"] / 1000, "< 100 ms")
    record("mentoring", "GET /mentoring?capability= (find a mentor)",
           m["find_page"]["median_ms"] / 1000, "< 100 ms")
    record("mentoring", "GET /mentoring/mentors/<id> (a week of slots)",
           m["mentor_page"]["median_ms"] / 1000, "< 100 ms")
