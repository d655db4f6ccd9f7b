"""All of a company's learning requests for executives and admins: filters, totals, export.

    Filters(status, team_ids, start, end)   what to show (None = any)
    list_query(company_id, f)               requests, newest first (for a page)
    totals(company_id, f)                   count, requested and net spent amount per status (SQL)
    export_rows(company_id, f)              one flat row per request (the CSV)

Read-only: nothing here writes. Every query carries the company id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Team, User

from .models import STATUSES, LearningRequest


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    team_ids: tuple[int, ...] | None = None  # a team and its sub-teams
    start: date | None = None  # requested on or after
    end: date | None = None  # requested on or before


@dataclass(frozen=True)
class StatusTotal:
    status: str
    count: int
    requested_minor: int  # the prices asked for
    spent_minor: int  # captured minus refunded (what the budgets paid)


def _where(company_id: int, f: Filters, requester: Any) -> list[ColumnElement[bool]]:
    conditions = [LearningRequest.company_id == company_id]
    if f.status:
        conditions.append(LearningRequest.status == f.status)
    if f.team_ids is not None:
        conditions.append(requester.team_id.in_(f.team_ids))
    if f.start:
        conditions.append(LearningRequest.created_at >= datetime.combine(f.start, time.min))
    if f.end:
        conditions.append(LearningRequest.created_at
                          < datetime.combine(f.end + timedelta(days=1), time.min))
    return conditions


def list_query(company_id: int, f: Filters) -> Select[LearningRequest]:
    requester = aliased(User)
    return (select(LearningRequest)
            .join(requester, requester.id == LearningRequest.requester_id)
            .where(and_(*_where(company_id, f, requester)))
            .order_by(LearningRequest.created_at.desc(), LearningRequest.id.desc()))


def totals(company_id: int, f: Filters) -> list[StatusTotal]:
    """One row per status (every status, zero when none), in the lifecycle's order."""
    requester = aliased(User)
    rows = db.session.execute(
        select(LearningRequest.status, func.count(LearningRequest.id),
               func.coalesce(func.sum(LearningRequest.price_minor), 0),
               func.coalesce(func.sum(LearningRequest.captured_minor
                                      - LearningRequest.refunded_minor), 0))
        .join(requester, requester.id == LearningRequest.requester_id)
        .where(and_(*_where(company_id, f, requester)))
        .group_by(LearningRequest.status)).all()
    found = {status: (int(n), int(asked), int(spent)) for status, n, asked, spent in rows}
    return [StatusTotal(s, *found.get(s, (0, 0, 0))) for s in STATUSES]


def export_rows(company_id: int, f: Filters) -> list[tuple[Any, ...]]:
    """Flat rows for the CSV: one query, no ORM objects."""
    requester = aliased(User)
    team = aliased(Team)
    return list(db.session.execute(
        select(LearningRequest.id, LearningRequest.created_at, requester.name, team.name,
               LearningRequest.title, LearningRequest.kind, LearningRequest.status,
               LearningRequest.price_minor, LearningRequest.captured_minor,
               LearningRequest.refunded_minor, LearningRequest.currency,
               LearningRequest.provider_reference)
        .join(requester, requester.id == LearningRequest.requester_id)
        .outerjoin(team, team.id == requester.team_id)
        .where(and_(*_where(company_id, f, requester)))
        .order_by(LearningRequest.created_at.desc(), LearningRequest.id.desc())).all())
