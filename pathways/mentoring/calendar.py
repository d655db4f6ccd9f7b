"""Calendar invitations for mentoring sessions: an RFC 5545 `.ics` per e-mail (icalendar).

The invitation (METHOD:REQUEST) and the cancellation (METHOD:CANCEL, STATUS:CANCELLED, a higher
SEQUENCE) share the booking's UID, so a calendar replaces the event rather than adding one.
E-mails are recorded in the outbox inside the caller's transaction and sent after the commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from app.mail import Attachment, external_url, queue_email
from app.models import User, utcnow

from .mentors import local, profile_of, zone
from .models import MentorBooking, MentorProfile

PRODID = "-//Trellis//Mentoring//EN"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def ics(booking: MentorBooking, method: str = "REQUEST") -> bytes:
    """The booking as a calendar with one event: an invitation, or its cancellation."""
    mentor, mentee = booking.mentor, booking.mentee
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", booking.ical_uid)
    event.add("sequence", booking.ical_sequence)
    event.add("dtstamp", utcnow().replace(tzinfo=UTC))
    event.add("dtstart", booking.starts_at.replace(tzinfo=UTC))
    event.add("dtend", booking.ends_at.replace(tzinfo=UTC))
    topic = f" on {booking.capability.name}" if booking.capability else ""
    event.add("summary", f"Mentoring{topic}: {mentee.name} with {mentor.name}")
    description = [f"Mentoring session booked in Trellis{topic}."]
    if booking.agenda:
        description.append(f"Agenda: {booking.agenda}")
    if booking.price_minor:
        description.append(f"Price: {booking.price_minor / 100:.2f} {booking.currency} "
                           "(funded through a learning request).")
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(mentor.email or "", mentor.name))
    for person_email, name in ((mentee.email, mentee.name), (mentor.email or "", mentor.name)):
        event.add("attendee", _address(person_email, name, role="REQ-PARTICIPANT",
                                       partstat="ACCEPTED", rsvp="FALSE"), encode=False)
    cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical


def viewer_zone(user: User) -> ZoneInfo:
    """The time zone a person reads times in: their mentor profile's, else the company's."""
    profile = profile_of(user)
    return zone(profile.timezone if profile else user.company.timezone)


def _when(booking: MentorBooking, tz: ZoneInfo) -> str:
    start, end = local(booking.starts_at, tz), local(booking.ends_at, tz)
    return f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M} ({tz.key})"


def _recipients(booking: MentorBooking) -> list[tuple[str, str, ZoneInfo, str]]:
    """(e-mail, name, time zone, role) of the mentee and the mentor."""
    mentor: MentorProfile = booking.mentor
    mentor_tz = zone(mentor.timezone)
    return [(booking.mentee.email, booking.mentee.name, viewer_zone(booking.mentee), "mentee"),
            (mentor.email or "", mentor.name, mentor_tz, "mentor")]


def send_invitations(booking: MentorBooking) -> None:
    link = external_url("mentoring.booking", booking_id=booking.id)
    data = ics(booking, "REQUEST")
    for email, name, tz, role in _recipients(booking):
        other = booking.mentor.name if role == "mentee" else booking.mentee.name
        body = (f"Hello {name},\n\nA mentoring session is booked with {other}:\n"
                f"{_when(booking, tz)}\n"
                + (f"Capability: {booking.capability.name}\n" if booking.capability else "")
                + (f"Agenda: {booking.agenda}\n" if booking.agenda else "")
                + f"\nThe attached invitation adds it to your calendar. Details, or to cancel:"
                  f"\n{link}\n\nTrellis")
        queue_email(email, f"Mentoring session booked: {_short(booking, tz)}", body,
                    booking.company_id, [Attachment("invite.ics", "text/calendar", data)])


def send_cancellations(booking: MentorBooking, by: User | None) -> None:
    data = ics(booking, "CANCEL")
    who = by.name if by is not None else "Trellis"
    for email, name, tz, _role in _recipients(booking):
        body = (f"Hello {name},\n\n{who} cancelled the mentoring session of "
                f"{booking.mentee.name} with {booking.mentor.name} on {_when(booking, tz)}.\n"
                + (f"Reason: {booking.cancel_reason}\n" if booking.cancel_reason else "")
                + "\nThe attached cancellation removes it from your calendar.\n\nTrellis")
        queue_email(email, f"Mentoring session cancelled: {_short(booking, tz)}", body,
                    booking.company_id, [Attachment("cancel.ics", "text/calendar", data)])


def _short(booking: MentorBooking, tz: ZoneInfo) -> str:
    start: datetime = local(booking.starts_at, tz)
    return f"{booking.mentee.name} with {booking.mentor.name}, {start:%d %b %H:%M}"
