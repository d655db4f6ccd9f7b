"""Mentors: opting in, external coaches, the capabilities they offer, and their time zones.

Availability and free slots live in `availability`, finding a mentor for a gap in `matching`,
booking, cancelling, feedback and attestation in `bookings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Company, User, UserStatus
from app.validators import normalise_email
from pathways.capabilities.models import Capability

from .models import (
    MentorCapability,
    MentorKind,
    MentorProfile,
)

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
    if data.organisation and len(data.organisation.strip()) > 200:
        raise ValidationError("Keep the organisation under 200 characters.", "organisation")
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
