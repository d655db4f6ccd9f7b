"""Building pathways: steps, prerequisites, estimates, publish (flush, never commit).

A prerequisite is always an *earlier* step of the same pathway, so prerequisites never form a
cycle; moving a step above one of its prerequisites is refused. Publishing needs at least one
step and no retired offering. Archiving retires a published or draft pathway without touching
its enrolments; steps someone completed are not moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, utcnow
from pathways.capabilities.models import Capability, Role
from pathways.catalogue import offerings
from pathways.catalogue.models import Offering

from .models import STEP_KINDS, Pathway, PathwayStep, StepCompletion, StepKind


def _require_admin(actor: User) -> None:
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an L&D admin builds pathways.")


def save_pathway(actor: User, title: str, description: str | None = None,
                 target_role: Role | None = None, target_capability: Capability | None = None,
                 self_enrol: bool = True, pathway: Pathway | None = None) -> Pathway:
    _require_admin(actor)
    title = offerings.clean_text(title, "title", 200, required=True) or ""
    description = offerings.clean_text(description, "description", 10_000)
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
        step.url = offerings.check_url(data.url)
        if data.kind == StepKind.READING and not step.url:
            raise ValidationError("A reading step needs a link.", "url")
        hours, cost = data.estimated_hours or 0, data.estimated_cost_minor or 0
        if not 0 <= hours <= offerings.MAX_HOURS:
            raise ValidationError("Estimated hours must be from 0.", "estimated_hours")
        if not isinstance(cost, int) or not 0 <= cost <= offerings.MAX_PRICE_MINOR:
            raise ValidationError("Estimated cost must be whole minor units from 0.",
                                  "estimated_cost_minor")
        step.estimated_hours, step.estimated_cost_minor = float(hours), cost
    step.title = offerings.clean_text(title, "title", 200, required=True) or ""
    step.description = offerings.clean_text(data.description, "description", 5000)
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
    """Swap a step with its neighbour (direction -1 up, +1 down), keeping prerequisites earlier.

    Steps someone has completed stay where they are: people's progress was made in that order.
    """
    _require_admin(actor)
    if step.pathway_id != pathway.id:
        raise ValidationError("That step is not part of this pathway.")
    steps = sorted(pathway.steps, key=lambda s: s.position)
    i = steps.index(step)
    j = i + direction
    if not 0 <= j < len(steps):
        return
    first, second = (steps[j], step) if direction < 0 else (step, steps[j])
    if first in second.prerequisites:
        raise ValidationError(f"'{first.title}' is a prerequisite of '{second.title}' and must "
                              "stay before it.")
    completed = completed_step_ids(pathway)
    moved = [s.title for s in (first, second) if s.id in completed]
    if moved:
        raise Conflict(f"People have already completed {' and '.join(repr(t) for t in moved)}; "
                       "steps someone completed keep their place. Add a new step instead, or "
                       "make one optional.")
    step.position, steps[j].position = steps[j].position, step.position
    db.session.flush()
    audit.record(actor, pathway.company_id, "pathway.step_moved", "pathway", pathway.id,
                 f"Step '{step.title}' moved {'up' if direction < 0 else 'down'}")


def completed_step_ids(pathway: Pathway) -> set[int]:
    """The pathway's steps that someone has marked done (or that wait for verification)."""
    return set(db.session.scalars(
        select(StepCompletion.step_id).join(PathwayStep, PathwayStep.id == StepCompletion.step_id)
        .where(PathwayStep.pathway_id == pathway.id).distinct()))


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
    if pathway.archived:
        raise ValidationError("The pathway is archived; restore it to publish it again.")
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
    if pathway.archived:
        raise ValidationError("The pathway is archived; restore it first.")
    pathway.status = "draft"
    db.session.flush()


def archive(actor: User, pathway: Pathway) -> None:
    """Retire a pathway: hidden from browse, recommendations and new enrolments and
    assignments; people already on it keep their enrolment, progress and evidence."""
    _require_admin(actor)
    if pathway.archived:
        raise Conflict(f"{pathway.title} is already archived.")
    pathway.status, pathway.archived_at = "archived", utcnow()
    db.session.flush()
    audit.record(actor, pathway.company_id, "pathway.archive", "pathway", pathway.id,
                 f"Pathway {pathway.title} archived")


def restore(actor: User, pathway: Pathway) -> None:
    """Bring an archived pathway back: published again (it was built), or a draft when one
    of its offerings has been retired meanwhile."""
    _require_admin(actor)
    if not pathway.archived:
        raise Conflict(f"{pathway.title} is not archived.")
    retired = any(s.offering is not None and s.offering.retired for s in pathway.steps)
    pathway.status = "draft" if retired or not pathway.steps else "published"
    pathway.archived_at = None
    db.session.flush()
    audit.record(actor, pathway.company_id, "pathway.restore", "pathway", pathway.id,
                 f"Pathway {pathway.title} restored as {pathway.status}")
