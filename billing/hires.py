"""New hires get their pro-rata budget: the people signals enqueue an allocation after commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Company, User
from app.signals import people_joined, person_returned
from app.tasks import after_commit, huey, with_app_context

from .budgets import allocate_person
from .policies import period_for


@huey.task(retries=2, retry_delay=30)
@with_app_context
def allocate_new_hires(company_id: int, person_ids: list[int], actor_id: int | None) -> int:
    """Allocate each person's budget for the current period (idempotent per person and period)."""
    company = db.session.get(Company, company_id)
    actor = db.session.get(User, actor_id) if actor_id else None
    if company is None:
        return 0
    period = period_for(company, date.today())
    done = 0
    for i in range(0, len(person_ids), 500):
        people = db.session.scalars(select(User).where(User.company_id == company_id,
                                                       User.id.in_(person_ids[i : i + 500])))
        for person in people:
            if allocate_person(actor, person, period, date.today()) is not None:
                done += 1
        db.session.commit()
    return done


def _on_people(sender: User, person_ids: list[int], **_: Any) -> None:
    company_id, actor_id = sender.company_id, sender.id
    after_commit(db.session(), lambda: allocate_new_hires(company_id, list(person_ids), actor_id))


def connect() -> None:
    people_joined.connect(_on_people)
    person_returned.connect(_on_people)
