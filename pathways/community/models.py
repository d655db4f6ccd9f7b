"""The learning network's tables: communities, members, posts and replies, votes, edit history,
reports, mentions, the ideas board, events and their RSVPs, and the company's settings."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models import User, utcnow
from pathways.capabilities.models import Capability


class Visibility(enum.StrEnum):
    OPEN = "open"  # anyone in the company joins
    REQUEST = "request"  # anyone asks, an owner admits
    PRIVATE = "private"  # invited only; invisible to everyone else


class CommunityStatus(enum.StrEnum):
    PENDING = "pending"  # proposed, waiting for an admin (when the company requires approval)
    ACTIVE = "active"
    DECLINED = "declined"


class MemberStatus(enum.StrEnum):
    MEMBER = "member"
    REQUESTED = "requested"  # asked to join a by-request community
    INVITED = "invited"  # invited by an owner, not yet accepted


class PostKind(enum.StrEnum):
    POST = "post"
    QUESTION = "question"


class IdeaStatus(enum.StrEnum):
    OPEN = "open"
    PLANNED = "planned"
    ADDED = "added"
    DECLINED = "declined"


class CommunitySettings(Model):
    """Per-company settings of the learning network (absent means the defaults)."""

    __tablename__ = "community_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    # When set, a community proposed by someone other than an admin waits for an admin.
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # When set, an accepted answer may count as peer evidence (not built yet; default off).
    accepted_answer_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Community(Model):
    """A community of practice about capabilities or a free topic."""

    __tablename__ = "communities"
    __table_args__ = (
        UniqueConstraint("company_id", "name"),
        Index("ix_communities_company_status", "company_id", "status", "visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.OPEN.value)
    status: Mapped[str] = mapped_column(String(10), default=CommunityStatus.ACTIVE.value)
    decline_reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()
    capability_links: Mapped[list[CommunityCapability]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def capabilities(self) -> list[Capability]:
        return sorted((link.capability for link in self.capability_links), key=lambda c: c.name)

    @property
    def active(self) -> bool:
        return self.status == CommunityStatus.ACTIVE.value


class CommunityCapability(Model):
    __tablename__ = "community_capabilities"
    __table_args__ = (Index("ix_community_capabilities_capability", "company_id",
                            "capability_id"),)

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))

    capability: Mapped[Capability] = relationship(lazy="joined")


class Membership(Model):
    """A person in a community: a member (owner or not), an open request, or an invitation."""

    __tablename__ = "community_members"
    __table_args__ = (
        Index("ix_community_members_user", "company_id", "user_id", "status"),
        Index("ix_community_members_community", "community_id", "status", "joined_at"),
    )

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    status: Mapped[str] = mapped_column(String(10), default=MemberStatus.MEMBER.value)
    owner: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Post(Model):
    """A post or a question in a community; Markdown, rendered and sanitised when shown."""

    __tablename__ = "community_posts"
    __table_args__ = (Index("ix_community_posts_community", "community_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10), default=PostKind.POST.value)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[int] = mapped_column(Integer, default=0)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    # No foreign key: replies reference posts, and a cycle of keys complicates every migration;
    # posts.accept checks the reply belongs to the post.
    accepted_reply_id: Mapped[int | None] = mapped_column(Integer)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    community: Mapped[Community] = relationship()

    @property
    def is_question(self) -> bool:
        return self.kind == PostKind.QUESTION.value


class Reply(Model):
    """A reply to a post (an answer, when the post is a question)."""

    __tablename__ = "community_replies"
    __table_args__ = (Index("ix_community_replies_post", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("community_posts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer, default=0)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class Vote(Model):
    """One person's vote (+1 or −1) on a post, a reply or an idea; changing it updates the row."""

    __tablename__ = "community_votes"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_id"),
                      Index("ix_community_votes_target", "target_type", "target_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_type: Mapped[str] = mapped_column(String(10))  # post, reply, idea
    target_id: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Revision(Model):
    """The text of a post or reply before an edit (the edit history, oldest first)."""

    __tablename__ = "community_revisions"
    __table_args__ = (Index("ix_community_revisions_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    editor: Mapped[User] = relationship()


class ContentReport(Model):
    """Someone flagged a post or reply for the owners and admins to look at."""

    __tablename__ = "community_reports"
    __table_args__ = (UniqueConstraint("reporter_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    reporter: Mapped[User] = relationship()


class Mention(Model):
    """`@[Name]` in a post or reply that names a person (kept for their notifications)."""

    __tablename__ = "community_mentions"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Idea(Model):
    """A proposal on the company's ideas board: a programme or course the company should offer."""

    __tablename__ = "community_ideas"
    __table_args__ = (Index("ix_community_ideas_company_status", "company_id", "status",
                            "score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    capability_id: Mapped[int | None] = mapped_column(ForeignKey("capabilities.id"))
    why: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=IdeaStatus.OPEN.value)
    response: Mapped[str | None] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_offerings.id"))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("learning_pathways.id"))
    score: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])
    capability: Mapped[Capability | None] = relationship()


class IdeaComment(Model):
    __tablename__ = "community_idea_comments"
    __table_args__ = (Index("ix_community_idea_comments_idea", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("community_ideas.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class CommunityEvent(Model):
    """A talk, workshop, study group or office hours of a community.

    `starts_at`/`ends_at` are UTC; `timezone` is the organiser's zone the time was entered in.
    `going` counts the RSVPs and is only raised by a guarded UPDATE (`going < capacity`), so
    simultaneous RSVPs can never exceed the capacity.
    """

    __tablename__ = "community_events"
    __table_args__ = (Index("ix_community_events_community", "community_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), default="talk")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    timezone: Mapped[str] = mapped_column(String(60))
    capacity: Mapped[int | None] = mapped_column(Integer)
    going: Mapped[int] = mapped_column(Integer, default=0)
    online_url: Mapped[str | None] = mapped_column(String(500))
    place: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organiser: Mapped[User] = relationship(lazy="joined")
    community: Mapped[Community] = relationship()


class EventRsvp(Model):
    __tablename__ = "community_event_rsvps"

    event_id: Mapped[int] = mapped_column(ForeignKey("community_events.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Follow(Model):
    """Someone follows a community or a thread (a post); notifications come from what they follow."""

    __tablename__ = "community_follows"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_id"),
                      Index("ix_community_follows_target", "target_type", "target_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_type: Mapped[str] = mapped_column(String(10))  # community, post
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notification(Model):
    """One line in a person's in-app list; `emailed_at` is set once a digest or e-mail carried it."""

    __tablename__ = "community_notifications"
    __table_args__ = (Index("ix_community_notifications_user", "user_id", "read_at",
                            "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reply, answer_accepted, mention, post, event
    text: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class NotificationPreference(Model):
    """How a person wants their notifications by e-mail: never, instantly, daily or weekly."""

    __tablename__ = "community_notification_prefs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    email: Mapped[str] = mapped_column(String(10), default="weekly")
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime)
