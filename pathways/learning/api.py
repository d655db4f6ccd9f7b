"""Pathways, enrolments and recommendations over JSON (same services as the pages)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Flask, abort, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import may_see as can_see
from app.api.openapi import add_schema, page_of
from app.api.plumbing import api_blueprint, body, date_field, field, require_role
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import Team, User
from app.pagination import paginated
from app.tenancy import current_company, get_or_404, scoped
from pathways.capabilities.models import Capability, Role

from . import builder, enrolments, recommend
from .models import Enrolment, Pathway, PathwayStep

bp = api_blueprint("learning_api", __name__)

STEP_SCHEMA = {"type": "object", "required": ["kind"], "properties": {
    "id": {"type": "integer", "readOnly": True}, "position": {"type": "integer", "readOnly": True},
    "kind": {"type": "string", "enum": ["offering", "mentor_session", "practice", "reading"]},
    "title": {"type": "string"}, "description": {"type": "string", "nullable": True},
    "offering_id": {"type": "integer", "nullable": True},
    "capability_id": {"type": "integer", "nullable": True},
    "to_level": {"type": "integer", "nullable": True}, "url": {"type": "string", "nullable": True},
    "required": {"type": "boolean"}, "estimated_hours": {"type": "number"},
    "estimated_cost_minor": {"type": "integer"},
    "prerequisites": {"type": "array", "items": {"type": "integer"},
                      "description": "positions (1-based) of earlier steps"}}}
PATHWAY_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer", "readOnly": True}, "title": {"type": "string"},
    "description": {"type": "string", "nullable": True},
    "target_role_id": {"type": "integer", "nullable": True},
    "target_capability_id": {"type": "integer", "nullable": True},
    "status": {"type": "string", "enum": ["draft", "published", "archived"]},
    "self_enrol": {"type": "boolean"},
    "estimated_cost_minor": {"type": "integer", "readOnly": True},
    "estimated_hours": {"type": "number", "readOnly": True},
    "currency": {"type": "string", "readOnly": True},
    "steps": {"type": "array", "items": {"$ref": "#/components/schemas/PathwayStep"}}}}
ENROLMENT_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "pathway_id": {"type": "integer"},
    "employee_id": {"type": "integer"}, "status": {"type": "string"},
    "due_date": {"type": "string", "format": "date", "nullable": True},
    "percent": {"type": "integer"}, "next_step_id": {"type": "integer", "nullable": True},
    "completed_step_ids": {"type": "array", "items": {"type": "integer"}}}}
RECOMMENDATION_SCHEMA = {"type": "object", "properties": {
    "kind": {"type": "string", "enum": ["offering", "pathway", "mentor"]},
    "id": {"type": "integer"}, "title": {"type": "string"},
    "levels_gained": {"type": "integer"}, "cost_minor": {"type": "integer"},
    "currency": {"type": "string"}, "hours": {"type": "number"}, "score": {"type": "number"},
    "reason": {"type": "string"}}}


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
def list_pathways() -> Response:
    """Published pathways (admins also see drafts).
    ---
    get:
      parameters:
        - {in: query, name: page, schema: {type: integer}}
      responses:
        200:
          description: A page of pathways
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PathwayPage'}
    """
    query = scoped(Pathway).order_by(Pathway.title, Pathway.id)
    if not current_user.has_role("admin"):
        query = query.where(Pathway.status == "published")
    return jsonify(paginated(query, pathway_json))


@bp.post("/pathways")
def create_pathway() -> tuple[Response, int]:
    """Create a pathway with its steps; `"status": "published"` publishes it at once (admin).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pathway'}
      responses:
        201:
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pathway'}
    """
    require_role("admin")
    data = body()
    role_id, cap_id = field(data, "target_role_id", int), field(data, "target_capability_id", int)
    pathway = builder.save_pathway(
        current_user, field(data, "title", str, required=True),
        field(data, "description", str), get_or_404(Role, role_id) if role_id else None,
        get_or_404(Capability, cap_id) if cap_id else None,
        field(data, "self_enrol", bool, default=True))
    by_position: dict[int, int] = {}
    for i, raw in enumerate(field(data, "steps", list) or [], start=1):
        if not isinstance(raw, dict):
            raise ValidationError(f"Step {i} must be an object.", "steps")
        prereqs = field(raw, "prerequisites", list) or []
        if any(not isinstance(p, int) or p not in by_position for p in prereqs):
            raise ValidationError(f"Step {i}: prerequisites are positions of earlier steps.",
                                  "steps")
        try:
            step = builder.add_step(current_user, pathway, builder.StepData(
                kind=field(raw, "kind", str, required=True), title=field(raw, "title", str),
                description=field(raw, "description", str),
                offering_id=field(raw, "offering_id", int),
                capability_id=field(raw, "capability_id", int),
                to_level=field(raw, "to_level", int), url=field(raw, "url", str),
                required=field(raw, "required", bool, default=True),
                estimated_hours=field(raw, "estimated_hours", (int, float), default=0),
                estimated_cost_minor=field(raw, "estimated_cost_minor", int, default=0),
                prerequisite_ids=[by_position[p] for p in prereqs]))
        except ValidationError as exc:
            raise ValidationError(f"Step {i}: {exc.message}", exc.field) from exc
        by_position[i] = step.id
    status = field(data, "status", str, default="draft")
    if status not in ("draft", "published"):
        raise ValidationError("'status' is draft or published.", "status")
    if status == "published":
        builder.publish(current_user, pathway)
    db.session.commit()
    return jsonify(pathway_json(pathway)), 201


@bp.get("/pathways/<int:pathway_id>")
def get_pathway(pathway_id: int) -> Response:
    """One pathway with its steps and estimate.
    ---
    get:
      parameters:
        - {in: path, name: pathway_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The pathway
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pathway'}
    """
    pathway = get_or_404(Pathway, pathway_id)
    enrolled = pathway.archived and db.session.scalar(select(Enrolment.id).where(
        Enrolment.pathway_id == pathway.id, Enrolment.user_id == current_user.id))
    if not (pathway.published or enrolled or current_user.has_role("admin")):
        abort(404)
    return jsonify(pathway_json(pathway))


@bp.post("/pathways/<int:pathway_id>/enrolments")
def enrol(pathway_id: int) -> tuple[Response, int]:
    """Enrol a person (admins anyone, managers their reports, people themselves) or whole teams.
    ---
    post:
      parameters:
        - {in: path, name: pathway_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                employee_id: {type: integer}
                team_ids: {type: array, items: {type: integer}}
                due_date: {type: string, format: date}
      responses:
        201:
          description: The enrolment of `employee_id` (or counts for teams)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Enrolment'}
    """
    pathway = get_or_404(Pathway, pathway_id)
    data = body()
    employee_id = field(data, "employee_id", int)
    team_ids = field(data, "team_ids", list) or []
    due = date_field(data, "due_date")
    if employee_id is None and not team_ids:
        raise ValidationError("'employee_id' or 'team_ids' is required.", "employee_id")
    person = get_or_404(User, employee_id) if employee_id is not None else None
    teams = [get_or_404(Team, t) for t in team_ids]
    if person is not None and person.id == current_user.id and not teams and due is None \
            and not current_user.has_role("admin"):
        enrolment = enrolments.enrol_self(current_user, pathway)
        db.session.commit()
        return jsonify(enrolment_json(enrolment)), 201
    result = enrolments.assign(current_user, pathway, [person] if person else [], teams,
                                    due)
    db.session.commit()
    if person is None:
        return jsonify({"enrolled": result.enrolled, "already": result.already}), 201
    enrolment = db.session.scalar(scoped(Enrolment).where(
        Enrolment.pathway_id == pathway.id, Enrolment.user_id == person.id))
    return jsonify(enrolment_json(enrolment)), 201


@bp.post("/enrolments/<int:enrolment_id>/steps/<int:step_id>/complete")
def complete_step(enrolment_id: int, step_id: int) -> tuple[Response, int]:
    """Mark a step done with evidence: `note`, `link`, and an optional certificate
    (`certificate_base64` + `certificate_name`; PDF, PNG or JPEG).
    ---
    post:
      parameters:
        - {in: path, name: enrolment_id, required: true, schema: {type: integer}}
        - {in: path, name: step_id, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                note: {type: string}
                link: {type: string}
                certificate_base64: {type: string}
                certificate_name: {type: string}
      responses:
        201:
          description: The enrolment after the step
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Enrolment'}
    """
    enrolment = get_or_404(Enrolment, enrolment_id)
    step = get_or_404(PathwayStep, step_id)
    if step.pathway_id != enrolment.pathway_id:
        abort(404)
    if not can_see(current_user, enrolment.user):
        raise PermissionDenied("You can only complete your own steps or your reports'.")
    data = body() if request.get_data() else {}
    certificate = None
    raw = field(data, "certificate_base64", str)
    if raw:
        try:
            blob = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("'certificate_base64' is not base64.",
                                  "certificate_base64") from exc
        certificate = (blob, field(data, "certificate_name", str) or "certificate")
    enrolments.complete_step(current_user, enrolment, step, field(data, "note", str),
                                  field(data, "link", str), certificate)
    db.session.commit()
    return jsonify(enrolment_json(enrolment)), 201


@bp.get("/employees/<int:employee_id>/recommendations")
def recommendations(employee_id: int) -> Response:
    """Ranked offerings and pathways for a person's gaps, with one reason each.
    ---
    get:
      parameters:
        - {in: path, name: employee_id, required: true, schema: {type: integer}}
        - {in: query, name: role_id, schema: {type: integer}, description: target role (default the current role)}
      responses:
        200:
          description: Recommendations, best first
          content:
            application/json:
              schema:
                type: object
                properties:
                  role_id: {type: integer, nullable: true}
                  available_minor: {type: integer, nullable: true}
                  items: {type: array, items: {$ref: '#/components/schemas/Recommendation'}}
    """
    person = get_or_404(User, employee_id)
    if not can_see(current_user, person):
        abort(404)
    role = get_or_404(Role, request.args["role_id"]) if request.args.get("role_id") else None
    recs = recommend.recommend(person, role)
    return jsonify({"role_id": recs.role.id if recs.role else None,
                    "available_minor": recs.available_minor,
                    "items": [{"kind": c.kind, "id": c.id, "title": c.title,
                               "levels_gained": c.levels, "cost_minor": c.cost_minor,
                               "currency": c.currency, "hours": c.hours,
                               "score": round(c.score, 4), "reason": c.reason}
                              for c in recs.candidates]})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for name, schema in (("PathwayStep", STEP_SCHEMA), ("Pathway", PATHWAY_SCHEMA),
                         ("Enrolment", ENROLMENT_SCHEMA), ("Recommendation", RECOMMENDATION_SCHEMA)):
        add_schema(app, name, schema)
    add_schema(app, "PathwayPage", page_of("Pathway"))
