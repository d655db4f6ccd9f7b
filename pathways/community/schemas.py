"""The community API's schemas: communities and members, posts and replies, votes, events,
ideas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.api.schema import Id, Paging, Schema, max_chars, required_chars

VisibilityName = Literal["open", "request", "private"]
KindName = Literal["post", "question"]
IdeaStatusName = Literal["open", "planned", "added", "declined"]
EventKindName = Literal["talk", "workshop", "study_group", "office_hours"]


class CapabilityRef(Schema):
    id: int
    name: str


class CommunityOut(Schema):
    """A community the caller may see."""

    id: int
    name: str
    topic: str | None
    description: str
    visibility: VisibilityName
    status: Literal["pending", "active", "declined"]
    capabilities: list[CapabilityRef]
    member_count: int
    my_status: Literal["member", "requested", "invited"] | None
    i_own: bool
    created_at: datetime


class CommunityQuery(Paging):
    q: Annotated[str, max_chars(100)] | None = Field(None, description="search name and topic")
    capability_id: Id | None = Field(None, description="communities about this capability")


class NewCommunity(Schema):
    """A community to propose: about capabilities, a free topic, or both."""

    name: Annotated[str, required_chars(120)]
    description: Annotated[str, max_chars(5000)] = ""
    topic: Annotated[str, max_chars(200)] | None = None
    visibility: VisibilityName = "open"
    capability_ids: list[Id] = Field(default_factory=list, max_length=50)


class CommunityChange(Schema):
    """The fields to change (owners and admins)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, required_chars(120)] | None = None
    description: Annotated[str, max_chars(5000)] | None = None
    topic: Annotated[str, max_chars(200)] | None = None
    visibility: VisibilityName | None = None
    capability_ids: list[Id] | None = Field(None, max_length=50)


class MemberIn(Schema):
    """Without `user_id`: join (or ask to join, or accept an invitation) yourself. With it: an
    owner admits that person's request or invites them."""

    user_id: Id | None = None


class MemberOut(Schema):
    community_id: int
    user_id: int
    name: str
    status: Literal["member", "requested", "invited"]
    owner: bool


class PostIn(Schema):
    kind: KindName = "post"
    title: Annotated[str, required_chars(200)]
    body: Annotated[str, max_chars(20_000)] = Field("", description="Markdown")


class PostQuery(Paging):
    kind: KindName | None = None


class ReplyIn(Schema):
    body: Annotated[str, required_chars(20_000)] = Field(description="Markdown")


class ReplyOut(Schema):
    id: int
    post_id: int
    author_id: int
    author: str
    body: str
    body_html: str = Field(description="the Markdown rendered and sanitised")
    score: int
    accepted: bool
    created_at: datetime
    edited_at: datetime | None


class PostOut(Schema):
    id: int
    community_id: int
    kind: KindName
    title: str
    author_id: int
    author: str
    body: str
    body_html: str = Field(description="the Markdown rendered and sanitised")
    score: int
    reply_count: int
    accepted_reply_id: int | None
    created_at: datetime
    edited_at: datetime | None


class PostDetail(PostOut):
    """A post with its replies, the accepted answer first."""

    replies: list[ReplyOut]


class AcceptIn(Schema):
    reply_id: Id


class VoteIn(Schema):
    value: Literal[1, -1]


class VoteOut(Schema):
    score: int
    my_vote: Literal[1, -1]


class EventIn(Schema):
    """`starts_at` is the wall-clock time in `timezone` (the organiser's zone)."""

    title: Annotated[str, required_chars(200)]
    kind: EventKindName = "talk"
    starts_at: datetime = Field(description="local time in `timezone`, e.g. 2026-03-02T17:00")
    minutes: int = Field(60, ge=15, le=720)
    timezone: Annotated[str, required_chars(60)]
    capacity: int | None = Field(None, ge=1, le=10_000)
    online_url: Annotated[str, max_chars(500)] | None = None
    place: Annotated[str, max_chars(200)] | None = None
    description: Annotated[str, max_chars(5000)] = ""


class EventOut(Schema):
    id: int
    community_id: int
    title: str
    kind: EventKindName
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    timezone: str
    capacity: int | None
    going: int
    online_url: str | None
    place: str | None
    i_am_going: bool
    ics_url: str


class IdeaIn(Schema):
    title: Annotated[str, required_chars(200)]
    why: Annotated[str, required_chars(5000)]
    capability_id: Id | None = None


class IdeaQuery(Paging):
    status: IdeaStatusName | None = None


class IdeaOut(Schema):
    id: int
    title: str
    why: str
    capability_id: int | None
    author_id: int
    author: str
    status: IdeaStatusName
    response: str | None
    offering_id: int | None
    pathway_id: int | None
    score: int
    comment_count: int
    created_at: datetime


class IdeaStatusIn(Schema):
    """L&D's answer; `added` names the offering or pathway, `declined` needs a `response`."""

    status: IdeaStatusName
    response: Annotated[str, max_chars(2000)] | None = None
    offering_id: Id | None = None
    pathway_id: Id | None = None


class Mentionable(Schema):
    id: int
    name: str
    mention: str


class MentionableList(Schema):
    items: list[Mentionable]
