"""Finding a mentor for a gap, and what a session costs.

- `mentors_for_gap` lists active mentors offering the capability at or above the target level,
  outside the employee's reporting line (not themselves, nobody above them in the management
  chain, none of their direct or indirect reports); fewer recent sessions first, then a
  per-employee deterministic shuffle, so a few popular mentors are not asked by everyone.
  Mentors at their monthly cap this month come after all the others (soonest next free slot
  first), each with their next bookable slot in a month where they are under the cap.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import User, UserStatus, utcnow
from pathways.capabilities.models import Capability

from .availability import Slot, free_slots, month_bounds
from .mentors import zone
from .models import (
    BookingStatus,
    MentorBooking,
    MentorCapability,
    MentorProfile,
)

RECENT_DAYS = 30  # "recent bookings" for the fair spread: the last 30 days and everything ahead


def _chain_above(employee: User) -> set[int]:
    """The employee and everyone above them in the management chain (a handful of ids)."""
    ids = {employee.id}
    manager_id, seen = employee.manager_id, 0
    while manager_id is not None and manager_id not in ids and seen < 100:
        ids.add(manager_id)
        manager_id = db.session.scalar(select(User.manager_id).where(User.id == manager_id))
        seen += 1
    return ids


def _reports_below(employee: User) -> Select[tuple[int]]:
    """Everyone who reports to the employee, directly or not (a recursive query)."""
    below = select(User.id).where(User.manager_id == employee.id,
                                  User.company_id == employee.company_id).cte(
        "reports", recursive=True)
    child = aliased(User)
    below = below.union(select(child.id).join(below, child.manager_id == below.c.id))
    return select(below.c.id)


def _mentors_below(employee: User) -> Select[tuple[int]]:
    """User ids of the company's mentors who report to the employee, directly or not: each
    mentor's management chain walked upwards (mentors × chain length rows, however large
    the employee's own organisation is)."""
    mentor_users = select(MentorProfile.user_id).where(
        MentorProfile.company_id == employee.company_id, MentorProfile.user_id.is_not(None))
    chain = (select(User.id.label("mentor"), User.manager_id.label("boss"))
             .where(User.id.in_(mentor_users), User.manager_id.is_not(None))
             .cte("mentor_chain", recursive=True))
    boss = aliased(User)
    chain = chain.union(select(chain.c.mentor, boss.manager_id)
                        .join(boss, boss.id == chain.c.boss)
                        .where(boss.manager_id.is_not(None)))
    return select(chain.c.mentor).where(chain.c.boss == employee.id)


def reporting_line(employee: User) -> set[int]:
    """The employee, everyone above them in the management chain and all their reports."""
    return _chain_above(employee) | set(db.session.scalars(_reports_below(employee)))


@dataclass(frozen=True)
class MentorMatch:
    mentor: MentorProfile
    level: int
    recent_sessions: int
    sessions_this_month: int
    # At their monthly cap this month: listed after the others, with the first slot they can
    # take in a month under the cap (None when there is none within the booking horizon).
    at_cap: bool = False
    next_slot: Slot | None = None

    @property
    def price_per_session_minor(self) -> int:
        return session_price_minor(self.mentor, self.mentor.session_minutes)


def session_price_minor(mentor: MentorProfile, minutes: int) -> int:
    """0 with an internal mentor; hourly rate × duration, rounded half up, with a coach."""
    if not mentor.is_external:
        return 0
    return (mentor.hourly_rate_minor * minutes + 30) // 60


def booking_price_minor(booking: MentorBooking) -> int:
    """What the session costs in minor units of `booking.currency` (fixed when it was booked)."""
    return booking.price_minor


def _tie_break(employee_id: int, mentor_id: int) -> str:
    return hashlib.sha256(f"{employee_id}:{mentor_id}".encode()).hexdigest()


def mentors_query(company_id: int, capability_id: int | None = None,
                  min_level: int | None = None) -> Select[MentorProfile]:
    """Active mentors of the company (optionally offering a capability at ≥ min_level)."""
    query = (select(MentorProfile).outerjoin(User, User.id == MentorProfile.user_id)
             .where(MentorProfile.company_id == company_id, MentorProfile.active.is_(True),
                    or_(MentorProfile.user_id.is_(None), User.status == UserStatus.ACTIVE.value)))
    if capability_id is not None:
        query = query.where(MentorProfile.id.in_(select(MentorCapability.mentor_id).where(
            MentorCapability.company_id == company_id,
            MentorCapability.capability_id == capability_id,
            MentorCapability.level >= (min_level or 0))))
    elif min_level:
        query = query.where(MentorProfile.id.in_(select(MentorCapability.mentor_id).where(
            MentorCapability.company_id == company_id, MentorCapability.level >= min_level)))
    return query.order_by(func.coalesce(User.name, MentorProfile.external_name),
                          MentorProfile.id)


def mentors_for_gap(employee: User, capability: Capability, target_level: int,
                    now: datetime | None = None) -> list[MentorMatch]:
    """Mentors who can take `employee` to `target_level` in `capability`, fairest first."""
    now = now or utcnow()
    # The reporting line stays in SQL: a manager's can be thousands of ids, too many to send
    # as parameters; and only the mentors' own chains are walked, not the whole organisation.
    above, below = _chain_above(employee), _mentors_below(employee)
    recent = (select(MentorBooking.mentor_id, func.count(MentorBooking.id).label("n"))
              .where(MentorBooking.company_id == employee.company_id,
                     MentorBooking.status != BookingStatus.CANCELLED.value,
                     MentorBooking.starts_at >= now - timedelta(days=RECENT_DAYS))
              .group_by(MentorBooking.mentor_id).subquery())
    rows = db.session.execute(
        mentors_query(employee.company_id).join(MentorCapability, and_(
            MentorCapability.mentor_id == MentorProfile.id,
            MentorCapability.capability_id == capability.id))
        .outerjoin(recent, recent.c.mentor_id == MentorProfile.id)
        .where(MentorCapability.level >= target_level,
               or_(MentorProfile.user_id.is_(None),
                   and_(MentorProfile.user_id.not_in(above),
                        MentorProfile.user_id.not_in(below))))
        .add_columns(MentorCapability.level, func.coalesce(recent.c.n, literal(0)))
        .order_by(None)).all()
    if not rows:
        return []
    month = _month_counts([r[0] for r in rows], now)
    matches = []
    for m, lv, n in rows:
        used = month.get(m.id, 0)
        if used < m.monthly_cap:
            matches.append(MentorMatch(m, lv, n, used))
        else:  # only the full ones need their slots computed
            nxt = next(iter(free_slots(m, now=now)), None)
            matches.append(MentorMatch(m, lv, n, used, True, nxt))
    far = datetime.max
    return sorted(matches, key=lambda x: (
        x.at_cap, (x.next_slot.starts_at if x.next_slot else far) if x.at_cap else far,
        x.recent_sessions, _tie_break(employee.id, x.mentor.id)))


def _month_counts(mentors: list[MentorProfile], now: datetime) -> dict[int, int]:
    """Sessions per mentor in the calendar month (mentor's time zone) containing `now`."""
    # Bounds differ per time zone, so count the widest window in SQL and split per mentor here.
    lo = now - timedelta(days=32)
    hi = now + timedelta(days=32)
    rows = db.session.execute(select(MentorBooking.mentor_id, MentorBooking.starts_at).where(
        MentorBooking.mentor_id.in_([m.id for m in mentors]),
        MentorBooking.status != BookingStatus.CANCELLED.value,
        MentorBooking.starts_at >= lo, MentorBooking.starts_at < hi)).all()
    bounds = {m.id: month_bounds(now, zone(m.timezone)) for m in mentors}
    counts: dict[int, int] = {}
    for mentor_id, starts in rows:
        a, b = bounds[mentor_id]
        if a <= starts < b:
            counts[mentor_id] = counts.get(mentor_id, 0) + 1
    return counts
