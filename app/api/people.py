"""People and teams over JSON: /me, /employees, /teams."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.pagination import paginated

from ..errors import PermissionDenied, ValidationError
from ..extensions import db
from ..models import Team, User
from ..people import service
from ..tenancy import current_company, get_or_404
from .plumbing import api_blueprint, body, date_field, field, require_role

bp = api_blueprint("api", __name__)

EMPLOYEE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "team_id": {"type": "integer", "nullable": True},
        "manager_id": {"type": "integer", "nullable": True},
        "job_title": {"type": "string", "nullable": True},
        "access_roles": {"type": "array", "items": {
            "type": "string", "enum": ["admin", "manager", "employee", "executive"]}},
        "start_date": {"type": "string", "format": "date", "nullable": True},
        "status": {"type": "string", "enum": ["active", "left"]},
    },
}
TEAM_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "parent_id": {"type": "integer", "nullable": True},
    },
}


def employee_json(u: User) -> dict[str, Any]:
    return {
        "id": u.id, "email": u.email, "name": u.name, "team_id": u.team_id,
        "manager_id": u.manager_id, "job_title": u.job_title, "access_roles": u.access_roles,
        "start_date": u.start_date.isoformat() if u.start_date else None, "status": u.status,
    }


def team_json(t: Team) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "parent_id": t.parent_id}


def can_see(viewer: User, person: User) -> bool:
    """Admins and executives see everyone in the company; managers their reports; all themselves."""
    return (viewer.id == person.id or viewer.has_role("admin", "executive")
            or (viewer.has_role("manager") and person.manager_id == viewer.id))


@bp.get("/me")
def me() -> Response:
    """The token's owner and their company.
    ---
    get:
      responses:
        200:
          description: The signed-in person
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Employee'
                  - type: object
                    properties:
                      company:
                        type: object
                        properties:
                          id: {type: integer}
                          name: {type: string}
                          slug: {type: string}
                          currency: {type: string}
    """
    company = current_company()
    return jsonify(employee_json(current_user) | {"company": {
        "id": company.id, "name": company.name, "slug": company.slug, "currency": company.currency}})


@bp.get("/employees")
def list_employees() -> Response:
    """People of the company, paginated and filterable.
    ---
    get:
      parameters:
        - {in: query, name: q, schema: {type: string}, description: search name, e-mail, job title}
        - {in: query, name: team_id, schema: {type: integer}}
        - {in: query, name: role, schema: {type: string}}
        - {in: query, name: status, schema: {type: string, enum: [active, left]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer, maximum: 200}}
      responses:
        200:
          description: A page of employees (managers see their reports, employees themselves)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/EmployeePage'}
    """
    from flask import request

    query = service.people_query(current_company().id, request.args.get("q"),
                                 request.args.get("team_id", type=int),
                                 request.args.get("role") or None, request.args.get("status") or None)
    if not current_user.has_role("admin", "executive"):
        query = query.where((User.id == current_user.id) | (User.manager_id == current_user.id))
    return jsonify(paginated(query, employee_json))


def _person_data(data: dict[str, Any], person: User | None) -> service.PersonData:
    base = employee_json(person) if person else {}
    merged = base | data
    roles = field(merged, "access_roles", list, default=["employee"])
    if not all(isinstance(r, str) for r in roles):
        raise ValidationError("'access_roles' must be a list of strings.", "access_roles")
    return service.PersonData(
        email=field(merged, "email", str, required=True),
        name=field(merged, "name", str, required=True),
        team_id=field(merged, "team_id", int),
        manager_id=field(merged, "manager_id", int),
        job_title=field(merged, "job_title", str),
        access_roles=roles,
        start_date=date_field(merged, "start_date"),
    )


@bp.post("/employees")
def create_employee() -> tuple[Response, int]:
    """Add a person (admin); they get an e-mail invitation.
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Employee'}
      responses:
        201:
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Employee'}
    """
    from ..auth import service as accounts

    require_role("admin")
    user = service.create_person(current_user, _person_data(body(), None))
    accounts.send_invitation(current_user, user)
    db.session.commit()
    return jsonify(employee_json(user)), 201


@bp.get("/employees/<int:employee_id>")
def get_employee(employee_id: int) -> Response:
    """One person.
    ---
    get:
      parameters:
        - {in: path, name: employee_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The person
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Employee'}
    """
    person = get_or_404(User, employee_id)
    if not can_see(current_user, person):
        raise PermissionDenied("You can see yourself and, as a manager, your reports.")
    return jsonify(employee_json(person))


@bp.patch("/employees/<int:employee_id>")
def update_employee(employee_id: int) -> Response:
    """Change a person (admin); `status: left` deactivates, `status: active` reactivates.
    ---
    patch:
      parameters:
        - {in: path, name: employee_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Employee'}
      responses:
        200:
          description: The updated person
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Employee'}
    """
    person = get_or_404(User, employee_id)
    require_role("admin")
    data = body()
    unknown = set(data) - set(EMPLOYEE_SCHEMA["properties"]) - {"id"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(f"Unknown field '{name}'.", name)
    status = field(data, "status", str)
    if status not in (None, "active", "left"):
        raise ValidationError("'status' must be 'active' or 'left'.", "status")
    service.update_person(current_user, person, _person_data(
        {k: v for k, v in data.items() if k not in ("status", "id")}, person))
    if status == "left":
        service.deactivate_person(current_user, person)
    elif status == "active":
        service.reactivate_person(current_user, person)
    db.session.commit()
    return jsonify(employee_json(person))


@bp.get("/teams")
def list_teams() -> Response:
    """Teams of the company (nested through parent_id).
    ---
    get:
      responses:
        200:
          description: All teams
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: {$ref: '#/components/schemas/Team'}}}}
    """
    teams = db.session.scalars(select(Team).where(Team.company_id == current_company().id)
                               .order_by(Team.name))
    return jsonify({"items": [team_json(t) for t in teams]})


@bp.post("/teams")
def create_team() -> tuple[Response, int]:
    """Create a team (admin).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Team'}
      responses:
        201:
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Team'}
    """
    require_role("admin")
    data = body()
    team = service.save_team(current_user, field(data, "name", str, required=True),
                             field(data, "parent_id", int))
    db.session.commit()
    return jsonify(team_json(team)), 201


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API."""
    from flask import current_app

    from .openapi import build_spec

    return jsonify(build_spec(current_app))
