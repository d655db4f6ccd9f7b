"""The lists of learning requests a person sees: their own, and the ones waiting for them."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.access import approvable_people
from app.models import User

from .models import LearningRequest, RequestStatus

S = RequestStatus


def inbox_query(actor: User, status: str | None = "pending", team_id: int | None = None,
                requester_id: int | None = None) -> Select[LearningRequest]:
    """Requests of the people the actor approves for (`app.access.approvable_people`): an
    admin's whole company, a line manager's direct reports; never the actor's own."""
    query = (select(LearningRequest).join(User, User.id == LearningRequest.requester_id)
             .where(LearningRequest.company_id == actor.company_id, approvable_people(actor)))
    if status:
        query = query.where(LearningRequest.status == status)
    if team_id:
        query = query.where(User.team_id == team_id)
    if requester_id:
        query = query.where(LearningRequest.requester_id == requester_id)
    return query.order_by(LearningRequest.id.desc())


def waiting_for(actor: User) -> Select[LearningRequest]:
    """Pending requests whose current stage the actor can decide (the inbox count): an admin
    decides every stage, a line manager the first stage when it is theirs."""
    query = (select(LearningRequest).join(User, User.id == LearningRequest.requester_id)
             .where(LearningRequest.company_id == actor.company_id,
                    LearningRequest.status == S.PENDING.value, approvable_people(actor)))
    if actor.has_role("admin"):
        return query
    return query.where(LearningRequest.stages_done == 0, LearningRequest.chain.like("manager%"))


def mine_query(actor: User, status: str | None = None) -> Select[LearningRequest]:
    query = select(LearningRequest).where(LearningRequest.company_id == actor.company_id,
                                          LearningRequest.requester_id == actor.id)
    if status:
        query = query.where(LearningRequest.status == status)
    return query.order_by(LearningRequest.id.desc())
