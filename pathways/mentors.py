"""Mentors: opting in, external coaches, availability, free slots and finding a mentor for a gap.

Booking, cancelling, feedback and attestation live in `pathways.mentor_bookings`.

- Weekly rules are wall-clock hours in the mentor's time zone; `slots` turns them into UTC
  instants day by day with `zoneinfo`, so a 09:00 rule is 09:00 local in winter and in summer.
  A wall-clock start that does not exist (the hour skipped when clocks go forward) is not
  offered; an ambiguous one (the hour repeated when clocks go back) is its first occurrence.
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
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Company, User, UserStatus, utcnow
from app.validators import normalise_email

from .mentor_models import (
    AvailabilityRule,
    BookingStatus,
    MentorBooking,
    MentorCapability,
    MentorKind,
    MentorProfile,
    OneOffSlot,
)
from .models import Capability

HORIZON_WEEKS = 8  # slots are offered this far ahead
RECENT_DAYS = 30  # "recent bookings" for the fair spread: the last 30 days and everything ahead
SESSION_LENGTHS = (30, 45, 60, 90, 120)
MAX_CAP = 40
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- time zones --------------------------------------------------------------------------------

def zone(name: str | None, field_name: str = "timezone") -> ZoneInfo:
    """A ZoneInfo for an IANA name, or a ValidationError naming the field."""
    try:
        if not name or "/" not in name and name != "UTC":
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"'{name}' is not a time zone; use a name like Europe/Berlin.",
                              field_name) from exc


def timezone_names() -> list[str]:
    return sorted(n for n in available_timezones() if "/" in n and not n.startswith(
        ("Etc/", "SystemV/", "posix/", "right/"))) + ["UTC"]


def to_utc(local: datetime, tz: ZoneInfo) -> datetime | None:
    """Naive UTC of a wall-clock time in `tz`; None when that wall-clock time does not exist."""
    aware = local.replace(tzinfo=tz, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # skipped by a daylight-saving jump
    return utc.replace(tzinfo=None)


def local(utc_naive: datetime, tz: ZoneInfo) -> datetime:
    return utc_naive.replace(tzinfo=UTC).astimezone(tz)


# --- profiles ----------------------------------------------------------------------------------

@dataclass
class ProfileData:
    timezone: str
    monthly_cap: int
    session_minutes: int = 60
    bio: str | None = None
    active: bool = True


@dataclass
class CoachData(ProfileData):
    name: str = ""
    email: str = ""
    hourly_rate_minor: int = 0
    currency: str = ""
    organisation: str | None = None


def _check_profile(data: ProfileData) -> None:
    zone(data.timezone)
    if not isinstance(data.monthly_cap, int) or not 1 <= data.monthly_cap <= MAX_CAP:
        raise ValidationError(f"The monthly cap is a number of sessions from 1 to {MAX_CAP}.",
                              "monthly_cap")
    if data.session_minutes not in SESSION_LENGTHS:
        raise ValidationError("A session lasts " + ", ".join(map(str, SESSION_LENGTHS))
                              + " minutes.", "session_minutes")
    if data.bio and len(data.bio) > 2000:
        raise ValidationError("Keep the introduction under 2,000 characters.", "bio")


def profile_of(user: User) -> MentorProfile | None:
    return db.session.scalar(select(MentorProfile).where(
        MentorProfile.company_id == user.company_id, MentorProfile.user_id == user.id))


def opt_in(actor: User, data: ProfileData) -> MentorProfile:
    """The actor becomes (or stays) a mentor with these settings; `active=False` opts out."""
    _check_profile(data)
    if actor.status != UserStatus.ACTIVE.value:
        raise ValidationError("People who left cannot mentor.")
    profile = profile_of(actor)
    before = {} if profile is None else _settings(profile)
    if profile is None:
        profile = MentorProfile(company_id=actor.company_id, user_id=actor.id,
                                kind=MentorKind.INTERNAL.value, hourly_rate_minor=0)
        db.session.add(profile)
    _apply(profile, data)
    db.session.flush()
    audit.record(actor, actor.company_id, "mentor.opt_in" if data.active else "mentor.opt_out",
                 "mentor", profile.id, f"{actor.name} {'mentors' if data.active else 'paused'}",
                 audit.diff(before, _settings(profile)))
    return profile


def opt_out(actor: User) -> MentorProfile:
    profile = profile_of(actor)
    if profile is None:
        raise ValidationError("You are not a mentor.")
    return opt_in(actor, ProfileData(profile.timezone, profile.monthly_cap,
                                     profile.session_minutes, profile.bio, active=False))


def _apply(profile: MentorProfile, data: ProfileData) -> None:
    profile.timezone = data.timezone
    profile.monthly_cap = data.monthly_cap
    profile.session_minutes = data.session_minutes
    profile.bio = (data.bio or "").strip() or None
    profile.active = bool(data.active)


def _settings(p: MentorProfile) -> dict[str, object]:
    return {"timezone": p.timezone, "monthly_cap": p.monthly_cap, "active": p.active,
            "session_minutes": p.session_minutes, "hourly_rate_minor": p.hourly_rate_minor,
            "external_name": p.external_name, "external_email": p.external_email}


def save_coach(actor: User, data: CoachData, coach: MentorProfile | None = None) -> MentorProfile:
    """An admin adds or edits an external coach (name, e-mail, hourly rate in minor units)."""
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an L&D admin adds and edits external coaches.")
    if coach is not None and (coach.company_id != actor.company_id or not coach.is_external):
        raise PermissionDenied("That is not one of your company's external coaches.")
    name, email, rate, currency = check_coach(actor.company_id, data, coach)
    before = {} if coach is None else _settings(coach)
    if coach is None:
        coach = MentorProfile(company_id=actor.company_id, kind=MentorKind.EXTERNAL.value)
        db.session.add(coach)
    _apply(coach, data)
    coach.external_name, coach.external_email = name, email
    coach.organisation = (data.organisation or "").strip() or None
    coach.hourly_rate_minor, coach.currency = rate, currency
    db.session.flush()
    audit.record(actor, actor.company_id, "mentor.coach_saved", "mentor", coach.id,
                 f"External coach {name}", audit.diff(before, _settings(coach)))
    return coach


def check_coach(company_id: int, data: CoachData, coach: MentorProfile | None = None
                ) -> tuple[str, str, int, str]:
    """Validate a coach (writes nothing): the clean name, e-mail, rate and currency."""
    _check_profile(data)
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError("Give the coach's name (at most 200 characters).", "name")
    email = normalise_email(data.email or "", "email")
    rate = data.hourly_rate_minor
    if not isinstance(rate, int) or isinstance(rate, bool) or not 0 < rate <= 100_000_000:
        raise ValidationError("The hourly rate is a positive amount in minor units "
                              "(e.g. 12000 for 120.00).", "hourly_rate_minor")
    company = db.session.get(Company, company_id)
    assert company is not None
    currency = (data.currency or company.currency).upper()
    if currency != company.currency:
        raise ValidationError(f"Coaches are paid from learning budgets in {company.currency}; "
                              f"give the rate in {company.currency}.", "currency")
    duplicate = db.session.scalar(select(MentorProfile.id).where(
        MentorProfile.company_id == company_id, MentorProfile.external_email == email,
        MentorProfile.id != (coach.id if coach else -1)))
    if duplicate:
        raise Conflict(f"A coach with the e-mail {email} already exists.", "email")
    return name, email, rate, currency


def check_can_manage(actor: User, mentor: MentorProfile) -> None:
    """The mentor edits their own profile and availability; admins edit any of the company's."""
    if mentor.company_id != actor.company_id:
        raise PermissionDenied("That mentor belongs to another company.")
    if mentor.user_id != actor.id and not actor.has_role("admin"):
        raise PermissionDenied("Only the mentor and L&D admins change a mentor's availability.")


def offer_capability(actor: User, mentor: MentorProfile, capability: Capability,
                     level: int) -> MentorCapability:
    """Offer (or change the level of) a capability; at most the mentor's own level internally."""
    check_can_manage(actor, mentor)
    if capability.company_id != mentor.company_id:
        raise PermissionDenied("That capability belongs to another company.", "capability_id")
    if capability.retired:
        raise ValidationError(f"'{capability.name}' is retired.", "capability_id")
    top = capability.framework.scale.max_level
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= top:
        raise ValidationError(f"Choose a level from 1 to {top}.", "level")
    row = db.session.get(MentorCapability, (mentor.id, capability.id))
    if row is None:
        row = MentorCapability(mentor_id=mentor.id, capability_id=capability.id,
                               company_id=mentor.company_id, level=level)
        db.session.add(row)
    row.level = level
    db.session.flush()
    db.session.expire(mentor, ["capabilities"])
    audit.record(actor, mentor.company_id, "mentor.capability", "mentor", mentor.id,
                 f"{mentor.name} offers {capability.name} at level {level}")
    return row


def withdraw_capability(actor: User, mentor: MentorProfile, capability_id: int) -> None:
    check_can_manage(actor, mentor)
    row = db.session.get(MentorCapability, (mentor.id, capability_id))
    if row is None:
        raise ValidationError("That capability is not offered.", "capability_id")
    db.session.delete(row)
    db.session.flush()
    db.session.expire(mentor, ["capabilities"])


# --- availability ------------------------------------------------------------------------------

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
    return [tuple(r) for r in db.session.execute(  # type: ignore[misc]
        select(MentorBooking.starts_at, MentorBooking.ends_at).where(
            MentorBooking.mentor_id == mentor_id,
            MentorBooking.status != BookingStatus.CANCELLED.value,
            MentorBooking.starts_at < end, MentorBooking.ends_at > start)).all()]


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


# --- finding a mentor --------------------------------------------------------------------------

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
                  min_level: int | None = None) -> Select:  # type: ignore[type-arg]
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


def local_time(utc_naive: datetime | None, tz: ZoneInfo, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Jinja filter: a naive UTC instant as wall-clock time in `tz`."""
    return "—" if utc_naive is None else local(utc_naive, tz).strftime(fmt)


def parse_instant(raw: Any, name: str) -> datetime:
    """An ISO 8601 instant with a time zone (or a date, meaning its midnight UTC), naive UTC."""
    if not isinstance(raw, str):
        raise ValidationError(f"'{name}' must be a string like 2026-12-07T09:00:00Z.", name)
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(f"'{name}' must be a date and time like 2026-12-07T09:00:00Z.",
                              name) from exc
    if value.tzinfo is None and "T" in raw:
        raise ValidationError(f"'{name}' needs a time zone, e.g. 2026-12-07T09:00:00Z.", name)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
