"""Posts, replies, votes, accepted answers, events and ideas over JSON (routes on the community
API blueprint). Bodies come back as Markdown and as sanitised HTML (`body_html`)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user

from app.api.plumbing import require_role
from app.api.schema import Page, operation
from app.errors import NotFound, PermissionDenied
from app.pagination import paginated
from app.tenancy import current_company, get_or_404

from . import communities, events, ideas, posts
from .api import bp, visible
from .models import Community, CommunityEvent, Idea, Post, Reply
from .schemas import (
    AcceptIn,
    EventIn,
    EventOut,
    IdeaIn,
    IdeaOut,
    IdeaQuery,
    IdeaStatusIn,
    PostDetail,
    PostIn,
    PostOut,
    PostQuery,
    ReplyIn,
    ReplyOut,
    VoteIn,
    VoteOut,
)
from .text import render


def readable_post(post_id: int) -> Post:
    post = get_or_404(Post, post_id)
    if not communities.may_read(current_user, post.community) or (
            post.hidden_at is not None and post.author_id != current_user.id
            and not communities.may_moderate(current_user, post.community)):
        raise NotFound("No such post.")
    return post


def post_json(p: Post) -> dict[str, Any]:
    names = posts.mentioned_names("post", [p.id]).get(p.id, [])
    return {"id": p.id, "community_id": p.community_id, "kind": p.kind, "title": p.title,
            "author_id": p.author_id, "author": p.author.name, "body": p.body,
            "body_html": str(render(p.body, names)), "score": p.score,
            "reply_count": p.reply_count, "accepted_reply_id": p.accepted_reply_id,
            "created_at": p.created_at, "edited_at": p.edited_at}


def reply_json(r: Reply, post: Post, names: list[str]) -> dict[str, Any]:
    return {"id": r.id, "post_id": r.post_id, "author_id": r.author_id, "author": r.author.name,
            "body": r.body, "body_html": str(render(r.body, names)), "score": r.score,
            "accepted": r.id == post.accepted_reply_id, "created_at": r.created_at,
            "edited_at": r.edited_at}


def post_detail(post: Post) -> dict[str, Any]:
    rows = posts.replies_of(post)
    names = posts.mentioned_names("reply", [r.id for r in rows])
    return post_json(post) | {"replies": [reply_json(r, post, names.get(r.id, []))
                                          for r in rows]}


@bp.get("/communities/<int:community_id>/posts")
@operation(query=PostQuery, response=Page[PostOut], tags=["communities"])
def list_posts(community_id: int, query: PostQuery) -> dict[str, Any]:
    """A community's posts and questions, newest first (members only, unless it is open)."""
    community = visible(community_id)
    if not communities.may_read(current_user, community):
        raise PermissionDenied(f"Join {community.name} to read its posts.")
    return paginated(posts.posts_query(community, query.kind), post_json, query)


@bp.post("/communities/<int:community_id>/posts")
@operation(body=PostIn, response=PostOut, status=201, tags=["communities"])
def create_post(community_id: int, body: PostIn) -> dict[str, Any]:
    """Write a post or ask a question (members)."""
    return post_json(posts.write_post(current_user, visible(community_id), body.kind, body.title,
                                      body.body))


@bp.get("/posts/<int:post_id>")
@operation(response=PostDetail, tags=["communities"])
def get_post(post_id: int) -> dict[str, Any]:
    """A post with its replies, the accepted answer first."""
    return post_detail(readable_post(post_id))


@bp.post("/posts/<int:post_id>/replies")
@operation(body=ReplyIn, response=ReplyOut, status=201, tags=["communities"])
def create_reply(post_id: int, body: ReplyIn) -> dict[str, Any]:
    """Reply to a post, or answer a question (members)."""
    post = readable_post(post_id)
    row = posts.reply(current_user, post, body.body)
    return reply_json(row, post, posts.mentioned_names("reply", [row.id]).get(row.id, []))


@bp.post("/posts/<int:post_id>/accept")
@operation(body=AcceptIn, response=PostDetail, tags=["communities"])
def accept(post_id: int, body: AcceptIn) -> dict[str, Any]:
    """Accept an answer (the asker, an owner or an admin); it is listed first."""
    return post_detail(posts.accept(current_user, readable_post(post_id), body.reply_id))


@bp.post("/posts/<int:post_id>/votes")
@operation(body=VoteIn, response=VoteOut, tags=["communities"])
def vote_post(post_id: int, body: VoteIn) -> dict[str, Any]:
    """Vote on a post: one vote per person, changeable."""
    post = readable_post(post_id)
    return {"score": posts.vote(current_user, "post", post, post.community, body.value),
            "my_vote": body.value}


@bp.post("/replies/<int:reply_id>/votes")
@operation(body=VoteIn, response=VoteOut, tags=["communities"])
def vote_reply(reply_id: int, body: VoteIn) -> dict[str, Any]:
    """Vote on a reply: one vote per person, changeable."""
    row = get_or_404(Reply, reply_id)
    post = readable_post(row.post_id)
    if row.hidden_at is not None:
        raise NotFound("No such reply.")
    return {"score": posts.vote(current_user, "reply", row, post.community, body.value),
            "my_vote": body.value}


# --- events ---------------------------------------------------------------------------------

def event_json(e: CommunityEvent) -> dict[str, Any]:
    return {"id": e.id, "community_id": e.community_id, "title": e.title, "kind": e.kind,
            "starts_at": e.starts_at, "ends_at": e.ends_at, "timezone": e.timezone,
            "capacity": e.capacity, "going": e.going, "online_url": e.online_url,
            "place": e.place, "i_am_going": events.rsvp_of(current_user, e) is not None,
            "ics_url": url_for("events.ics", event_id=e.id)}


def readable_community(community_id: int) -> Community:
    community = visible(community_id)
    if not communities.may_read(current_user, community):
        raise PermissionDenied(f"Join {community.name} to see its events.")
    return community


@bp.get("/communities/<int:community_id>/events")
@operation(response=list[EventOut], tags=["communities"])
def list_events(community_id: int) -> list[dict[str, Any]]:
    """The community's upcoming events, soonest first."""
    community = readable_community(community_id)
    return [event_json(e) for e in events.upcoming(community, limit=100)]


@bp.post("/communities/<int:community_id>/events")
@operation(body=EventIn, response=EventOut, status=201, tags=["communities"])
def create_event(community_id: int, body: EventIn) -> dict[str, Any]:
    """Schedule an event (members); the time is read in `timezone`."""
    community = visible(community_id)
    return event_json(events.schedule(current_user, community, events.EventData(
        body.title, body.kind, body.starts_at, body.minutes, body.timezone, body.capacity,
        body.online_url, body.place, body.description)))


@bp.post("/events/<int:event_id>/rsvp")
@operation(response=EventOut, status=201, tags=["communities"])
def rsvp(event_id: int) -> dict[str, Any]:
    """Take a seat; 409 when the event is full."""
    event = get_or_404(CommunityEvent, event_id)
    if not communities.may_read(current_user, event.community):
        raise NotFound("No such event.")
    events.rsvp(current_user, event)
    return event_json(event)


# --- ideas ----------------------------------------------------------------------------------

def idea_json(i: Idea) -> dict[str, Any]:
    return {"id": i.id, "title": i.title, "why": i.why, "capability_id": i.capability_id,
            "author_id": i.author_id, "author": i.author.name, "status": i.status,
            "response": i.response, "offering_id": i.offering_id, "pathway_id": i.pathway_id,
            "score": i.score, "comment_count": i.comment_count, "created_at": i.created_at}


@bp.get("/ideas")
@operation(query=IdeaQuery, response=Page[IdeaOut], tags=["ideas"])
def list_ideas(query: IdeaQuery) -> dict[str, Any]:
    """The company's ideas board, most votes first."""
    return paginated(ideas.ideas_query(current_company().id, query.status), idea_json, query)


@bp.post("/ideas")
@operation(body=IdeaIn, response=IdeaOut, status=201, tags=["ideas"])
def create_idea(body: IdeaIn) -> dict[str, Any]:
    """Propose learning the company should offer."""
    return idea_json(ideas.propose(current_user, body.title, body.why, body.capability_id))


@bp.post("/ideas/<int:idea_id>/votes")
@operation(body=VoteIn, response=VoteOut, tags=["ideas"])
def vote_idea(idea_id: int, body: VoteIn) -> dict[str, Any]:
    """Vote on an idea: one vote per person, changeable."""
    idea = get_or_404(Idea, idea_id)
    return {"score": posts.vote(current_user, "idea", idea, None, body.value),
            "my_vote": body.value}


@bp.post("/ideas/<int:idea_id>/status")
@operation(body=IdeaStatusIn, response=IdeaOut, tags=["ideas"])
def answer_idea(idea_id: int, body: IdeaStatusIn) -> dict[str, Any]:
    """L&D's answer (admin): planned, added (with what it became) or declined (with why)."""
    idea = get_or_404(Idea, idea_id)
    require_role("admin")
    return idea_json(ideas.answer(current_user, idea, body.status, body.response,
                                  body.offering_id, body.pathway_id))
