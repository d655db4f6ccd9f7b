"""The demo mentoring: ten mentors with hours (three paid coaches), past sessions with feedback
and attestations that count as evidence, upcoming sessions, and mentors for Emma's gaps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import demo
from app.extensions import db
from app.models import OutboxMessage, utcnow
from pathways.capabilities import gaps, roles
from pathways.capabilities.models import Assessment, Capability
from pathways.mentoring import availability, matching
from pathways.mentoring.models import MentorBooking, MentorProfile


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the demo's content does not depend on the engine, and seeding on
    PostgreSQL (its COPY path) is covered by tests/app/test_cli.py."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_demo_has_ten_mentors_sessions_and_attestations(app):
    world = demo.seed(60, say=lambda m: None)
    db.session.commit()
    profiles = db.session.scalars(select(MentorProfile)).all()
    assert len(profiles) == 10
    coaches = [p for p in profiles if p.is_external]
    assert len(coaches) == 3 and all(c.hourly_rate_minor > 0 for c in coaches)
    assert all(availability.free_slots(p) for p in profiles)  # everyone has bookable hours
    now = utcnow()
    bookings = db.session.scalars(select(MentorBooking)).all()
    past = [b for b in bookings if b.ends_at <= now]
    assert len(past) >= 10 and sum(1 for b in past if b.feedback_rating) >= 10
    assert sum(1 for b in bookings if b.starts_at > now) >= 4
    attested = [b for b in past if b.attestation_id]
    assert attested and db.session.scalar(select(func.count(Assessment.id)).where(
        Assessment.source == "mentor", Assessment.reference.like("mentor-session:%"))) == len(
        attested)
    assert all(b.price_minor > 0 for b in bookings if b.mentor.is_external)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # no demo e-mails
    emma = world.people["employee@acme.test"]
    gap = next(g for g in gaps.gaps(emma, roles.assignment(emma).role) if g.gap)
    cap = db.session.get(Capability, gap.capability_id)
    assert matching.mentors_for_gap(emma, cap, gap.target)
    assert any(b.mentee_id == emma.id and b.starts_at > now for b in bookings)
