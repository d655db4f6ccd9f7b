"""Pathways: enrolling people (by themselves, by their manager, by L&D, whole teams) and the
lists of enrolments. Building a pathway lives in `builder`, completing its steps in
`completing`, progress through it in `progress`.

Rules (also in docs/catalogue.md):
- A prerequisite is always an *earlier* step of the same pathway, so prerequisites never form a
  cycle; moving a step above one of its prerequisites is refused.
- Publishing needs at least one step and no retired offering; only published pathways take
  enrolments. Admins assign anyone; managers assign their direct reports; employees enrol
  themselves when the pathway allows it.
- A step can be marked done once its prerequisites are done. The evidence it implies: an
  offering step develops what the offering develops (source "completed offering", and the
  offering counts as completed for reviews); another step with a capability and a level is
  the person's own claim (source "self") unless a manager verifies it (source "manager").
  When the company requires manager verification, every completion waits as "pending" and
  its evidence is recorded by the verifying line manager (or an admin).
- The enrolment is completed when every required step is done (pending does not count).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from app import audit
from app.access import may_guide
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import Team, User, UserStatus, utcnow
from pathways.capabilities import gaps
from pathways.catalogue.models import Offering

# Completing and progress have modules of their own; other rooms (requests.links) and their
# tests call these names here.
from .completing import complete_step as complete_step
from .completing import set_verification as set_verification
from .models import Enrolment, Pathway, PathwayStep, StepCompletion
from .progress import progress as progress

# --- enrolling ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignResult:
    enrolled: int
    already: int


def assign(actor: User, pathway: Pathway, people: Sequence[User] = (),
           teams: Sequence[Team] = (), due_date: date | None = None) -> AssignResult:
    """Enrol people and whole teams (with sub-teams) in bulk; people already on it are kept."""
    if pathway.archived:
        raise ValidationError(f"{pathway.title} is archived; nobody new can be assigned to it.",
                              "pathway_id")
    if not pathway.published:
        raise ValidationError("Publish the pathway before assigning it.")
    if due_date is not None and due_date < date.today():
        raise ValidationError("The due date is in the past.", "due_date")
    ids = {p.id for p in people}
    if any(p.company_id != pathway.company_id for p in people) or any(
            t.company_id != pathway.company_id for t in teams):
        raise PermissionDenied("Assign only people and teams of your own company.")
    if teams:
        team_ids: set[int] = set()
        for t in teams:
            team_ids |= set(gaps.team_and_descendants(pathway.company_id, t.id))
        ids |= set(db.session.scalars(select(User.id).where(
            User.company_id == pathway.company_id, User.team_id.in_(team_ids),
            User.status == UserStatus.ACTIVE.value)))
    # Whole teams are an admin's; a line manager assigns their own reports (app.access).
    if (teams and not actor.has_role("admin")) or not all(may_guide(actor, p) for p in people):
        raise PermissionDenied("Managers assign pathways to their own reports; admins to "
                               "anyone.")
    active = set(db.session.scalars(select(User.id).where(
        User.id.in_(ids), User.status == UserStatus.ACTIVE.value))) if ids else set()
    if ids - active:
        raise ValidationError("Some of those people have left.", "user_ids")
    existing = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.pathway_id == pathway.id, Enrolment.user_id.in_(ids)))) if ids else set()
    new = sorted(ids - existing)
    if new:
        db.session.execute(insert(Enrolment), [
            {"company_id": pathway.company_id, "pathway_id": pathway.id, "user_id": uid,
             "due_date": due_date, "assigned_by_id": actor.id, "status": "active",
             "created_at": utcnow()} for uid in new])
    audit.record(actor, pathway.company_id, "pathway.assign", "pathway", pathway.id,
                 f"{len(new)} people enrolled in {pathway.title}")
    db.session.flush()
    return AssignResult(len(new), len(existing))


def enrol_self(actor: User, pathway: Pathway) -> Enrolment:
    if pathway.company_id != actor.company_id:
        raise PermissionDenied("That pathway belongs to another company.")
    if pathway.archived:
        raise ValidationError(f"{pathway.title} is archived and takes no new enrolments.")
    if not pathway.published or not pathway.self_enrol:
        raise PermissionDenied("This pathway is assigned by L&D; ask your manager or L&D.")
    found = db.session.scalar(select(Enrolment).where(Enrolment.pathway_id == pathway.id,
                                                      Enrolment.user_id == actor.id))
    if found is not None:
        return found
    enrolment = Enrolment(company_id=actor.company_id, pathway_id=pathway.id, user_id=actor.id,
                          status="active")
    db.session.add(enrolment)
    db.session.flush()
    audit.record(actor, actor.company_id, "pathway.enrol", "pathway", pathway.id,
                 f"{actor.name} enrolled in {pathway.title}")
    return enrolment


# --- lists --------------------------------------------------------------------------------------

def enrolments_of(user: User) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.company_id == user.company_id,
                                Enrolment.user_id == user.id)
        .options(selectinload(Enrolment.pathway).selectinload(Pathway.steps).options(
                     selectinload(PathwayStep.offering),
                     selectinload(PathwayStep.prerequisites, recursion_depth=1)),
                 selectinload(Enrolment.completions))
        .order_by(Enrolment.status, Enrolment.due_date.is_(None), Enrolment.due_date,
                  Enrolment.id)))


def enrolments_for(pathway: Pathway) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.company_id == pathway.company_id,
                                Enrolment.pathway_id == pathway.id).order_by(Enrolment.id)))


def open_steps_for(employee: User, offering: Offering) -> list[tuple[Enrolment, PathwayStep]]:
    """The not-yet-completed steps of `offering` in the person's active enrolments.

    For the learning-requests flow: a request for such an offering is "a step of a pathway the
    employee is enrolled in" (auto-approval rule), and completing the request should complete
    the step with `complete_step(..., reference="request:N")` (which records the offering's
    completion itself; do not also call `record_offering_completion`).
    """
    done = select(StepCompletion.step_id).where(StepCompletion.enrolment_id == Enrolment.id)
    rows = db.session.execute(
        select(Enrolment, PathwayStep)
        .join(PathwayStep, PathwayStep.pathway_id == Enrolment.pathway_id)
        .where(Enrolment.company_id == employee.company_id, Enrolment.user_id == employee.id,
               Enrolment.status == "active", PathwayStep.offering_id == offering.id,
               PathwayStep.id.not_in(done.scalar_subquery()))
        .order_by(Enrolment.id, PathwayStep.position)).all()
    return [(e, st) for e, st in rows]


def pathways_with_offering(offering: Offering) -> list[Pathway]:
    """The company's published pathways that have the offering as a step (the offering page)."""
    return list(db.session.scalars(
        select(Pathway).join(PathwayStep, PathwayStep.pathway_id == Pathway.id)
        .where(Pathway.company_id == offering.company_id, PathwayStep.offering_id == offering.id,
               Pathway.status == "published").distinct().order_by(Pathway.title)))


# --- sessions booked from a step (the mentoring room registers them) ---------------------------

StepSessions = Callable[[Enrolment], dict[int, Any]]
StepBookingCheck = Callable[[User, Enrolment, PathwayStep], None]


def add_step_sessions(app: Flask, sessions_by_step: StepSessions,
                      check_booking: StepBookingCheck) -> None:
    """A higher room's sessions booked from mentor-session steps: `sessions_by_step(enrolment)`
    gives {step id: session} for the enrolment page; `check_booking(actor, enrolment, step)`
    raises a DomainError when that step cannot be booked."""
    app.extensions["trellis_step_sessions"] = (sessions_by_step, check_booking)


def step_sessions(enrolment: Enrolment) -> dict[int, Any]:
    hook = current_app.extensions.get("trellis_step_sessions")
    return hook[0](enrolment) if hook else {}


def check_step_booking(actor: User, enrolment: Enrolment, step: PathwayStep) -> None:
    hook = current_app.extensions.get("trellis_step_sessions")
    if hook is None:
        raise ValidationError("Mentor sessions cannot be booked here.", "step_id")
    hook[1](actor, enrolment, step)
