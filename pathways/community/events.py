"""Community events: scheduling (in the organiser's zone, stored in UTC, shown in each viewer's),
RSVPs that never exceed the capacity, cancelling an RSVP, attendance, and the `.ics` file.

The capacity holds under simultaneous RSVPs because a seat is taken by one guarded statement,
`UPDATE community_events SET going = going + 1 WHERE id = :id AND going < capacity`: the
database runs it atomically (PostgreSQL locks the row; SQLite's writers take turns), and a
zero row count means the event is full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import delete, select, update

from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.mail import external_url
from app.models import User, utcnow
from pathways.catalogue.offerings import check_url
from pathways.mentoring.calendar import viewer_zone
from pathways.mentoring.mentors import local, to_utc, zone

from . import communities
from .models import Community, CommunityEvent, EventRsvp
from .posts import clean_text

__all__ = ["viewer_zone", "local"]
KINDS = {"talk": "Talk", "workshop": "Workshop", "study_group": "Study group",
         "office_hours": "Office hours"}
PRODID = "-//Trellis//Community events//EN"


@dataclass
class EventData:
    title: str
    kind: str
    starts_local: datetime  # wall-clock time in `timezone`
    minutes: int
    timezone: str
    capacity: int | None = None
    online_url: str | None = None
    place: str | None = None
    description: str = ""


def schedule(actor: User, community: Community, data: EventData) -> CommunityEvent:
    """A member (owners and admins included) schedules an event of the community."""
    communities.require_member(actor, community)
    if data.kind not in KINDS:
        raise ValidationError(f"Kind must be one of {', '.join(KINDS)}.", "kind")
    tz = zone(data.timezone)
    starts = to_utc(data.starts_local.replace(tzinfo=None), tz)
    if starts is None:
        raise ValidationError("That time does not exist in this time zone (a clock change).",
                              "starts_at")
    if starts <= utcnow():
        raise ValidationError("Schedule the event in the future.", "starts_at")
    if not 15 <= data.minutes <= 12 * 60:
        raise ValidationError("An event lasts between 15 minutes and 12 hours.", "minutes")
    if data.capacity is not None and not 1 <= data.capacity <= 10_000:
        raise ValidationError("Capacity is between 1 and 10,000 (or empty for no limit).",
                              "capacity")
    url = check_url((data.online_url or "").strip() or None, "online_url")
    place = clean_text(data.place, "place", 200, required=False) or None
    if not url and not place:
        raise ValidationError("Give an online link or a place.", "place")
    event = CommunityEvent(
        company_id=community.company_id, community_id=community.id, organiser_id=actor.id,
        kind=data.kind, title=clean_text(data.title, "title", 200),
        description=clean_text(data.description, "description", 5_000, required=False),
        starts_at=starts, ends_at=starts + timedelta(minutes=data.minutes), timezone=tz.key,
        capacity=data.capacity, online_url=url, place=place)
    db.session.add(event)
    db.session.flush()
    return event


def upcoming(community: Community, limit: int = 5) -> Sequence[CommunityEvent]:
    return db.session.scalars(select(CommunityEvent).where(
        CommunityEvent.community_id == community.id, CommunityEvent.ends_at > utcnow())
        .order_by(CommunityEvent.starts_at).limit(limit)).all()


def events_query(community: Community, past: bool = False):  # type: ignore[no-untyped-def]
    now = utcnow()
    query = select(CommunityEvent).where(CommunityEvent.community_id == community.id)
    if past:
        return query.where(CommunityEvent.ends_at <= now).order_by(CommunityEvent.starts_at.desc())
    return query.where(CommunityEvent.ends_at > now).order_by(CommunityEvent.starts_at)


def rsvp_of(actor: User, event: CommunityEvent) -> EventRsvp | None:
    return db.session.get(EventRsvp, (event.id, actor.id))


def rsvp(actor: User, event: CommunityEvent) -> EventRsvp:
    """Take a seat (members only); refused when the event is full or over."""
    communities.require_member(actor, event.community)
    if event.ends_at <= utcnow():
        raise Conflict("This event is over.")
    existing = rsvp_of(actor, event)
    if existing is not None:
        return existing
    guard = update(CommunityEvent).where(CommunityEvent.id == event.id)
    if event.capacity is not None:
        guard = guard.where(CommunityEvent.going < CommunityEvent.capacity)
    taken = db.session.execute(guard.values(going=CommunityEvent.going + 1))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This event is full.")
    row = EventRsvp(event_id=event.id, user_id=actor.id, company_id=event.company_id)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(event)
    return row


def cancel_rsvp(actor: User, event: CommunityEvent) -> None:
    if rsvp_of(actor, event) is None:
        return
    db.session.execute(delete(EventRsvp).where(EventRsvp.event_id == event.id,
                                               EventRsvp.user_id == actor.id))
    db.session.execute(update(CommunityEvent).where(CommunityEvent.id == event.id)
                       .values(going=CommunityEvent.going - 1))
    db.session.flush()
    db.session.refresh(event)


def attendees(event: CommunityEvent) -> Sequence[EventRsvp]:
    return db.session.scalars(select(EventRsvp).where(EventRsvp.event_id == event.id)
                              .order_by(EventRsvp.created_at)).all()


def mark_attended(actor: User, event: CommunityEvent, user_ids: set[int]) -> int:
    """After the event, the organiser (or an owner) marks who came."""
    if actor.id != event.organiser_id and not communities.may_moderate(actor, event.community):
        raise PermissionDenied("Only the organiser marks attendance.")
    if event.starts_at > utcnow():
        raise Conflict("Attendance is marked once the event has started.")
    rows = attendees(event)
    for row in rows:
        row.attended = row.user_id in user_ids
    db.session.flush()
    return sum(1 for r in rows if r.attended)


def when(event: CommunityEvent, tz: ZoneInfo) -> str:
    """The event's time in the viewer's zone, with the organiser's when they differ."""
    start, end = local(event.starts_at, tz), local(event.ends_at, tz)
    text = f"{start:%a %d %b %Y, %H:%M}–{end:%H:%M} ({tz.key})"
    if tz.key != event.timezone:
        theirs = local(event.starts_at, zone(event.timezone))
        text += f" · {theirs:%H:%M} {event.timezone} for the organiser"
    return text


def ics(event: CommunityEvent) -> bytes:
    """The event as an RFC 5545 calendar (times in UTC)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = Event()
    item.add("uid", f"community-event-{event.id}@trellis")
    item.add("dtstamp", utcnow().replace(tzinfo=UTC))
    item.add("dtstart", event.starts_at.replace(tzinfo=UTC))
    item.add("dtend", event.ends_at.replace(tzinfo=UTC))
    item.add("summary", f"{event.title} ({event.community.name})")
    lines = [event.description or "", external_url("events.show", event_id=event.id)]
    if event.online_url:
        lines.append(f"Join: {event.online_url}")
    item.add("description", "\n\n".join(line for line in lines if line))
    item.add("location", event.place or event.online_url or "")
    organiser = vCalAddress(f"mailto:{event.organiser.email}")
    organiser.params["cn"] = vText(event.organiser.name)
    item.add("organizer", organiser)
    cal.add_component(item)
    return bytes(cal.to_ical())
