"""New hires get their pro-rata budget: the people signals enqueue an allocation after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from app.extensions import db
from app.models import Company, User
from app.signals import people_joined, person_returned
from app.tasks import after_commit, huey, with_app_context

from . import ledger
from .budgets import allocate_people
from .policies import period_for

# huey ships no type information: the task wrapper takes the function's arguments and enqueues.
_task: Callable[[Callable[..., int]], Callable[..., Any]] = huey.task(retries=2, retry_delay=30)


@_task
@with_app_context
def allocate_new_hires(company_id: int, person_ids: list[int], actor_id: int | None) -> int:
    """Allocate the people's budgets for the current period in one bulk run (a 10,000-row
    import writes a few statements per thousand people); idempotent per person and period."""
    company = db.session.get(Company, company_id)
    actor = db.session.get(User, actor_id) if actor_id else None
    if company is None:
        return 0
    today = date.today()
    ledger.serialise(company.id, ledger.COMPANY_JOBS)  # one company-wide money job at a time
    people, _amount = allocate_people(actor, company, period_for(company, today), today,
                                      user_ids=person_ids)
    db.session.commit()
    return people


def _on_people(sender: User, person_ids: list[int], **_: Any) -> None:
    company_id, actor_id = sender.company_id, sender.id
    after_commit(db.session(), lambda: allocate_new_hires(company_id, list(person_ids), actor_id))


def connect() -> None:
    people_joined.connect(_on_people)
    person_returned.connect(_on_people)
