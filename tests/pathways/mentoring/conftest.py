"""Mentoring fixtures: a company with capabilities, mentors with weekly hours, a clock.

Slots are computed from the real clock (bookings must lie ahead of it), so the tests pick
"next Monday" and similar days relative to today rather than fixed dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Company, User, utcnow
from pathways.capabilities.models import Capability
from pathways.mentoring import availability, bookings, mentors
from pathways.mentoring.models import MentorBooking, MentorProfile


def next_weekday(weekday: int, weeks: int = 1) -> datetime:
    """Midnight (UTC) of the given weekday at least `weeks` weeks from now (0 = Monday)."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    days = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=days + 7 * (weeks - 1))


@pytest.fixture
def acme(make_company) -> Company:
    return make_company("Acme Robotics", "acme", timezone="Europe/London")


@pytest.fixture
def globex(make_company) -> Company:
    return make_company("Globex", "globex")


@pytest.fixture
def admin(acme, make_user) -> User:
    return make_user(acme, roles=("admin", "employee"), name="Hana Admin", email="hr@acme.test")


@pytest.fixture
def cap(acme, make_capability) -> Capability:
    return make_capability(acme, "Stakeholder management")


@pytest.fixture
def make_mentor(app: Flask) -> Callable[..., MentorProfile]:
    """An internal mentor offering capabilities, with weekly hours (mentor's wall clock)."""

    def factory(user: User, offers: dict[Capability, int] | None = None,
                tz: str = "Europe/London", cap: int = 4, minutes: int = 60,
                hours: list[tuple[int, str, str]] | None = None) -> MentorProfile:
        profile = mentors.opt_in(user, mentors.ProfileData(tz, cap, minutes, "Happy to help."))
        for capability, level in (offers or {}).items():
            mentors.offer_capability(user, profile, capability, level)
        for weekday, start, end in hours if hours is not None else [(0, "09:00", "12:00")]:
            availability.add_rule(user, profile, weekday, time.fromisoformat(start),
                             time.fromisoformat(end))
        db.session.commit()
        return profile

    return factory


@pytest.fixture
def make_coach(app: Flask) -> Callable[..., MentorProfile]:
    def factory(admin: User, name: str = "Cora Coach", rate: int = 12_000,
                offers: dict[Capability, int] | None = None, tz: str = "Europe/Berlin",
                hours: list[tuple[int, str, str]] | None = None, **kw: Any) -> MentorProfile:
        coach = mentors.save_coach(admin, mentors.CoachData(
            tz, kw.pop("cap", 8), kw.pop("minutes", 60), None, True, name=name,
            email=kw.pop("email", f"{name.split()[0].lower()}@coaching.test"),
            hourly_rate_minor=rate, currency=kw.pop("currency", "")))
        for capability, level in (offers or {}).items():
            mentors.offer_capability(admin, coach, capability, level)
        for weekday, start, end in hours if hours is not None else [(1, "14:00", "17:00")]:
            availability.add_rule(admin, coach, weekday, time.fromisoformat(start),
                             time.fromisoformat(end))
        db.session.commit()
        return coach

    return factory


@pytest.fixture
def past_session(app: Flask) -> Callable[..., MentorBooking]:
    """A session that already took place: booked through the service with an earlier clock."""

    def factory(mentee: User, mentor: MentorProfile, capability: Capability | None = None,
                days_ago: int = 3) -> MentorBooking:
        then = utcnow() - timedelta(days=days_ago + 7)
        slot = availability.free_slots(mentor, now=then)[0]
        assert slot.ends_at < utcnow(), "the fixture needs a slot in the past"
        booking = bookings.book(mentee, mentor, slot.starts_at, capability, now=then)
        db.session.commit()
        return booking

    return factory
