"""Communities over JSON: the list, proposing, one community, changing it, and membership.
Posts, events and ideas are in `api_posts.py`. The same service calls as the pages."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy import select

from app.api.plumbing import api_blueprint
from app.api.schema import Page, operation
from app.errors import NotFound
from app.extensions import db
from app.pagination import paginated
from app.tenancy import get_or_404

from . import communities, directory, posts
from .communities import CommunityData
from .models import Community, Membership
from .schemas import (
    CommunityChange,
    CommunityOut,
    CommunityQuery,
    MemberIn,
    MemberOut,
    MentionableList,
    NewCommunity,
)

bp = api_blueprint("community_api", __name__)


def visible(community_id: int) -> Community:
    """The community, or the API's 404 when the caller may not know of it."""
    community = get_or_404(Community, community_id)
    if not communities.may_view(current_user, community):
        raise NotFound("No such community.")
    return community


def community_json(c: Community) -> dict[str, Any]:
    mine = communities.membership(current_user, c)
    return {"id": c.id, "name": c.name, "topic": c.topic, "description": c.description,
            "visibility": c.visibility, "status": c.status,
            "capabilities": [{"id": cap.id, "name": cap.name} for cap in c.capabilities],
            "member_count": communities.member_count(c),
            "my_status": mine.status if mine else None,
            "i_own": bool(mine and mine.owner and mine.status == "member"),
            "created_at": c.created_at}


def member_json(m: Membership) -> dict[str, Any]:
    return {"community_id": m.community_id, "user_id": m.user_id, "name": m.user.name,
            "status": m.status, "owner": m.owner}


@bp.get("/communities")
@operation(query=CommunityQuery, response=Page[CommunityOut], tags=["communities"])
def list_communities(query: CommunityQuery) -> dict[str, Any]:
    """The communities the caller may see (private ones only to their members)."""
    from app.search import contains_text

    rows = select(Community).where(communities.visible_communities(current_user))
    if query.capability_id:
        rows = rows.where(Community.id.in_(directory.communities_about(query.capability_id)))
    if query.q and query.q.strip():
        rows = rows.where(contains_text(query.q, Community.name, Community.topic))
    return paginated(rows.order_by(Community.name), community_json, query)


@bp.post("/communities")
@operation(body=NewCommunity, response=CommunityOut, status=201, tags=["communities"])
def create_community(body: NewCommunity) -> dict[str, Any]:
    """Propose a community; the caller owns it (it waits for an admin when the company says so)."""
    community = communities.propose(current_user, CommunityData(
        body.name, body.description, body.topic, body.visibility, list(body.capability_ids)))
    return community_json(community)


@bp.get("/communities/<int:community_id>")
@operation(response=CommunityOut, tags=["communities"])
def get_community(community_id: int) -> dict[str, Any]:
    """One community."""
    return community_json(visible(community_id))


@bp.patch("/communities/<int:community_id>")
@operation(body=CommunityChange, response=CommunityOut, tags=["communities"])
def update_community(community_id: int, body: CommunityChange) -> dict[str, Any]:
    """Change a community (its owners and admins)."""
    c = visible(community_id)
    sent = body.model_dump(exclude_unset=True)
    data = CommunityData(
        sent.get("name") or c.name, sent.get("description", c.description) or "",
        sent.get("topic", c.topic), sent.get("visibility") or c.visibility,
        list(sent["capability_ids"]) if sent.get("capability_ids") is not None
        else [cap.id for cap in c.capabilities])
    return community_json(communities.update(current_user, c, data))


@bp.post("/communities/<int:community_id>/members")
@operation(body=MemberIn, response=MemberOut, status=201, tags=["communities"])
def add_member(community_id: int, body: MemberIn) -> dict[str, Any]:
    """Join (or ask to join, or accept an invitation); with `user_id`, an owner admits or invites."""
    c = visible(community_id)
    if body.user_id is None or body.user_id == current_user.id:
        return member_json(communities.join(current_user, c))
    return member_json(communities.add_member(current_user, c, body.user_id))


@bp.delete("/communities/<int:community_id>/members/<int:user_id>")
@operation(status=204, tags=["communities"])
def remove_member(community_id: int, user_id: int) -> None:
    """Leave, or (owners) remove someone, decline a request or withdraw an invitation."""
    communities.remove_member(current_user, visible(community_id), user_id)


@bp.get("/communities/<int:community_id>/mentionable")
@operation(response=MentionableList, tags=["communities"])
def mentionable(community_id: int) -> dict[str, Any]:
    """The people the caller may mention in this community (the people picker's list)."""
    people = db.session.scalars(posts.mentionable(current_user, visible(community_id))
                                .limit(200)).all()
    return {"items": [{"id": u.id, "name": u.name, "mention": f"@[{u.name}]"} for u in people]}


def init_app(app: Flask) -> None:
    from . import api_posts  # noqa: F401  (its routes join this blueprint)

    app.register_blueprint(bp)
