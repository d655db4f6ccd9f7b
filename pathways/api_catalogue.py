"""Catalogue, pathways, enrolments and recommendations over JSON (same services as the pages)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Flask, abort, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.api.openapi import add_schema, page_of
from app.api.people import can_see
from app.api.plumbing import api_blueprint, body, date_field, field, require_role
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import Team, User
from app.pagination import paginated
from app.tenancy import current_company, get_or_404, scoped

from . import catalogue, pathway_service, recommend
from .catalogue_models import Enrolment, Offering, Pathway, PathwayStep, Provider
from .models import Capability, Role

bp = api_blueprint("catalogue_api", __name__)

DELTA = {"type": "object", "required": ["capability_id", "from_level", "to_level"],
         "properties": {"capability_id": {"type": "integer"}, "from_level": {"type": "integer"},
                        "to_level": {"type": "integer"}}}
OFFERING_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer", "readOnly": True}, "title": {"type": "string"},
    "type": {"type": "string", "enum": ["course", "certification", "book", "event", "coaching"]},
    "provider": {"type": "string", "nullable": True,
                 "description": "provider name (created if new)"},
    "provider_id": {"type": "integer", "nullable": True},
    "description": {"type": "string", "nullable": True}, "url": {"type": "string",
                                                                 "nullable": True},
    "price_minor": {"type": "integer"}, "currency": {"type": "string"},
    "duration_hours": {"type": "number"},
    "format": {"type": "string", "enum": ["online", "in_person", "blended"]},
    "language": {"type": "string"},
    "capabilities": {"type": "array", "items": DELTA},
    "rating": {"type": "number", "nullable": True, "readOnly": True},
    "rating_count": {"type": "integer", "readOnly": True},
    "retired": {"type": "boolean", "description": "PATCH true to retire, false to restore"}}}
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


def offering_json(o: Offering) -> dict[str, Any]:
    return {"id": o.id, "title": o.title, "type": o.type,
            "provider": o.provider.name if o.provider else None, "provider_id": o.provider_id,
            "description": o.description, "url": o.url, "price_minor": o.price_minor,
            "currency": o.currency, "duration_hours": o.duration_hours, "format": o.format,
            "language": o.language, "rating": o.rating, "rating_count": o.rating_count,
            "retired": o.retired,
            "capabilities": [{"capability_id": d.capability_id, "from_level": d.from_level,
                              "to_level": d.to_level} for d in o.capabilities]}


def pathway_json(p: Pathway) -> dict[str, Any]:
    est = pathway_service.estimate(p)
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
    p = pathway_service.progress(e)
    return {"id": e.id, "pathway_id": e.pathway_id, "employee_id": e.user_id,
            "status": e.status, "due_date": e.due_date.isoformat() if e.due_date else None,
            "percent": p.percent, "next_step_id": p.next_step.step.id if p.next_step else None,
            "completed_step_ids": sorted(c.step_id for c in e.completions
                                         if c.status == "done")}


# --- offerings ---------------------------------------------------------------------------------

@bp.get("/offerings")
def list_offerings() -> Response:
    """Search the catalogue (same filters as the page; prices in minor units here).
    ---
    get:
      parameters:
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: capability_id, schema: {type: integer}}
        - {in: query, name: type, schema: {type: string}}
        - {in: query, name: format, schema: {type: string}}
        - {in: query, name: price_min_minor, schema: {type: integer}}
        - {in: query, name: price_max_minor, schema: {type: integer}}
        - {in: query, name: hours_min, schema: {type: number}}
        - {in: query, name: hours_max, schema: {type: number}}
        - {in: query, name: sort, schema: {type: string, enum: [relevance, price, price_desc, rating, duration, title]}}
        - {in: query, name: include_retired, schema: {type: boolean}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer, maximum: 200}}
      responses:
        200:
          description: A page of offerings
          content:
            application/json:
              schema: {$ref: '#/components/schemas/OfferingPage'}
    """
    params = catalogue.parse_search(request.args)
    for name in ("price_min_minor", "price_max_minor"):
        raw = request.args.get(name)
        if raw:
            if not raw.isdigit():
                raise ValidationError(f"'{name}' must be a whole number of minor units.", name)
            setattr(params, name.removesuffix("_minor"), int(raw))
    params.include_retired = request.args.get("include_retired") in ("1", "true")
    return jsonify(paginated(catalogue.search(current_company().id, params), offering_json))


def _offering_data(data: dict[str, Any], current: Offering | None) -> catalogue.OfferingData:
    def pick(name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = field(data, name, kind)
        return default if name not in data else value

    provider_id = pick("provider_id", int, current.provider_id if current else None)
    provider_name = field(data, "provider", str)
    if provider_name:
        existing = next((p for p in catalogue.providers(current_company().id, True)
                         if p.name.lower() == provider_name.strip().lower()), None)
        provider_id = (existing or catalogue.save_provider(current_user, provider_name)).id
    elif provider_id is not None:
        get_or_404(Provider, provider_id)
    raw_caps = pick("capabilities", list, None)
    if raw_caps is None:
        deltas = [catalogue.Delta(d.capability_id, d.from_level, d.to_level)
                  for d in (current.capabilities if current else [])]
    else:
        deltas = []
        for item in raw_caps:
            if not isinstance(item, dict):
                raise ValidationError("Each capability is an object with capability_id, "
                                      "from_level and to_level.", "capabilities")
            deltas.append(catalogue.Delta(
                get_or_404(Capability, field(item, "capability_id", int, required=True)).id,
                field(item, "from_level", int, required=True),
                field(item, "to_level", int, required=True)))
    hours = pick("duration_hours", (int, float), current.duration_hours if current else None)
    return catalogue.OfferingData(
        title=pick("title", str, current.title if current else None) or "",
        type=pick("type", str, current.type if current else None) or "",
        price_minor=pick("price_minor", int, current.price_minor if current else None),
        duration_hours=hours if hours is not None else 0,
        provider_id=provider_id,
        description=pick("description", str, current.description if current else None),
        url=pick("url", str, current.url if current else None),
        currency=pick("currency", str, current.currency if current else None),
        format=pick("format", str, current.format if current else "online") or "online",
        language=pick("language", str, current.language if current else "en") or "en",
        capabilities=deltas)


@bp.post("/offerings")
def create_offering() -> tuple[Response, int]:
    """Add an offering to the catalogue (admin).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Offering'}
      responses:
        201:
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Offering'}
    """
    require_role("admin")
    data = body()
    if "price_minor" not in data:
        raise ValidationError("'price_minor' is required.", "price_minor")
    offering = catalogue.save_offering(current_user, _offering_data(data, None))
    db.session.commit()
    return jsonify(offering_json(offering)), 201


@bp.get("/offerings/<int:offering_id>")
def get_offering(offering_id: int) -> Response:
    """One offering.
    ---
    get:
      parameters:
        - {in: path, name: offering_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The offering
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Offering'}
    """
    return jsonify(offering_json(get_or_404(Offering, offering_id)))


@bp.patch("/offerings/<int:offering_id>")
def update_offering(offering_id: int) -> Response:
    """Change some fields of an offering, or retire/restore it with `retired` (admin).
    ---
    patch:
      parameters:
        - {in: path, name: offering_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Offering'}
      responses:
        200:
          description: The changed offering
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Offering'}
    """
    offering = get_or_404(Offering, offering_id)
    require_role("admin")
    data = body()
    retired = field(data, "retired", bool)
    if set(data) - {"retired"}:
        catalogue.save_offering(current_user, _offering_data(data, offering), offering)
    if retired is not None and retired != offering.retired:
        catalogue.set_offering_retired(current_user, offering, retired)
    db.session.commit()
    return jsonify(offering_json(offering))


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
    pathway = pathway_service.save_pathway(
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
            step = pathway_service.add_step(current_user, pathway, pathway_service.StepData(
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
        pathway_service.publish(current_user, pathway)
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
        enrolment = pathway_service.enrol_self(current_user, pathway)
        db.session.commit()
        return jsonify(enrolment_json(enrolment)), 201
    result = pathway_service.assign(current_user, pathway, [person] if person else [], teams,
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
    pathway_service.complete_step(current_user, enrolment, step, field(data, "note", str),
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
    for name, schema in (("Offering", OFFERING_SCHEMA), ("PathwayStep", STEP_SCHEMA),
                         ("Pathway", PATHWAY_SCHEMA), ("Enrolment", ENROLMENT_SCHEMA),
                         ("Recommendation", RECOMMENDATION_SCHEMA)):
        add_schema(app, name, schema)
    add_schema(app, "OfferingPage", page_of("Offering"))
    add_schema(app, "PathwayPage", page_of("Pathway"))
