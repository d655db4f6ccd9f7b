"""What a community page gathers about its capabilities: members, experts (and why), the mentors
who offer them, and the offerings and pathways that develop them. Aggregates in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from app.extensions import db
from app.models import User, UserStatus
from pathways.capabilities.models import Capability, CapabilityLevel, Role, RoleRequirement
from pathways.catalogue.models import Offering, OfferingCapability
from pathways.learning.models import Pathway, PathwayStep
from pathways.mentoring.models import MentorCapability, MentorProfile

from .models import Community, CommunityCapability, Membership, MemberStatus


def members_query(community: Community, status: str = MemberStatus.MEMBER.value
                  ) -> Select[Membership]:
    return (select(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community.id, Membership.status == status,
                   User.status == UserStatus.ACTIVE.value)
            .order_by(Membership.owner.desc(), User.name))


def _capability_ids(community: Community) -> list[int]:
    return [link.capability_id for link in community.capability_links]


@dataclass(frozen=True)
class Expert:
    user: User
    capability: Capability
    level: int
    target: int
    role_title: str

    @property
    def reason(self) -> str:
        return (f"Level {self.level} in {self.capability.name}, at or above the highest target "
                f"any role sets (level {self.target}, for {self.role_title}).")


def highest_targets(community: Community) -> dict[int, tuple[int, str]]:
    """Per capability of the community: the highest target level any role sets, and a role
    that sets it."""
    ids = _capability_ids(community)
    if not ids:
        return {}
    top = (select(RoleRequirement.capability_id, func.max(RoleRequirement.level).label("top"))
           .where(RoleRequirement.company_id == community.company_id,
                  RoleRequirement.capability_id.in_(ids))
           .group_by(RoleRequirement.capability_id).subquery())
    rows = db.session.execute(
        select(top.c.capability_id, top.c.top, func.min(Role.title))
        .join(RoleRequirement, (RoleRequirement.capability_id == top.c.capability_id)
              & (RoleRequirement.level == top.c.top))
        .join(Role, Role.id == RoleRequirement.role_id)
        .where(RoleRequirement.company_id == community.company_id)
        .group_by(top.c.capability_id, top.c.top)).all()
    return {cid: (level, title) for cid, level, title in rows}


def experts(community: Community, limit: int = 24) -> list[Expert]:
    """Members whose computed level in one of its capabilities reaches the highest role target
    (each person once, with the capability where they stand highest above it)."""
    targets = highest_targets(community)
    if not targets:
        return []
    caps = {c.id: c for c in community.capabilities}
    conditions = [(CapabilityLevel.capability_id == cid) & (CapabilityLevel.level >= level)
                  for cid, (level, _title) in targets.items()]
    rows = db.session.execute(
        select(User, CapabilityLevel.capability_id, CapabilityLevel.level)
        .join(CapabilityLevel, CapabilityLevel.user_id == User.id)
        .join(Membership, (Membership.user_id == User.id)
              & (Membership.community_id == community.id))
        .where(Membership.status == MemberStatus.MEMBER.value,
               User.status == UserStatus.ACTIVE.value,
               CapabilityLevel.company_id == community.company_id, or_(*conditions))
        .order_by(CapabilityLevel.level.desc(), User.name)).all()
    best: dict[int, Expert] = {}
    for user, cid, level in rows:
        target, title = targets[cid]
        if user.id not in best or level - target > best[user.id].level - best[user.id].target:
            best[user.id] = Expert(user, caps[cid], level, target, title)
    return sorted(best.values(), key=lambda e: (-(e.level - e.target), e.user.name))[:limit]


def mentors(community: Community, limit: int = 12) -> Sequence[MentorProfile]:
    ids = _capability_ids(community)
    if not ids:
        return []
    return db.session.scalars(
        select(MentorProfile).where(
            MentorProfile.company_id == community.company_id, MentorProfile.active.is_(True),
            MentorProfile.id.in_(select(MentorCapability.mentor_id).where(
                MentorCapability.capability_id.in_(ids))))
        .order_by(MentorProfile.id).limit(limit)).all()


def offerings(community: Community, limit: int = 12) -> Sequence[Offering]:
    ids = _capability_ids(community)
    if not ids:
        return []
    return db.session.scalars(
        select(Offering).where(
            Offering.company_id == community.company_id, Offering.retired_at.is_(None),
            Offering.id.in_(select(OfferingCapability.offering_id).where(
                OfferingCapability.capability_id.in_(ids))))
        .order_by(Offering.rating_count.desc(), Offering.title).limit(limit)).all()


def pathways(community: Community, limit: int = 12) -> Sequence[Pathway]:
    """Published pathways aimed at its capabilities or with a step that develops one."""
    ids = _capability_ids(community)
    if not ids:
        return []
    developing = select(OfferingCapability.offering_id).where(
        OfferingCapability.capability_id.in_(ids))
    steps = select(PathwayStep.pathway_id).where(or_(
        PathwayStep.capability_id.in_(ids), PathwayStep.offering_id.in_(developing)))
    return db.session.scalars(
        select(Pathway).where(Pathway.company_id == community.company_id,
                              Pathway.status == "published",
                              or_(Pathway.target_capability_id.in_(ids), Pathway.id.in_(steps)))
        .order_by(Pathway.title).limit(limit)).all()


def communities_about(capability_id: int) -> Select[Any]:
    """Ids of the communities about a capability (callers add the visibility condition)."""
    return select(CommunityCapability.community_id).where(
        CommunityCapability.capability_id == capability_id)
