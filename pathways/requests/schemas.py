"""The learning-request API's schemas: a request and its history over JSON, in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from app.api.schema import Id, Paging, Schema, max_chars

from .models import NOTE_MAX

Status = Literal["pending", "approved", "purchased", "completed", "rejected", "cancelled",
                 "refunded"]
StageName = Literal["manager", "admin"]
# Money columns are BIGINT; a transition's amount is positive.
AmountMinor = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807)]
Note = Annotated[str, max_chars(NOTE_MAX)]


class RequestEvent(Schema):
    """One step of a request's status history."""

    action: str
    from_status: Status | None
    to_status: Status
    actor: str | None
    comment: str | None
    amount_minor: int | None
    created_at: datetime


class LearningRequest(Schema):
    """A learning request: what was asked, its price (held, captured, refunded) and history."""

    id: int
    requester_id: int
    requester: str
    kind: Literal["offering", "mentor_booking"]
    offering_id: int | None
    mentor_booking_id: int | None
    step_id: int | None
    title: str
    note: str | None
    price_minor: int
    currency: str
    captured_minor: int
    refunded_minor: int
    status: Status
    approval_chain: list[StageName]
    waiting_for: StageName | None
    provider_reference: str | None
    created_at: datetime
    history: list[RequestEvent]


class NewLearningRequest(Schema):
    """What to request: exactly one of `offering_id` and `mentor_booking_id`."""

    offering_id: Id | None = None
    mentor_booking_id: Id | None = None
    note: Note | None = Field(None, description="why this, and why now (the approver sees it)")


class RequestDecision(Schema):
    """The details of a transition; each action reads only its own."""

    comment: Note | None = None
    provider_reference: Annotated[str, max_chars(200)] | None = Field(
        None, description="purchase only")
    amount_minor: AmountMinor | None = Field(
        None, description="purchase: final price (≤ held); refund: amount (default: all that "
                          "is left)")
    evidence: Note | None = Field(None, description="complete only")


class LearningRequestQuery(Paging):
    """The filters of the list of requests."""

    status: Status | None = None
    mine: bool = Field(False, description="only your own (the default for people who approve "
                                          "nobody)")
    requester_id: Id | None = None
    team_id: Id | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _blank_is_any(cls, value: Any) -> Any:
        """`?status=` (an empty filter) means any status, as the list always took it."""
        return None if value == "" else value
