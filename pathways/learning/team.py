"""Managers and their team's pathways: who reports to them, and assigning a published pathway
to some or all of those direct reports (flush, never commit).

The rules of assigning stay in `enrolments.assign`; this module only turns "these
reports" or "my whole team" into the people to enrol, refusing anyone who is not a direct
report with a message naming them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from app.access import reports_of
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, UserStatus

from . import enrolments
from .models import Pathway


def direct_reports(manager: User) -> list[User]:
    """The manager's active direct reports, by name."""
    return list(db.session.scalars(select(User).where(
        reports_of(manager), User.status == UserStatus.ACTIVE.value).order_by(User.name, User.id)))


def published_pathways(company_id: int) -> list[Pathway]:
    return list(db.session.scalars(select(Pathway).where(
        Pathway.company_id == company_id, Pathway.status == "published")
        .order_by(Pathway.title, Pathway.id)))


def assign_to_reports(actor: User, pathway: Pathway, people: Sequence[User],
                      everyone: bool = False, due_date: date | None = None
                      ) -> enrolments.AssignResult:
    """Enrol the chosen direct reports (or all of them) in `pathway`."""
    if not actor.has_role("manager"):
        raise PermissionDenied("Only managers assign pathways to their team.")
    if pathway.company_id != actor.company_id:
        raise PermissionDenied("That pathway belongs to another company.", "pathway_id")
    reports = direct_reports(actor)
    mine = {p.id for p in reports}
    strangers = sorted(p.name for p in people if p.id not in mine)
    if strangers:
        raise ValidationError(f"{', '.join(strangers)} {'does' if len(strangers) == 1 else 'do'} "
                              "not report to you; you assign pathways to your direct reports "
                              "only.", "user_ids")
    chosen = reports if everyone else list(people)
    if not chosen:
        raise ValidationError("Nobody reports to you yet." if everyone or not reports else
                              "Choose at least one person, or tick 'All my direct reports'.",
                              "user_ids")
    return enrolments.assign(actor, pathway, chosen, (), due_date)
