"""The lists of learning requests a person sees: their own, and the ones waiting for them."""

from __future__ import annotations

from sqlalchemy import Select, and_, or_, select, true
from sqlalchemy.orm import aliased

from app.models import User

from .models import LearningRequest, RequestStatus

S = RequestStatus


def inbox_query(actor: User, status: str | None = "pending", team_id: int | None = None,
                requester_id: int | None = None) -> Select[tuple[LearningRequest]]:
    """Requests the actor can decide on or oversee: an admin's whole company, a manager's
    direct reports; never the actor's own."""
    requester = aliased(User)
    query = (select(LearningRequest).join(requester, requester.id == LearningRequest.requester_id)
             .where(LearningRequest.company_id == actor.company_id,
                    LearningRequest.requester_id != actor.id))
    if not actor.has_role("admin"):
        query = query.where(requester.manager_id == actor.id)
    if status:
        query = query.where(LearningRequest.status == status)
    if team_id:
        query = query.where(requester.team_id == team_id)
    if requester_id:
        query = query.where(LearningRequest.requester_id == requester_id)
    return query.order_by(LearningRequest.id.desc())


def waiting_for(actor: User) -> Select[tuple[LearningRequest]]:
    """Pending requests whose current stage the actor can decide (the inbox count)."""
    requester = aliased(User)
    stage_is_manager = and_(LearningRequest.stages_done == 0,
                            LearningRequest.chain.like("manager%"))
    mine = requester.manager_id == actor.id
    rule = or_(and_(stage_is_manager, mine), true()) if actor.has_role("admin") else and_(
        stage_is_manager, mine)
    return (select(LearningRequest).join(requester, requester.id == LearningRequest.requester_id)
            .where(LearningRequest.company_id == actor.company_id,
                   LearningRequest.status == S.PENDING.value,
                   LearningRequest.requester_id != actor.id, rule))


def mine_query(actor: User, status: str | None = None) -> Select[tuple[LearningRequest]]:
    query = select(LearningRequest).where(LearningRequest.company_id == actor.company_id,
                                          LearningRequest.requester_id == actor.id)
    if status:
        query = query.where(LearningRequest.status == status)
    return query.order_by(LearningRequest.id.desc())
