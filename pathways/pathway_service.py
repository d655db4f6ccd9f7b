"""Pathways: build (steps, prerequisites, estimates), publish, enrol, progress, complete steps.

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Team, User, UserStatus, utcnow

from . import catalogue, gaps, levels, uploads
from .catalogue_models import (
    STEP_KINDS,
    Enrolment,
    LearningSettings,
    Offering,
    Pathway,
    PathwayStep,
    StepCompletion,
    StepKind,
)
from .models import Capability, Role, Source


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


# --- building ----------------------------------------------------------------------------------

def save_pathway(actor: User, title: str, description: str | None = None,
                 target_role: Role | None = None, target_capability: Capability | None = None,
                 self_enrol: bool = True, pathway: Pathway | None = None) -> Pathway:
    _require_admin(actor)
    title = catalogue._text(title, "title", 200, required=True) or ""
    description = catalogue._text(description, "description", 10_000)
    for obj, name in ((target_role, "target_role_id"), (target_capability,
                                                         "target_capability_id")):
        if obj is not None and obj.company_id != actor.company_id:
            raise ValidationError("Choose one of your own roles and capabilities.", name)
    if pathway is None:
        pathway = Pathway(company_id=actor.company_id, created_by_id=actor.id, status="draft")
        db.session.add(pathway)
    pathway.title, pathway.description, pathway.self_enrol = title, description, self_enrol
    pathway.target_role_id = target_role.id if target_role else None
    pathway.target_capability_id = target_capability.id if target_capability else None
    db.session.flush()
    audit.record(actor, actor.company_id, "pathway.save", "pathway", pathway.id,
                 f"Pathway {title} saved")
    return pathway


@dataclass
class StepData:
    kind: str
    title: str | None = None
    description: str | None = None
    offering_id: int | None = None
    capability_id: int | None = None
    to_level: int | None = None
    url: str | None = None
    required: bool = True
    estimated_hours: float = 0
    estimated_cost_minor: int = 0
    prerequisite_ids: Sequence[int] = ()


def add_step(actor: User, pathway: Pathway, data: StepData) -> PathwayStep:
    """Append a step (its prerequisites must be earlier steps of the same pathway)."""
    _require_admin(actor)
    if data.kind not in STEP_KINDS:
        raise ValidationError(f"Kind must be one of {', '.join(STEP_KINDS)}.", "kind")
    step = PathwayStep(company_id=pathway.company_id, pathway_id=pathway.id, kind=data.kind,
                       required=bool(data.required),
                       position=max((s.position for s in pathway.steps), default=0) + 1)
    title = data.title
    if data.kind == StepKind.OFFERING:
        offering = db.session.get(Offering, data.offering_id) if data.offering_id else None
        if offering is None or offering.company_id != pathway.company_id:
            raise ValidationError("Choose an offering from the catalogue.", "offering_id")
        if offering.retired:
            raise ValidationError(f"'{offering.title}' is retired.", "offering_id")
        step.offering_id, title = offering.id, title or offering.title
    else:
        if data.capability_id is not None:
            cap = db.session.get(Capability, data.capability_id)
            if cap is None or cap.company_id != pathway.company_id or cap.retired:
                raise ValidationError("Choose one of your capabilities.", "capability_id")
            top = cap.framework.scale.max_level
            if not isinstance(data.to_level, int) or not 1 <= data.to_level <= top:
                raise ValidationError(f"Choose the level this step shows, 1 to {top}.",
                                      "to_level")
            step.capability_id, step.to_level = cap.id, data.to_level
            title = title or (f"Mentor session on {cap.name}"
                              if data.kind == StepKind.MENTOR_SESSION else None)
        elif data.kind == StepKind.MENTOR_SESSION:
            raise ValidationError("A mentor session is on a capability; choose one.",
                                  "capability_id")
        step.url = catalogue.check_url(data.url)
        if data.kind == StepKind.READING and not step.url:
            raise ValidationError("A reading step needs a link.", "url")
        hours, cost = data.estimated_hours or 0, data.estimated_cost_minor or 0
        if not 0 <= hours <= catalogue.MAX_HOURS:
            raise ValidationError("Estimated hours must be from 0.", "estimated_hours")
        if not isinstance(cost, int) or not 0 <= cost <= catalogue.MAX_PRICE_MINOR:
            raise ValidationError("Estimated cost must be whole minor units from 0.",
                                  "estimated_cost_minor")
        step.estimated_hours, step.estimated_cost_minor = float(hours), cost
    step.title = catalogue._text(title, "title", 200, required=True) or ""
    step.description = catalogue._text(data.description, "description", 5000)
    earlier = {s.id: s for s in pathway.steps}
    for pid in data.prerequisite_ids:
        if pid not in earlier:
            raise ValidationError("A prerequisite must be an earlier step of this pathway.",
                                  "prerequisite_ids")
    step.prerequisites = [earlier[pid] for pid in dict.fromkeys(data.prerequisite_ids)]
    pathway.steps.append(step)
    db.session.flush()
    audit.record(actor, pathway.company_id, "pathway.step", "pathway", pathway.id,
                 f"Step '{step.title}' added to {pathway.title}")
    return step


def remove_step(actor: User, pathway: Pathway, step: PathwayStep) -> None:
    _require_admin(actor)
    if step.pathway_id != pathway.id:
        raise ValidationError("That step is not part of this pathway.")
    if db.session.scalar(select(StepCompletion.id).where(StepCompletion.step_id == step.id)
                         .limit(1)):
        raise Conflict("People have completed this step; it stays so their progress is kept. "
                       "Make it optional instead.")
    for other in pathway.steps:
        if step in other.prerequisites:
            other.prerequisites.remove(step)
    pathway.steps.remove(step)
    db.session.delete(step)
    db.session.flush()


def move_step(actor: User, pathway: Pathway, step: PathwayStep, direction: int) -> None:
    """Swap a step with its neighbour (direction -1 up, +1 down), keeping prerequisites earlier."""
    _require_admin(actor)
    steps = sorted(pathway.steps, key=lambda s: s.position)
    i = steps.index(step)
    j = i + direction
    if not 0 <= j < len(steps):
        return
    first, second = (steps[j], step) if direction < 0 else (step, steps[j])
    if first in second.prerequisites:
        raise ValidationError(f"'{first.title}' is a prerequisite of '{second.title}' and must "
                              "stay before it.")
    step.position, steps[j].position = steps[j].position, step.position
    db.session.flush()


@dataclass(frozen=True)
class Estimate:
    cost_minor: int
    hours: float
    required_cost_minor: int
    required_hours: float


def step_cost(step: PathwayStep) -> tuple[int, float]:
    if step.kind == StepKind.OFFERING and step.offering is not None:
        return step.offering.price_minor, step.offering.duration_hours
    return step.estimated_cost_minor, step.estimated_hours


def estimate(pathway: Pathway) -> Estimate:
    costs = [(step_cost(s), s.required) for s in pathway.steps]
    return Estimate(sum(c for (c, _h), _r in costs), sum(h for (_c, h), _r in costs),
                    sum(c for (c, _h), r in costs if r), sum(h for (_c, h), r in costs if r))


def publish(actor: User, pathway: Pathway) -> None:
    _require_admin(actor)
    if not pathway.steps:
        raise ValidationError("Add at least one step before publishing.")
    retired = [s.title for s in pathway.steps if s.offering is not None and s.offering.retired]
    if retired:
        raise ValidationError(f"Replace the retired offering(s) first: {', '.join(retired)}.")
    pathway.status, pathway.published_at = "published", utcnow()
    db.session.flush()
    audit.record(actor, pathway.company_id, "pathway.publish", "pathway", pathway.id,
                 f"Pathway {pathway.title} published")


def unpublish(actor: User, pathway: Pathway) -> None:
    _require_admin(actor)
    pathway.status = "draft"
    db.session.flush()


# --- enrolling ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignResult:
    enrolled: int
    already: int


def assign(actor: User, pathway: Pathway, people: Sequence[User] = (),
           teams: Sequence[Team] = (), due_date: date | None = None) -> AssignResult:
    """Enrol people and whole teams (with sub-teams) in bulk; people already on it are kept."""
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
                  reference: str | None = None) -> StepCompletion:
    """Mark a step done with evidence (note, link, certificate bytes + file name); flush only.

    The person themselves, their line manager or an admin may do it. `reference` is what
    produced the completion (e.g. "request:42" from the learning-requests flow).
    """
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
    note = catalogue._text(note, "note", 4000)
    link = catalogue.check_url(link, "link")
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
        _record_evidence(actor, enrolment, step, completion, reference)
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
                     completion: StepCompletion, reference: str | None) -> None:
    employee = enrolment.user
    on = date.today()
    if step.kind == StepKind.OFFERING and step.offering is not None:
        catalogue.record_offering_completion(
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
        .order_by(Enrolment.status, Enrolment.due_date.is_(None), Enrolment.due_date,
                  Enrolment.id)))


def enrolments_for(pathway: Pathway) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.company_id == pathway.company_id,
                                Enrolment.pathway_id == pathway.id).order_by(Enrolment.id)))
