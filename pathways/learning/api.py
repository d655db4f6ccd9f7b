"""Pathways, enrolments and recommendations over JSON (same services as the pages)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Flask, abort
from flask_login import current_user
from sqlalchemy import select

from app.access import may_see
from app.api.plumbing import api_blueprint, require_role
from app.api.schema import operation
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import Team, User
from app.pagination import paginated
from app.tenancy import current_company, get_or_404, scoped
from pathways.capabilities.models import Capability, Role

from . import builder, enrolments, recommend
from .models import Enrolment, Pathway, PathwayStep
from .schemas import Enrolment as EnrolmentOut
from .schemas import (
    EnrolmentCounts,
    NewEnrolment,
    NewPathway,
    NewStep,
    PathwayPage,
    PathwayQuery,
    RecommendationQuery,
    Recommendations,
    StepDone,
)
from .schemas import Pathway as PathwayOut

bp = api_blueprint("learning_api", __name__)

def pathway_json(p: Pathway) -> dict[str, Any]:
    est = builder.estimate(p)
    return {"id": p.id, "title": p.title, "description": p.description,
            "target_role_id": p.target_role_id, "target_capability_id": p.target_capability_id,
            "status": p.status, "self_enrol": p.self_enrol,
            "estimated_cost_minor": est.required_cost_minor,
            "estimated_hours": est.required_hours, "currency": current_company().currency,
            "steps": [{"id": s.id, "position": s.position, "kind": s.kind, "title": s.title,
                       "description": s.description, "offering_id": s.offering_id,
                       "capability_id": s.capability_id, "to_level": s.to_level, "url": s.url,
                       "required": s.required, "estimated_hours": s.estimated_hours,
                       "estimated_cost_minor": s.estimated_cost_minor,
                       "prerequisites": [x.position for x in s.prerequisites]}
                      for s in sorted(p.steps, key=lambda s: s.position)]}


def enrolment_json(e: Enrolment) -> dict[str, Any]:
    p = enrolments.progress(e)
    return {"id": e.id, "pathway_id": e.pathway_id, "employee_id": e.user_id,
            "status": e.status, "due_date": e.due_date.isoformat() if e.due_date else None,
            "percent": p.percent, "next_step_id": p.next_step.step.id if p.next_step else None,
            "completed_step_ids": sorted(c.step_id for c in e.completions
                                         if c.status == "done")}


# --- pathways ----------------------------------------------------------------------------------

@bp.get("/pathways")
@operation(query=PathwayQuery, response=PathwayPage)
def list_pathways(query: PathwayQuery) -> dict[str, Any]:
    """Published pathways (admins also see drafts)."""
    pathways = scoped(Pathway).order_by(Pathway.title, Pathway.id)
    if not current_user.has_role("admin"):
        pathways = pathways.where(Pathway.status == "published")
    return paginated(pathways, pathway_json, query)


def _add_steps(pathway: Pathway, steps: list[NewStep]) -> None:
    """Append the steps in order; a step's prerequisites are positions of earlier steps."""
    by_position: dict[int, int] = {}
    for i, raw in enumerate(steps, start=1):
        if any(p not in by_position for p in raw.prerequisites):
            raise ValidationError(f"Step {i}: prerequisites are positions of earlier steps.",
                                  "steps")
        try:
            step = builder.add_step(current_user, pathway, builder.StepData(
                kind=raw.kind, title=raw.title, description=raw.description,
                offering_id=raw.offering_id, capability_id=raw.capability_id,
                to_level=raw.to_level, url=raw.url, required=raw.required,
                estimated_hours=raw.estimated_hours,
                estimated_cost_minor=raw.estimated_cost_minor,
                prerequisite_ids=[by_position[p] for p in raw.prerequisites]))
        except ValidationError as exc:
            raise ValidationError(f"Step {i}: {exc.message}", exc.field) from exc
        by_position[i] = step.id


@bp.post("/pathways")
@operation(body=NewPathway, response=PathwayOut, status=201)
def create_pathway(body: NewPathway) -> dict[str, Any]:
    """Create a pathway with its steps; `"status": "published"` publishes it at once (admin)."""
    require_role("admin")
    role = get_or_404(Role, body.target_role_id) if body.target_role_id else None
    cap = get_or_404(Capability, body.target_capability_id) if body.target_capability_id else None
    pathway = builder.save_pathway(current_user, body.title, body.description, role, cap,
                                   body.self_enrol)
    _add_steps(pathway, body.steps)
    if body.status == "published":
        builder.publish(current_user, pathway)
    return pathway_json(pathway)


@bp.get("/pathways/<int:pathway_id>")
@operation(response=PathwayOut)
def get_pathway(pathway_id: int) -> dict[str, Any]:
    """One pathway with its steps and estimate."""
    pathway = get_or_404(Pathway, pathway_id)
    enrolled = pathway.archived and db.session.scalar(select(Enrolment.id).where(
        Enrolment.pathway_id == pathway.id, Enrolment.user_id == current_user.id))
    if not (pathway.published or enrolled or current_user.has_role("admin")):
        abort(404)
    return pathway_json(pathway)


@bp.post("/pathways/<int:pathway_id>/enrolments")
@operation(body=NewEnrolment, response=EnrolmentOut | EnrolmentCounts, status=201)
def enrol(pathway_id: int, body: NewEnrolment) -> dict[str, Any]:
    """Enrol a person (admins anyone, managers their reports, people themselves) or whole teams.

    With `employee_id` the answer is that person's enrolment; with only `team_ids` it is the
    counts of people enrolled and already enrolled.
    """
    pathway = get_or_404(Pathway, pathway_id)
    if body.employee_id is None and not body.team_ids:
        raise ValidationError("'employee_id' or 'team_ids' is required.", "employee_id")
    person = get_or_404(User, body.employee_id) if body.employee_id is not None else None
    teams = [get_or_404(Team, t) for t in body.team_ids]
    if person is not None and person.id == current_user.id and not teams \
            and body.due_date is None and not current_user.has_role("admin"):
        return enrolment_json(enrolments.enrol_self(current_user, pathway))
    result = enrolments.assign(current_user, pathway, [person] if person else [], teams,
                               body.due_date)
    if person is None:
        return {"enrolled": result.enrolled, "already": result.already}
    enrolment = db.session.scalar(scoped(Enrolment).where(
        Enrolment.pathway_id == pathway.id, Enrolment.user_id == person.id))
    if enrolment is None:  # assign enrolled them or found them enrolled
        abort(404)
    return enrolment_json(enrolment)


def _certificate(body: StepDone) -> tuple[bytes, str] | None:
    """The uploaded certificate's bytes and name, decoded from base64."""
    if not body.certificate_base64:
        return None
    try:
        blob = base64.b64decode(body.certificate_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("'certificate_base64' is not base64.",
                              "certificate_base64") from exc
    return blob, body.certificate_name or "certificate"


@bp.post("/enrolments/<int:enrolment_id>/steps/<int:step_id>/complete")
@operation(body=StepDone, response=EnrolmentOut, status=201)
def complete_step(enrolment_id: int, step_id: int, body: StepDone) -> dict[str, Any]:
    """Mark a step done with evidence: `note`, `link`, and an optional certificate
    (`certificate_base64` + `certificate_name`; PDF, PNG or JPEG)."""
    enrolment = get_or_404(Enrolment, enrolment_id)
    step = get_or_404(PathwayStep, step_id)
    if step.pathway_id != enrolment.pathway_id:
        abort(404)
    if not may_see(current_user, enrolment.user):
        raise PermissionDenied("You can only complete your own steps or your reports'.")
    enrolments.complete_step(current_user, enrolment, step, body.note, body.link,
                             _certificate(body))
    return enrolment_json(enrolment)


@bp.get("/employees/<int:employee_id>/recommendations")
@operation(query=RecommendationQuery, response=Recommendations)
def recommendations(employee_id: int, query: RecommendationQuery) -> dict[str, Any]:
    """Ranked offerings and pathways for a person's gaps, with one reason each."""
    person = get_or_404(User, employee_id)
    if not may_see(current_user, person):
        abort(404)
    role = get_or_404(Role, query.role_id) if query.role_id else None
    recs = recommend.recommend(person, role)
    return {"role_id": recs.role.id if recs.role else None,
            "available_minor": recs.available_minor,
            "items": [{"kind": c.kind, "id": c.id, "title": c.title,
                       "levels_gained": c.levels, "cost_minor": c.cost_minor,
                       "currency": c.currency, "hours": c.hours,
                       "score": round(c.score, 4), "reason": c.reason}
                      for c in recs.candidates]}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
