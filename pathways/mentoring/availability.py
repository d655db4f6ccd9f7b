"""A mentor's availability: weekly rules, one-off windows, and the free slots they offer.

- Weekly rules are wall-clock hours in the mentor's time zone; `offered` turns them into UTC
  instants day by day with `zoneinfo`, so a 09:00 rule is 09:00 local in winter and in summer.
  A wall-clock start that does not exist (the hour skipped when clocks go forward) is not
  offered; an ambiguous one (the hour repeated when clocks go back) is its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, utcnow

from .mentors import WEEKDAYS, check_can_manage, local, to_utc, zone
from .models import (
    AvailabilityRule,
    BookingStatus,
    MentorBooking,
    MentorProfile,
    OneOffSlot,
)

HORIZON_WEEKS = 8  # slots are offered this far ahead


def add_rule(actor: User, mentor: MentorProfile, weekday: int, start: time,
             end: time) -> AvailabilityRule:
    """Weekly hours (wall-clock, mentor's time zone); no overlap with the mentor's other rules."""
    check_can_manage(actor, mentor)
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValidationError("Choose a day of the week.", "weekday")
    if not start or not end or end <= start:
        raise ValidationError("The end time must be after the start time.", "end_time")
    if (datetime.combine(date.min, end) - datetime.combine(date.min, start)) < timedelta(
            minutes=mentor.session_minutes):
        raise ValidationError(f"Leave room for at least one {mentor.session_minutes}-minute "
                              "session.", "end_time")
    clash = db.session.scalar(select(AvailabilityRule.id).where(
        AvailabilityRule.mentor_id == mentor.id, AvailabilityRule.weekday == weekday,
        AvailabilityRule.start_time < end, AvailabilityRule.end_time > start))
    if clash:
        raise ValidationError(f"That overlaps hours you already offer on {WEEKDAYS[weekday]}.",
                              "start_time")
    rule = AvailabilityRule(company_id=mentor.company_id, mentor_id=mentor.id, weekday=weekday,
                            start_time=start, end_time=end)
    db.session.add(rule)
    db.session.flush()
    return rule


def add_one_off(actor: User, mentor: MentorProfile, day: date, start: time, end: time,
                now: datetime | None = None) -> OneOffSlot:
    """A one-off window on `day`, wall-clock in the mentor's time zone."""
    check_can_manage(actor, mentor)
    tz = zone(mentor.timezone)
    if not day:
        raise ValidationError("Choose a date.", "date")
    if not start or not end or end <= start:
        raise ValidationError("The end time must be after the start time.", "end_time")
    starts, ends = to_utc(datetime.combine(day, start), tz), to_utc(datetime.combine(day, end), tz)
    if starts is None or ends is None:
        raise ValidationError(f"That time does not exist in {mentor.timezone} on {day} (the "
                              "clocks change); choose another.", "start_time")
    if ends - starts < timedelta(minutes=mentor.session_minutes):
        raise ValidationError(f"Leave room for at least one {mentor.session_minutes}-minute "
                              "session.", "end_time")
    now = now or utcnow()
    if starts <= now:
        raise ValidationError("A one-off slot must be in the future.", "date")
    if starts > now + timedelta(weeks=HORIZON_WEEKS):
        raise ValidationError(f"Slots are offered up to {HORIZON_WEEKS} weeks ahead.", "date")
    slot = OneOffSlot(company_id=mentor.company_id, mentor_id=mentor.id, starts_at=starts,
                      ends_at=ends)
    db.session.add(slot)
    db.session.flush()
    return slot


def remove_availability(actor: User, mentor: MentorProfile, row: AvailabilityRule | OneOffSlot
                        ) -> None:
    """Existing bookings stay; only slots not yet booked disappear."""
    check_can_manage(actor, mentor)
    if row.mentor_id != mentor.id:
        raise PermissionDenied("That availability belongs to another mentor.")
    db.session.delete(row)
    db.session.flush()


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # naive UTC
    ends_at: datetime

    def local(self, tz: ZoneInfo) -> datetime:
        return local(self.starts_at, tz)


def offered(mentor: MentorProfile, start: datetime, end: datetime) -> list[Slot]:
    """Every slot the mentor's rules and one-off windows offer in [start, end) (naive UTC),
    booked or not, sorted and without duplicates."""
    tz = zone(mentor.timezone)
    length = timedelta(minutes=mentor.session_minutes)
    starts: set[datetime] = set()
    rules = db.session.scalars(select(AvailabilityRule).where(
        AvailabilityRule.mentor_id == mentor.id)).all()
    day, last = local(start, tz).date() - timedelta(days=1), local(end, tz).date()
    while day <= last:
        for rule in rules:
            if rule.weekday != day.weekday():
                continue
            t, stop = datetime.combine(day, rule.start_time), datetime.combine(day, rule.end_time)
            while t + length <= stop:
                utc = to_utc(t, tz)
                if utc is not None:
                    starts.add(utc)
                t += length
        day += timedelta(days=1)
    for window in db.session.scalars(select(OneOffSlot).where(
            OneOffSlot.mentor_id == mentor.id, OneOffSlot.ends_at > start,
            OneOffSlot.starts_at < end)):
        t = window.starts_at
        while t + length <= window.ends_at:
            starts.add(t)
            t += length
    return [Slot(s, s + length) for s in sorted(starts) if start <= s < end]


def active_bookings(mentor_id: int, start: datetime, end: datetime) -> list[tuple[datetime,
                                                                                  datetime]]:
    return [(s, e) for s, e in db.session.execute(
        select(MentorBooking.starts_at, MentorBooking.ends_at).where(
            MentorBooking.mentor_id == mentor_id,
            MentorBooking.status != BookingStatus.CANCELLED.value,
            MentorBooking.starts_at < end, MentorBooking.ends_at > start))]


def month_bounds(at: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar month (in `tz`) containing `at`, as naive UTC bounds."""
    loc = local(at, tz)
    first = datetime(loc.year, loc.month, 1)
    nxt = datetime(loc.year + (loc.month == 12), loc.month % 12 + 1, 1)
    return (to_utc(first, tz) or first), (to_utc(nxt, tz) or nxt)


def sessions_in_month(mentor: MentorProfile, at: datetime) -> int:
    lo, hi = month_bounds(at, zone(mentor.timezone))
    return db.session.scalar(select(func.count(MentorBooking.id)).where(
        MentorBooking.mentor_id == mentor.id,
        MentorBooking.status != BookingStatus.CANCELLED.value,
        MentorBooking.starts_at >= lo, MentorBooking.starts_at < hi)) or 0


def free_slots(mentor: MentorProfile, start: datetime | None = None, end: datetime | None = None,
               now: datetime | None = None) -> list[Slot]:
    """Bookable slots: offered, in the future, within the horizon, not overlapping a booking,
    and in a month where the mentor is still under their cap."""
    now = now or utcnow()
    start = max(start or now, now)
    end = min(end or now + timedelta(weeks=HORIZON_WEEKS), now + timedelta(weeks=HORIZON_WEEKS))
    if end <= start or not mentor.active:
        return []
    booked = active_bookings(mentor.id, start, end)
    tz = zone(mentor.timezone)
    full: dict[tuple[int, int], bool] = {}
    out = []
    for slot in offered(mentor, start, end):
        if any(s < slot.ends_at and e > slot.starts_at for s, e in booked):
            continue
        loc = local(slot.starts_at, tz)
        key = (loc.year, loc.month)
        if key not in full:
            full[key] = sessions_in_month(mentor, slot.starts_at) >= mentor.monthly_cap
        if not full[key]:
            out.append(slot)
    return out
