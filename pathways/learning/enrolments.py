"""Pathways: enrol, progress, complete steps (building a pathway lives in `builder`).

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
from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Team, User, UserStatus, utcnow
from pathways.capabilities import gaps, levels
from pathways.capabilities.models import Source
from pathways.catalogue import completions, offerings
from pathways.catalogue.models import Offering

from . import mail, uploads
from .models import Enrolment, LearningSettings, Pathway, PathwayStep, StepCompletion, StepKind


def _require_admin(actor: User) -> None:
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an L&D admin builds pathways.")


def settings(company_id: int) -> LearningSettings:
    found = db.session.get(LearningSettings, company_id)
    return found or LearningSettings(company_id=company_id, require_manager_verification=False)


def set_verification(actor: User, required: bool) -> None:
    _require_admin(actor)
    row = db.session.get(LearningSettings, actor.company_id)
    if row is None:
        row = LearningSettings(company_id=actor.company_id)
        db.session.add(row)
    row.require_manager_verification = required
    db.session.flush()
    audit.record(actor, actor.company_id, "learning.settings", "company", actor.company_id,
                 f"Manager verification of completed steps {'on' if required else 'off'}")


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
    if not actor.has_role("admin"):
        reports = set(db.session.scalars(select(User.id).where(
            User.company_id == actor.company_id, User.manager_id == actor.id)))
        if not actor.has_role("manager") or not ids <= reports or teams:
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


# --- progress ----------------------------------------------------------------------------------

@dataclass
class StepState:
    step: PathwayStep
    completion: StepCompletion | None
    locked_by: list[PathwayStep]

    @property
    def state(self) -> str:
        if self.completion is not None:
            return self.completion.status  # done / pending
        return "locked" if self.locked_by else "open"


@dataclass
class Progress:
    enrolment: Enrolment
    steps: list[StepState]

    @property
    def required_total(self) -> int:
        return sum(1 for s in self.steps if s.step.required)

    @property
    def required_done(self) -> int:
        return sum(1 for s in self.steps if s.step.required and s.state == "done")

    @property
    def percent(self) -> int:
        total = self.required_total
        return 100 if not total else round(100 * self.required_done / total)

    @property
    def next_step(self) -> StepState | None:
        open_ = [s for s in self.steps if s.state == "open"]
        return next((s for s in open_ if s.step.required), open_[0] if open_ else None)


def progress(enrolment: Enrolment) -> Progress:
    done = {c.step_id: c for c in enrolment.completions}
    states = []
    for step in sorted(enrolment.pathway.steps, key=lambda s: s.position):
        locked = [p for p in step.prerequisites if p.id not in done]
        states.append(StepState(step, done.get(step.id), locked))
    return Progress(enrolment, states)


# --- completing --------------------------------------------------------------------------------

def complete_step(actor: User, enrolment: Enrolment, step: PathwayStep, note: str | None = None,
                  link: str | None = None, certificate: tuple[bytes, str] | None = None,
                  reference: str | None = None, on: date | None = None) -> StepCompletion:
    """Mark a step done with evidence (note, link, certificate bytes + file name); flush only.

    The person themselves, their line manager or an admin may do it. `reference` is what
    produced the completion (e.g. "request:42" from the learning-requests flow); `on` is the
    day it was done when that was before today (evidence is dated on it).
    """
    if on is not None and on > date.today():
        raise ValidationError("A step cannot be done on a future date.", "on")
    employee = enrolment.user
    if enrolment.company_id != actor.company_id or step.pathway_id != enrolment.pathway_id:
        raise PermissionDenied("That step is not part of this enrolment.")
    is_manager = employee.manager_id == actor.id
    if not (actor.id == employee.id or is_manager or actor.has_role("admin")):
        raise PermissionDenied("Only the person, their manager or L&D can complete a step.")
    if any(c.step_id == step.id for c in enrolment.completions):
        raise Conflict(f"'{step.title}' is already marked done.")
    done = {c.step_id for c in enrolment.completions}
    missing = [p.title for p in step.prerequisites if p.id not in done]
    if missing:
        raise ValidationError(f"Complete {', '.join(missing)} first.", "step_id")
    note = offerings.clean_text(note, "note", 4000)
    link = offerings.check_url(link, "link")
    verify = settings(enrolment.company_id).require_manager_verification
    completion = StepCompletion(
        company_id=enrolment.company_id, enrolment_id=enrolment.id, step_id=step.id,
        user_id=employee.id, completed_by_id=actor.id, note=note, link=link,
        status="pending" if verify and actor.id == employee.id else "done")
    if certificate is not None:
        stored = uploads.store(db.session(), enrolment.company_id, *certificate)
        completion.file_path, completion.file_name = stored.path, stored.name
        completion.file_type, completion.file_size = stored.content_type, stored.size
    if completion.status == "done" and actor.id != employee.id and verify:
        completion.verified_by_id, completion.verified_at = actor.id, utcnow()
    enrolment.completions.append(completion)
    db.session.flush()
    if completion.status == "done":
        _record_evidence(actor, enrolment, step, completion, reference, on)
    else:
        mail.send_verification_request(enrolment, step, completion)
    _refresh_status(enrolment)
    audit.record(actor, enrolment.company_id, "pathway.step_done", "enrolment", enrolment.id,
                 f"{employee.name}: '{step.title}' {completion.status}")
    return completion


def verify_completion(actor: User, completion: StepCompletion) -> None:
    """The line manager (or an admin) confirms a pending completion; its evidence follows."""
    enrolment = completion.enrolment
    employee = enrolment.user
    if completion.company_id != actor.company_id:
        raise PermissionDenied("That completion belongs to another company.")
    if actor.id == employee.id or not (employee.manager_id == actor.id
                                       or actor.has_role("admin")):
        raise PermissionDenied(f"Only {employee.name}'s line manager or L&D verifies it.")
    if completion.status != "pending":
        raise Conflict("That step is already verified.")
    completion.status, completion.verified_by_id = "done", actor.id
    completion.verified_at = utcnow()
    db.session.flush()
    _record_evidence(actor, enrolment, completion.step, completion, None)
    _refresh_status(enrolment)


def pending_for(manager: User) -> list[StepCompletion]:
    """Completions waiting for this manager's verification (admins see everyone's)."""
    query = (select(StepCompletion).join(User, User.id == StepCompletion.user_id)
             .where(StepCompletion.company_id == manager.company_id,
                    StepCompletion.status == "pending"))
    if not manager.has_role("admin"):
        query = query.where(User.manager_id == manager.id)
    return list(db.session.scalars(query.order_by(StepCompletion.created_at).limit(200)))


def _record_evidence(actor: User, enrolment: Enrolment, step: PathwayStep,
                     completion: StepCompletion, reference: str | None,
                     on: date | None = None) -> None:
    employee = enrolment.user
    on = on or date.today()
    if step.kind == StepKind.OFFERING and step.offering is not None:
        completions.record_offering_completion(
            actor, employee, step.offering, completion.note,
            reference=reference or f"step-completion:{completion.id}", on=on)
        return
    if step.capability is None or not step.to_level or step.capability.retired:
        return
    if levels.current_level(employee, step.capability) >= step.to_level:
        return
    verified = completion.verified_by_id is not None or actor.id != employee.id
    source = Source.MANAGER.value if verified and actor.id != employee.id else Source.SELF.value
    author = actor if source == Source.MANAGER.value else employee
    levels.record_evidence(author, employee, step.capability, step.to_level, source,
                           note=completion.note or f"Completed '{step.title}'", on=on,
                           reference=f"step-completion:{completion.id}", check=False)


def _refresh_status(enrolment: Enrolment) -> None:
    p = progress(enrolment)
    finished = p.required_total and p.required_done == p.required_total
    if finished and enrolment.status != "completed":
        enrolment.status, enrolment.completed_at = "completed", utcnow()
    db.session.flush()


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


@dataclass(frozen=True)
class TeamRow:
    enrolment_id: int
    person: str
    pathway: str
    status: str
    due_date: date | None
    done: int
    required: int

    @property
    def percent(self) -> int:
        return 100 if not self.required else round(100 * self.done / self.required)

    def overdue(self, today: date) -> bool:
        """Past its due date and not completed."""
        return self.status != "completed" and self.due_date is not None and self.due_date < today


def team_enrolments(manager: User, limit: int = 200) -> list[TeamRow]:
    """The enrolments of the manager's direct reports with required steps done (aggregates)."""
    required = (select(PathwayStep.pathway_id, func.count(PathwayStep.id).label("n"))
                .where(PathwayStep.company_id == manager.company_id,
                       PathwayStep.required.is_(True))
                .group_by(PathwayStep.pathway_id).subquery())
    done = (select(StepCompletion.enrolment_id, func.count(StepCompletion.id).label("n"))
            .join(PathwayStep, PathwayStep.id == StepCompletion.step_id)
            .where(StepCompletion.company_id == manager.company_id,
                   StepCompletion.status == "done", PathwayStep.required.is_(True))
            .group_by(StepCompletion.enrolment_id).subquery())
    rows = db.session.execute(
        select(Enrolment.id, User.name, Pathway.title, Enrolment.status, Enrolment.due_date,
               func.coalesce(done.c.n, 0), func.coalesce(required.c.n, 0))
        .join(User, User.id == Enrolment.user_id)
        .join(Pathway, Pathway.id == Enrolment.pathway_id)
        .outerjoin(done, done.c.enrolment_id == Enrolment.id)
        .outerjoin(required, required.c.pathway_id == Enrolment.pathway_id)
        .where(Enrolment.company_id == manager.company_id, User.manager_id == manager.id,
               User.status == UserStatus.ACTIVE.value)
        .order_by(User.name, Pathway.title).limit(limit)).all()
    return [TeamRow(*r) for r in rows]


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
