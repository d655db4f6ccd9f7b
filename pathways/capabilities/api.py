"""Capability maps over JSON: capabilities, framework import, roles, assessments, levels, gaps.

The same service calls as the pages, so the UI and the API cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.access import may_see as can_see
from app.api.openapi import add_schema, page_of
from app.api.plumbing import api_blueprint, body, date_field, field, require_role
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User
from app.pagination import paginated
from app.tenancy import current_company, get_or_404, scoped

from . import framework_import, frameworks, gaps, levels, roles
from .models import Capability, Framework, Role
from .schemas import CAPABILITY_SCHEMA, GAP_SCHEMA, LEVEL_SCHEMA, REQUIREMENT_SCHEMA, ROLE_SCHEMA

bp = api_blueprint("pathways_api", __name__)

def capability_json(c: Capability) -> dict[str, Any]:
    return {"id": c.id, "framework_id": c.framework_id, "framework": c.framework.name,
            "category": c.category.name, "name": c.name, "description": c.description,
            "external_id": c.external_id, "descriptors": c.descriptors or {},
            "max_level": c.framework.scale.max_level, "retired": c.retired}


def role_json(r: Role) -> dict[str, Any]:
    return {"id": r.id, "title": r.title, "family": r.family, "seniority": r.seniority,
            "description": r.description,
            "requirements": [{"capability_id": x.capability_id, "level": x.level,
                              "weight": x.weight}
                             for x in sorted(r.requirements, key=lambda x: x.capability_id)],
            "career_moves": [m.id for m in roles.moves_from(r.id)]}


@bp.get("/capabilities")
def list_capabilities() -> Response:
    """Capabilities of the company, searchable and paginated.
    ---
    get:
      parameters:
        - {in: query, name: q, schema: {type: string}, description: search name and external id}
        - {in: query, name: framework_id, schema: {type: integer}}
        - {in: query, name: include_retired, schema: {type: boolean}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer, maximum: 200}}
      responses:
        200:
          description: A page of capabilities
          content:
            application/json:
              schema: {$ref: '#/components/schemas/CapabilityPage'}
    """
    args = request.args
    query = frameworks.capability_query(current_company().id, args.get("q"),
                                        args.get("framework_id", type=int), None,
                                        args.get("include_retired") in ("1", "true"))
    return jsonify(paginated(query, capability_json))


@bp.post("/capabilities")
def create_capability() -> tuple[Response, int]:
    """Add a capability to a framework (admin).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Capability'}
      responses:
        201:
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Capability'}
    """
    require_role("admin")
    data = body()
    fw = get_or_404(Framework, field(data, "framework_id", int, required=True))
    descriptors = field(data, "descriptors", dict) or {}
    cap = frameworks.create_capability(current_user, fw, frameworks.CapabilityData(
        field(data, "category", str, required=True), field(data, "name", str, required=True),
        field(data, "description", str), field(data, "external_id", str),
        {str(k): str(v) for k, v in descriptors.items()}))
    db.session.commit()
    return jsonify(capability_json(cap)), 201


@bp.get("/capabilities/<int:capability_id>")
def get_capability(capability_id: int) -> Response:
    """One capability.
    ---
    get:
      parameters:
        - {in: path, name: capability_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The capability
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Capability'}
    """
    return jsonify(capability_json(get_or_404(Capability, capability_id)))


@bp.post("/frameworks/import")
def import_framework() -> tuple[Response, int]:
    """Import a framework (admin): CSV (`text/csv`) or JSON; all or nothing.

    With `?dry_run=1` nothing is written and the preview counts are returned.
    ---
    post:
      parameters:
        - in: query
          name: framework
          schema: {type: string}
          description: framework name (required for CSV)
        - {in: query, name: scale, schema: {type: string}, description: scale of a new framework}
        - {in: query, name: dry_run, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          text/csv:
            schema: {type: string}
          application/json:
            schema: {type: object, description: "the whole framework, as exported"}
      responses:
        200:
          description: "Dry run: what would happen"
        201:
          description: Imported
          content:
            application/json:
              schema:
                type: object
                properties:
                  framework_id: {type: integer}
                  created: {type: integer}
                  updated: {type: integer}
                  unchanged: {type: integer}
        400:
          description: Every bad row, in error.rows
    """
    require_role("admin")
    text = request.get_data(as_text=True)
    is_json = (request.mimetype or "").endswith("json")
    plan = framework_import.parse(current_company().id, text, "f.json" if is_json else "f.csv",
                                  request.args.get("framework"), request.args.get("scale"))
    if not plan.ok:
        first = plan.errors[0] if plan.errors else None
        response = jsonify({"error": {
            "code": "validation_error", "field": first.field if first else None,
            "message": f"{len(plan.errors)} problems; nothing was imported. "
                       + (str(first) if first else ""),
            "rows": [{"row": e.row, "field": e.field, "message": e.message}
                     for e in plan.errors]}})
        response.status_code = 400
        return response, 400
    counts = {"created": plan.creates, "updated": plan.updates, "unchanged": plan.unchanged}
    if request.args.get("dry_run") in ("1", "true"):
        return jsonify(counts | {"framework_id": None}), 200
    fw = framework_import.apply(current_user, plan)
    db.session.commit()
    return jsonify(counts | {"framework_id": fw.id}), 201


@bp.get("/roles")
def list_roles() -> Response:
    """Roles with their requirements.
    ---
    get:
      responses:
        200:
          description: A page of roles
          content:
            application/json:
              schema: {$ref: '#/components/schemas/RolePage'}
    """
    return jsonify(paginated(scoped(Role).options(selectinload(Role.requirements))
                             .order_by(Role.title), role_json))


def _requirements(data: dict[str, Any]) -> list[roles.Requirement] | None:
    raw = field(data, "requirements", list)
    if raw is None:
        return None
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationError(f"requirements[{i}] must be an object.", "requirements")
        out.append(roles.Requirement(field(item, "capability_id", int, required=True),
                                     field(item, "level", int, required=True),
                                     field(item, "weight", int, default=1) or 1))
    return out


def _role_data(data: dict[str, Any], role: Role | None) -> roles.RoleData:
    merged = (role_json(role) if role else {}) | data
    return roles.RoleData(field(merged, "title", str, required=True),
                          field(merged, "family", str), field(merged, "seniority", int),
                          field(merged, "description", str))


@bp.post("/roles")
def create_role() -> tuple[Response, int]:
    """Create a role with its requirements (admin).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Role'}
      responses:
        201:
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Role'}
    """
    require_role("admin")
    data = body()
    role = roles.create_role(current_user, _role_data(data, None))
    roles.set_requirements(current_user, role, _requirements(data) or [])
    db.session.commit()
    return jsonify(role_json(role)), 201


@bp.get("/roles/<int:role_id>")
def get_role(role_id: int) -> Response:
    """One role.
    ---
    get:
      parameters:
        - {in: path, name: role_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The role
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Role'}
    """
    return jsonify(role_json(get_or_404(Role, role_id)))


@bp.patch("/roles/<int:role_id>")
def update_role(role_id: int) -> Response:
    """Change a role (admin); `requirements`, when sent, replace the role's requirements.
    ---
    patch:
      parameters:
        - {in: path, name: role_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Role'}
      responses:
        200:
          description: The updated role
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Role'}
    """
    role = get_or_404(Role, role_id)
    require_role("admin")
    data = body()
    unknown = set(data) - set(ROLE_SCHEMA["properties"]) - {"id"}
    if unknown:
        raise ValidationError(f"Unknown field '{sorted(unknown)[0]}'.", sorted(unknown)[0])
    roles.update_role(current_user, role, _role_data(
        {k: v for k, v in data.items() if k not in ("requirements", "career_moves", "id")}, role))
    reqs = _requirements(data)
    if reqs is not None:
        roles.set_requirements(current_user, role, reqs)
    db.session.commit()
    return jsonify(role_json(role))


@bp.post("/assessments")
def create_assessment() -> tuple[Response, int]:
    """Record evidence: a self-assessment, a manager or peer rating, or (admin) an attestation.
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [employee_id, capability_id, level, source]
              properties:
                employee_id: {type: integer}
                capability_id: {type: integer}
                level: {type: integer, minimum: 1}
                source: {type: string, enum: [self, peer, manager, mentor, offering, external]}
                note: {type: string}
                assessed_on: {type: string, format: date, description: default today}
      responses:
        201:
          description: Recorded; the person's level for the capability after it
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Level'}
    """
    data = body()
    person = get_or_404(User, field(data, "employee_id", int, required=True))
    cap = get_or_404(Capability, field(data, "capability_id", int, required=True))
    source = field(data, "source", str, required=True)
    levels.record_evidence(current_user, person, cap, field(data, "level", int, required=True),
                           source, note=field(data, "note", str),
                           on=date_field(data, "assessed_on"))
    db.session.commit()
    return jsonify(level_json(levels.levels_of(person, [cap.id])[cap.id])), 201


def level_json(v: levels.LevelView) -> dict[str, Any]:
    d = v.decided_by
    return {"capability_id": v.capability.id, "capability": v.capability.name,
            "level": v.level, "explanation": v.why,
            "decided_by": None if d is None else {
                "assessment_id": d.id, "source": d.source, "author_id": d.author_id,
                "assessed_on": d.assessed_on.isoformat()}}


def _visible_person(employee_id: int) -> User:
    person = get_or_404(User, employee_id)
    if not can_see(current_user, person):
        raise PermissionDenied("You can see yourself and, as a manager, your reports.")
    return person


@bp.get("/employees/<int:employee_id>/levels")
def employee_levels(employee_id: int) -> Response:
    """The person's computed levels, each with its explanation (optionally as of a date).
    ---
    get:
      parameters:
        - {in: path, name: employee_id, required: true, schema: {type: integer}}
        - {in: query, name: at, schema: {type: string, format: date}}
      responses:
        200:
          description: Levels with evidence
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Level'}}
    """
    person = _visible_person(employee_id)
    at = date_field(dict(request.args), "at")
    views = levels.levels_of(person, at=at)
    return jsonify({"items": [level_json(v) for v in sorted(
        views.values(), key=lambda v: v.capability.name)]})


@bp.get("/employees/<int:employee_id>/gaps")
def employee_gaps(employee_id: int) -> Response:
    """Gaps against the person's role, or `role_id` (e.g. a target role), biggest first.
    ---
    get:
      parameters:
        - {in: path, name: employee_id, required: true, schema: {type: integer}}
        - {in: query, name: role_id, schema: {type: integer}}
      responses:
        200:
          description: Gaps and readiness
          content:
            application/json:
              schema:
                type: object
                properties:
                  role_id: {type: integer, nullable: true}
                  readiness: {type: number, nullable: true}
                  items: {type: array, items: {$ref: '#/components/schemas/Gap'}}
    """
    person = _visible_person(employee_id)
    role_id = request.args.get("role_id")
    if role_id:
        role = get_or_404(Role, role_id)
    else:
        assignment = roles.assignment(person)
        role = assignment.role if assignment else None
    rows = gaps.gaps(person, role)
    return jsonify({"role_id": role.id if role else None, "readiness": gaps.readiness_of(rows),
                    "items": [{"capability_id": g.capability_id, "capability": g.name,
                               "category": g.category, "target": g.target, "level": g.level,
                               "gap": g.gap, "weight": g.weight} for g in rows]})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for name, schema in (("Capability", CAPABILITY_SCHEMA), ("Requirement", REQUIREMENT_SCHEMA),
                         ("Role", ROLE_SCHEMA), ("Level", LEVEL_SCHEMA), ("Gap", GAP_SCHEMA)):
        add_schema(app, name, schema)
    add_schema(app, "CapabilityPage", page_of("Capability"))
    add_schema(app, "RolePage", page_of("Role"))

