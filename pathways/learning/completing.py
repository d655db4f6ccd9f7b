"""Completing steps: marking one done with its evidence, the manager's verification when the
company asks for it, and the setting that asks for it.

The evidence a completion implies: an offering step develops what the offering develops
(source "completed offering", and the offering counts as completed for reviews); another step
with a capability and a level is the person's own claim (source "self") unless a manager
verifies it (source "manager"). When the company requires manager verification, every
completion the person makes waits as "pending" and its evidence is recorded by the verifying
line manager (or an admin).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import audit
from app.access import approvable_people, may_approve_for, may_guide
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, utcnow
from pathways.capabilities import levels
from pathways.capabilities.models import Source
from pathways.catalogue import completions, offerings

from . import mail, uploads
from .models import Enrolment, LearningSettings, PathwayStep, StepCompletion, StepKind
from .progress import refresh_status


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



# --- completing ---------------------------------------------------------------------------------

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
    if not (actor.id == employee.id or may_guide(actor, employee)):
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
    refresh_status(enrolment)
    audit.record(actor, enrolment.company_id, "pathway.step_done", "enrolment", enrolment.id,
                 f"{employee.name}: '{step.title}' {completion.status}")
    return completion


def verify_completion(actor: User, completion: StepCompletion) -> None:
    """The line manager (or an admin) confirms a pending completion; its evidence follows."""
    enrolment = completion.enrolment
    employee = enrolment.user
    if completion.company_id != actor.company_id:
        raise PermissionDenied("That completion belongs to another company.")
    if not may_approve_for(actor, employee):
        raise PermissionDenied(f"Only {employee.name}'s line manager or L&D verifies it.")
    if completion.status != "pending":
        raise Conflict("That step is already verified.")
    completion.status, completion.verified_by_id = "done", actor.id
    completion.verified_at = utcnow()
    db.session.flush()
    _record_evidence(actor, enrolment, completion.step, completion, None)
    refresh_status(enrolment)


def pending_for(manager: User) -> list[StepCompletion]:
    """Completions waiting for this manager's verification (admins see everyone's)."""
    query = (select(StepCompletion).join(User, User.id == StepCompletion.user_id)
             .where(StepCompletion.company_id == manager.company_id,
                    StepCompletion.status == "pending", approvable_people(manager)))
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
