"""The mentoring API's schemas: mentors, free slots and bookings, in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field
from pydantic.config import JsonDict

from app.api.schema import Id, Paging, Schema, max_chars

MentorKindName = Literal["internal", "external"]
BookingStatusName = Literal["booked", "cancelled", "completed"]
LEVEL_MAX = 100  # a scale's own top level is checked by the service
TEXT_MAX = 2000  # agenda, feedback and attestation notes: the forms' bound on these Text columns
REASON_MAX = 1000
# An ISO 8601 instant as text: the service also takes a bare date (its midnight, UTC).
INSTANT: JsonDict = {"format": "date-time"}


class OfferedCapability(Schema):
    capability_id: int
    capability: str
    level: int


class Mentor(Schema):
    """An internal mentor or an external coach, with what a session costs."""

    id: int
    kind: MentorKindName
    name: str
    user_id: int | None
    organisation: str | None
    bio: str | None
    timezone: str
    session_minutes: int
    monthly_cap: int
    active: bool
    hourly_rate_minor: int
    session_price_minor: int
    currency: str
    capabilities: list[OfferedCapability]


class MentorPage(Schema):
    """A page of mentors."""

    items: list[Mentor]
    page: int
    per_page: int
    total: int
    pages: int


class MentorQuery(Paging):
    capability_id: Id | None = None
    min_level: int | None = Field(None, ge=1, le=LEVEL_MAX)


class SlotQuery(Schema):
    from_: Annotated[str, max_chars(40)] | None = Field(
        None, alias="from", json_schema_extra=INSTANT, description="default: now")
    to: Annotated[str, max_chars(40)] | None = Field(
        None, json_schema_extra=INSTANT, description="default: 14 days after `from`")


class Slot(Schema):
    starts_at: datetime
    ends_at: datetime


class Slots(Schema):
    """Free slots of a mentor, soonest first."""

    mentor_id: int
    timezone: str
    items: list[Slot]


class NewBooking(Schema):
    """A free slot of a mentor to book for yourself."""

    mentor_id: Id
    starts_at: Annotated[str, max_chars(40)] = Field(json_schema_extra=INSTANT,
                                                     description="one of the slots")
    capability_id: Id | None = None
    agenda: Annotated[str, max_chars(TEXT_MAX)] | None = None
    enrolment_id: Id | None = Field(None, description="with step_id: book for a mentor-session "
                                    "step of your pathway; the held session completes it")
    step_id: Id | None = None


class BookingQuery(Paging):
    upcoming: bool = Field(True, description="false: past and cancelled sessions")


class MentorBooking(Schema):
    """A mentoring session: who, when, its price, and what came of it."""

    id: int
    mentor_id: int
    mentor: str
    mentee_id: int
    capability_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: BookingStatusName
    price_minor: int
    currency: str
    agenda: str | None
    learning_request_id: int | None
    cancelled_by_id: int | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    feedback_rating: int | None
    feedback_text: str | None
    attested_capability_id: int | None
    attested_level: int | None
    attestation_id: int | None
    enrolment_id: int | None
    step_id: int | None


class MentorBookingPage(Schema):
    """A page of bookings."""

    items: list[MentorBooking]
    page: int
    per_page: int
    total: int
    pages: int


class Cancellation(Schema):
    reason: Annotated[str, max_chars(REASON_MAX)] | None = None


class Feedback(Schema):
    rating: int = Field(ge=1, le=5)
    text: Annotated[str, max_chars(TEXT_MAX)] | None = None


class Attestation(Schema):
    capability_id: Id
    level: int = Field(ge=1, le=LEVEL_MAX)
    note: Annotated[str, max_chars(TEXT_MAX)] | None = None
