"""Posts, questions and replies: writing, editing (with history), voting, accepting an answer,
hiding (owners and admins, with a reason, audited) and reporting; mentions are recorded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, case, func, select, update

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, UserStatus, utcnow

from . import communities
from .models import (
    Community,
    ContentReport,
    Idea,
    Membership,
    MemberStatus,
    Mention,
    Post,
    PostKind,
    Reply,
    Revision,
    Vote,
)
from .text import mention_names

KINDS = tuple(k.value for k in PostKind)
BODY_MAX = 20_000
TARGETS = {"post": Post, "reply": Reply, "idea": Idea}


def clean_text(value: str | None, name: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"The {name} cannot be empty.", name)
    if len(value) > limit:
        raise ValidationError(f"The {name} can be at most {limit:,} characters.", name)
    if "\x00" in value:
        raise ValidationError(f"The {name} cannot contain NUL characters.", name)
    return value


def posts_query(community: Community, kind: str | None = None, show_hidden: bool = False
                ) -> Select[Post]:
    query = select(Post).where(Post.community_id == community.id)
    if kind:
        query = query.where(Post.kind == kind)
    if not show_hidden:
        query = query.where(Post.hidden_at.is_(None))
    return query.order_by(Post.created_at.desc(), Post.id.desc())


def replies_of(post: Post, show_hidden: bool = False) -> Sequence[Reply]:
    """The replies, the accepted answer first, then by score and age."""
    query = select(Reply).where(Reply.post_id == post.id)
    if not show_hidden:
        query = query.where(Reply.hidden_at.is_(None))
    accepted = case((Reply.id == post.accepted_reply_id, 0), else_=1)
    return db.session.scalars(query.order_by(accepted, Reply.score.desc(), Reply.created_at,
                                             Reply.id)).all()


def mentionable(actor: User, community: Community | None = None) -> Select[Any]:
    """The people `actor` may mention: those the access policy lets them see, and the members of
    the communities they share (of `community` only, when one is given)."""
    from app.access import visible_people

    shared = select(Membership.user_id).where(Membership.status == MemberStatus.MEMBER.value)
    if community is not None:
        shared = shared.where(Membership.community_id == community.id)
    else:
        shared = shared.where(Membership.community_id.in_(select(Membership.community_id).where(
            Membership.user_id == actor.id, Membership.status == MemberStatus.MEMBER.value)))
    return select(User).where(User.company_id == actor.company_id,
                              User.status == UserStatus.ACTIVE.value,
                              visible_people(actor) | User.id.in_(shared)).order_by(User.name)


def _record_mentions(actor: User, community: Community, target_type: str, target_id: int,
                     body: str) -> list[User]:
    names = mention_names(body)
    if not names:
        return []
    people = db.session.scalars(mentionable(actor, community).where(User.name.in_(names))).all()
    known = set(db.session.scalars(select(Mention.user_id).where(
        Mention.target_type == target_type, Mention.target_id == target_id)))
    for person in people:
        if person.id not in known and person.id != actor.id:
            db.session.add(Mention(company_id=actor.company_id, target_type=target_type,
                                   target_id=target_id, user_id=person.id))
    return list(people)


def mentioned_names(target_type: str, ids: Sequence[int]) -> dict[int, list[str]]:
    """For rendering: the names mentioned in each target."""
    if not ids:
        return {}
    rows = db.session.execute(select(Mention.target_id, User.name).join(
        User, User.id == Mention.user_id).where(Mention.target_type == target_type,
                                                Mention.target_id.in_(list(ids))))
    found: dict[int, list[str]] = {}
    for target_id, name in rows:
        found.setdefault(target_id, []).append(name)
    return found


def write_post(actor: User, community: Community, kind: str, title: str, body: str) -> Post:
    communities.require_member(actor, community)
    if kind not in KINDS:
        raise ValidationError("Kind must be post or question.", "kind")
    post = Post(company_id=community.company_id, community_id=community.id, author_id=actor.id,
                kind=kind, title=clean_text(title, "title", 200), body=clean_text(body, "body", BODY_MAX,
                                                                        required=False))
    db.session.add(post)
    db.session.flush()
    _record_mentions(actor, community, "post", post.id, post.body)
    db.session.flush()
    return post


def reply(actor: User, post: Post, body: str) -> Reply:
    communities.require_member(actor, post.community)
    if post.hidden_at is not None:
        raise Conflict("This post is hidden; it takes no replies.")
    row = Reply(company_id=post.company_id, post_id=post.id, author_id=actor.id,
                body=clean_text(body, "body", BODY_MAX))
    db.session.add(row)
    post.reply_count = (post.reply_count or 0) + 1
    db.session.flush()
    _record_mentions(actor, post.community, "reply", row.id, row.body)
    db.session.flush()
    return row


def edit_post(actor: User, post: Post, title: str, body: str) -> Post:
    if actor.id != post.author_id:
        raise PermissionDenied("Only the author edits a post.")
    title, body = clean_text(title, "title", 200), clean_text(body, "body", BODY_MAX, required=False)
    if (title, body) == (post.title, post.body):
        return post
    db.session.add(Revision(company_id=post.company_id, target_type="post", target_id=post.id,
                            title=post.title, body=post.body, editor_id=actor.id))
    post.title, post.body, post.edited_at = title, body, utcnow()
    _record_mentions(actor, post.community, "post", post.id, body)
    db.session.flush()
    return post


def edit_reply(actor: User, row: Reply, post: Post, body: str) -> Reply:
    if actor.id != row.author_id:
        raise PermissionDenied("Only the author edits a reply.")
    body = clean_text(body, "body", BODY_MAX)
    if body == row.body:
        return row
    db.session.add(Revision(company_id=row.company_id, target_type="reply", target_id=row.id,
                            body=row.body, editor_id=actor.id))
    row.body, row.edited_at = body, utcnow()
    _record_mentions(actor, post.community, "reply", row.id, body)
    db.session.flush()
    return row


def history(target_type: str, target_id: int) -> Sequence[Revision]:
    return db.session.scalars(select(Revision).where(
        Revision.target_type == target_type, Revision.target_id == target_id)
        .order_by(Revision.created_at, Revision.id)).all()


def accept(actor: User, post: Post, reply_id: int) -> Post:
    """The asker (or an owner or admin) accepts one answer; it is shown first."""
    if not post.is_question:
        raise Conflict("Only a question has an accepted answer.")
    if actor.id != post.author_id and not communities.may_moderate(actor, post.community):
        raise PermissionDenied("Only the asker or the community's owners accept an answer.")
    row = db.session.get(Reply, reply_id)
    if row is None or row.post_id != post.id or row.hidden_at is not None:
        raise ValidationError("Choose an answer to this question.", "reply_id")
    post.accepted_reply_id = row.id
    db.session.flush()
    return post


def vote(actor: User, target_type: str, target: Post | Reply | Idea, community: Community | None,
         value: int) -> int:
    """One vote per person and target, changeable (a repeat of the same value changes nothing).
    Returns the target's new score."""
    if value not in (1, -1):
        raise ValidationError("A vote is 1 or -1.", "value")
    if community is not None:
        communities.require_member(actor, community)
    if getattr(target, "author_id", None) == actor.id:
        raise PermissionDenied("You cannot vote on what you wrote.")
    model = TARGETS[target_type]
    row = db.session.scalar(select(Vote).where(Vote.user_id == actor.id,
                                               Vote.target_type == target_type,
                                               Vote.target_id == target.id))
    delta = value if row is None else value - row.value
    if row is None:
        db.session.add(Vote(company_id=actor.company_id, user_id=actor.id,
                            target_type=target_type, target_id=target.id, value=value))
    else:
        row.value = value
    if delta:
        # Added in SQL, so two people voting at once do not overwrite each other's vote.
        db.session.execute(update(model).where(model.id == target.id)  # type: ignore[attr-defined]
                           .values(score=model.score + delta))  # type: ignore[attr-defined]
    db.session.flush()
    db.session.refresh(target)
    return target.score


def my_votes(actor: User, target_type: str, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Vote.target_id, Vote.value).where(
        Vote.user_id == actor.id, Vote.target_type == target_type,
        Vote.target_id.in_(list(ids)))).all())


def hide(actor: User, community: Community, target_type: str, target: Post | Reply,
         reason: str) -> None:
    """Owners and admins hide a post or reply with a reason; the audit log keeps who and why."""
    if not communities.may_moderate(actor, community):
        raise PermissionDenied("Only the community's owners and admins hide posts.")
    reason = clean_text(reason, "reason", 300)
    target.hidden_at, target.hidden_reason = utcnow(), reason
    audit.record(actor, community.company_id, f"community.hide_{target_type}", target_type,
                 target.id, f"Hid a {target_type} in {community.name}: {reason}")
    db.session.execute(update(ContentReport).where(
        ContentReport.target_type == target_type, ContentReport.target_id == target.id,
        ContentReport.resolved_at.is_(None)).values(resolved_at=utcnow()))
    db.session.flush()


def report(actor: User, community: Community, target_type: str, target: Post | Reply,
           reason: str) -> ContentReport:
    """Anyone who can read it reports a post or reply (once)."""
    if not communities.may_read(actor, community):
        raise PermissionDenied("You cannot report this.")
    reason = clean_text(reason, "reason", 300)
    existing: ContentReport | None = db.session.scalar(select(ContentReport).where(
        ContentReport.reporter_id == actor.id, ContentReport.target_type == target_type,
        ContentReport.target_id == target.id))
    if existing is not None:
        return existing
    row = ContentReport(company_id=community.company_id, community_id=community.id,
                        target_type=target_type, target_id=target.id, reporter_id=actor.id,
                        reason=reason)
    db.session.add(row)
    db.session.flush()
    return row


def open_reports(community: Community) -> Sequence[ContentReport]:
    return db.session.scalars(select(ContentReport).where(
        ContentReport.community_id == community.id, ContentReport.resolved_at.is_(None))
        .order_by(ContentReport.created_at)).all()


def counts(community: Community) -> tuple[int, int]:
    """(questions, answered questions) of a community, hidden ones left out."""
    row = db.session.execute(select(
        func.count(Post.id), func.count(Post.accepted_reply_id)).where(
        Post.community_id == community.id, Post.kind == PostKind.QUESTION.value,
        Post.hidden_at.is_(None))).one()
    return int(row[0]), int(row[1])
