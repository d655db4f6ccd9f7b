"""Communities: who sees which, proposing (with the company's approval rule), changing, and
membership (join, request, admit, invite, leave, remove).

Visibility: an active open or by-request community is seen by everyone of its company; a
private one only by its members and the people invited to it (to anyone else it does not exist:
404, and absent from lists and counts). A proposal waiting for approval is seen by its proposer
and the admins (who decide it); a declined one by its proposer. Posts of an open community
are read by everyone who sees it; those of a by-request or private one by its members only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, UserStatus
from pathways.capabilities.models import Capability

from .models import (
    Community,
    CommunityCapability,
    CommunitySettings,
    CommunityStatus,
    Membership,
    MemberStatus,
    Visibility,
)

VISIBILITIES = tuple(v.value for v in Visibility)
VISIBILITY_LABELS = {"open": "Open: anyone in the company joins",
                     "request": "By request: an owner admits",
                     "private": "Private: invited only, invisible to others"}


def settings_of(company_id: int) -> CommunitySettings:
    """The company's settings (the defaults when it never saved any; not added to the session)."""
    row = db.session.get(CommunitySettings, company_id)
    return row or CommunitySettings(company_id=company_id, require_approval=False,
                                    accepted_answer_evidence=False)


def save_settings(actor: User, require_approval: bool) -> CommunitySettings:
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an admin changes the community settings.")
    row = db.session.get(CommunitySettings, actor.company_id)
    if row is None:
        row = CommunitySettings(company_id=actor.company_id, accepted_answer_evidence=False)
        db.session.add(row)
    before = bool(row.require_approval)
    row.require_approval = require_approval
    audit.record(actor, actor.company_id, "community.settings", "community_settings", None,
                 "Changed the community settings", {"require_approval": (before, require_approval)})
    db.session.flush()
    return row


# --- who sees what ---------------------------------------------------------------------------

def _mine(actor: User) -> ColumnElement[bool]:
    return exists().where(Membership.community_id == Community.id,
                          Membership.user_id == actor.id)


def visible_communities(actor: User) -> ColumnElement[bool]:
    """`may_view` as a SQL condition on `Community`."""
    shown = and_(Community.status == CommunityStatus.ACTIVE.value,
                 or_(Community.visibility != Visibility.PRIVATE.value, _mine(actor)))
    if actor.has_role("admin"):
        pending = Community.status == CommunityStatus.PENDING.value
    else:
        pending = Community.created_by_id == actor.id
    return and_(Community.company_id == actor.company_id, or_(shown, pending))


def membership(actor: User, community: Community) -> Membership | None:
    return db.session.get(Membership, (community.id, actor.id))


def is_member(actor: User, community: Community) -> bool:
    m = membership(actor, community)
    return m is not None and m.status == MemberStatus.MEMBER.value


def is_owner(actor: User, community: Community) -> bool:
    m = membership(actor, community)
    return m is not None and m.owner and m.status == MemberStatus.MEMBER.value


def may_view(actor: User, community: Community) -> bool:
    """May `actor` know this community exists (see its page)?"""
    if actor.company_id != community.company_id:
        return False
    if community.status != CommunityStatus.ACTIVE.value:
        # A proposal (private ones too) is seen by its proposer and the admins who decide it.
        return community.created_by_id == actor.id or (
            actor.has_role("admin") and community.status == CommunityStatus.PENDING.value)
    return community.visibility != Visibility.PRIVATE.value or membership(actor, community) is not None


def may_read(actor: User, community: Community) -> bool:
    """May `actor` read its posts and events (open: everyone who sees it; else members)?"""
    if not may_view(actor, community) or not community.active:
        return False
    return community.visibility == Visibility.OPEN.value or is_member(actor, community)


def may_moderate(actor: User, community: Community) -> bool:
    """Owners, and admins of the company (for a community they may see), moderate."""
    return may_view(actor, community) and (is_owner(actor, community) or actor.has_role("admin"))


def require_member(actor: User, community: Community) -> None:
    if not community.active:
        raise Conflict("This community is not active yet.")
    if not is_member(actor, community):
        raise PermissionDenied(f"Join {community.name} to take part.")


def member_count(community: Community) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.community_id == community.id,
        Membership.status == MemberStatus.MEMBER.value)) or 0


# --- proposing and changing ------------------------------------------------------------------

@dataclass
class CommunityData:
    name: str
    description: str = ""
    topic: str | None = None
    visibility: str = Visibility.OPEN.value
    capability_ids: list[int] = field(default_factory=list)


def _clean(actor: User, data: CommunityData, community: Community | None) -> list[Capability]:
    data.name = (data.name or "").strip()
    data.topic = (data.topic or "").strip() or None
    data.description = (data.description or "").strip()
    if not data.name:
        raise ValidationError("Give the community a name.", "name")
    if len(data.name) > 120:
        raise ValidationError("The name can be at most 120 characters.", "name")
    if data.topic and len(data.topic) > 200:
        raise ValidationError("The topic can be at most 200 characters.", "topic")
    if data.visibility not in VISIBILITIES:
        raise ValidationError(f"Visibility must be one of {', '.join(VISIBILITIES)}.", "visibility")
    ids = sorted(set(data.capability_ids))
    caps = list(db.session.scalars(select(Capability).where(
        Capability.company_id == actor.company_id, Capability.id.in_(ids)))) if ids else []
    if len(caps) != len(ids):
        raise ValidationError("Choose capabilities of your company.", "capability_ids")
    if not caps and not data.topic:
        raise ValidationError("Name the capabilities it is about, or a free topic.", "topic")
    clash = select(Community.id).where(Community.company_id == actor.company_id,
                                       func.lower(Community.name) == data.name.lower())
    if community is not None:
        clash = clash.where(Community.id != community.id)
    if db.session.scalar(clash) is not None:
        raise Conflict("A community of that name exists already.", "name")
    return caps


def _set_capabilities(community: Community, caps: list[Capability]) -> None:
    community.capability_links = [CommunityCapability(capability_id=c.id, capability=c,
                                                      company_id=community.company_id)
                                  for c in caps]


def propose(actor: User, data: CommunityData) -> Community:
    """Anyone proposes a community and becomes its owner; it waits for an admin when the company
    requires approval (an admin's own proposal needs none)."""
    caps = _clean(actor, data, None)
    waits = settings_of(actor.company_id).require_approval and not actor.has_role("admin")
    community = Community(company_id=actor.company_id, name=data.name, topic=data.topic,
                          description=data.description, visibility=data.visibility,
                          created_by_id=actor.id,
                          status=CommunityStatus.PENDING.value if waits
                          else CommunityStatus.ACTIVE.value)
    _set_capabilities(community, caps)
    db.session.add(community)
    db.session.flush()
    db.session.add(Membership(community_id=community.id, user_id=actor.id,
                              company_id=actor.company_id, owner=True))
    audit.record(actor, actor.company_id, "community.propose", "community", community.id,
                 f"Proposed the community {community.name}")
    db.session.flush()
    return community


def update(actor: User, community: Community, data: CommunityData) -> Community:
    if not may_moderate(actor, community):
        raise PermissionDenied("Only the community's owners and admins change it.")
    caps = _clean(actor, data, community)
    before = {"name": community.name, "visibility": community.visibility}
    community.name, community.topic = data.name, data.topic
    community.description, community.visibility = data.description, data.visibility
    _set_capabilities(community, caps)
    audit.record(actor, community.company_id, "community.update", "community", community.id,
                 f"Changed the community {community.name}",
                 audit.diff(before, {"name": data.name, "visibility": data.visibility}))
    db.session.flush()
    return community


def decide(actor: User, community: Community, approve: bool, reason: str = "") -> Community:
    """An admin approves or declines a proposed community."""
    if not actor.has_role("admin") or actor.company_id != community.company_id:
        raise PermissionDenied("Only an admin approves communities.")
    if community.status != CommunityStatus.PENDING.value:
        raise Conflict("This community is not waiting for approval.")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError("Say why the community is declined.", "reason")
    community.status = (CommunityStatus.ACTIVE if approve else CommunityStatus.DECLINED).value
    community.decline_reason = None if approve else reason[:300]
    audit.record(actor, community.company_id, "community.approve" if approve
                 else "community.decline", "community", community.id,
                 f"{'Approved' if approve else 'Declined'} the community {community.name}")
    db.session.flush()
    return community


# --- membership ------------------------------------------------------------------------------

def join(actor: User, community: Community) -> Membership:
    """Join an open community, ask to join a by-request one, or accept an invitation."""
    if not may_view(actor, community):
        raise PermissionDenied("You cannot join this community.")
    if not community.active:
        raise Conflict("This community is not active yet.")
    m = membership(actor, community)
    if m is not None and m.status == MemberStatus.MEMBER.value:
        return m
    if m is not None and m.status == MemberStatus.INVITED.value:
        m.status = MemberStatus.MEMBER.value
    elif m is not None:
        return m  # a request is already waiting
    else:
        status = (MemberStatus.REQUESTED if community.visibility == Visibility.REQUEST.value
                  else MemberStatus.MEMBER).value
        m = Membership(community_id=community.id, user_id=actor.id, company_id=actor.company_id,
                       status=status)
        db.session.add(m)
    db.session.flush()
    return m


def _colleague(actor: User, user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or person.company_id != actor.company_id or \
            person.status != UserStatus.ACTIVE.value:
        raise ValidationError("Choose an active colleague of your company.", "user_id")
    return person


def add_member(actor: User, community: Community, user_id: int) -> Membership:
    """An owner admits a request, or invites someone (they accept by joining)."""
    if not may_moderate(actor, community):
        raise PermissionDenied("Only the community's owners admit and invite people.")
    if not community.active:
        raise Conflict("This community is not active yet.")
    person = _colleague(actor, user_id)
    m = membership(person, community)
    if m is not None and m.status == MemberStatus.REQUESTED.value:
        m.status = MemberStatus.MEMBER.value
    elif m is None:
        m = Membership(community_id=community.id, user_id=person.id, company_id=person.company_id,
                       status=MemberStatus.INVITED.value)
        db.session.add(m)
    audit.record(actor, community.company_id, "community.member", "community", community.id,
                 f"{'Admitted' if m.status == 'member' else 'Invited'} {person.name} "
                 f"to {community.name}")
    db.session.flush()
    return m


def remove_member(actor: User, community: Community, user_id: int) -> None:
    """Leave (yourself), or an owner removes someone, declines a request or withdraws an invite.
    The last owner cannot leave while other members remain."""
    if not may_view(actor, community):
        raise PermissionDenied("You cannot change this community.")
    if user_id != actor.id and not may_moderate(actor, community):
        raise PermissionDenied("Only the community's owners remove people.")
    m = db.session.get(Membership, (community.id, user_id))
    if m is None:
        raise ValidationError("That person is not in this community.", "user_id")
    if m.owner:
        owners = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.community_id == community.id, Membership.owner.is_(True))) or 0
        if owners == 1 and member_count(community) > 1:
            raise Conflict("The last owner cannot leave: make another member an owner first.")
    db.session.delete(m)
    if user_id != actor.id:
        audit.record(actor, community.company_id, "community.remove", "community", community.id,
                     f"Removed a person from {community.name}")
    db.session.flush()


def set_owner(actor: User, community: Community, user_id: int, owner: bool) -> Membership:
    if not may_moderate(actor, community):
        raise PermissionDenied("Only the community's owners name owners.")
    m = db.session.get(Membership, (community.id, user_id))
    if m is None or m.status != MemberStatus.MEMBER.value:
        raise ValidationError("Only a member can be an owner.", "user_id")
    m.owner = owner
    db.session.flush()
    return m
