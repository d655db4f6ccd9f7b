"""People and teams over JSON: /me, /employees, /teams (the same services as the pages)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import may_see, visible_people
from ..api.plumbing import api_blueprint, require_role
from ..api.schema import Page, operation
from ..errors import PermissionDenied
from ..extensions import db
from ..models import Team, User
from ..pagination import paginated
from ..tenancy import current_company, get_or_404
from . import service
from .schemas import (
    CompanySummary,
    Employee,
    EmployeeChange,
    EmployeeQuery,
    Me,
    NewEmployee,
    NewTeam,
    TeamList,
)
from .schemas import Team as TeamOut

bp = api_blueprint("api", __name__)


def employee_json(u: User) -> dict[str, Any]:
    return {
        "id": u.id, "email": u.email, "name": u.name, "team_id": u.team_id,
        "manager_id": u.manager_id, "job_title": u.job_title, "access_roles": u.access_roles,
        "start_date": u.start_date.isoformat() if u.start_date else None, "status": u.status,
    }


def team_json(t: Team) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "parent_id": t.parent_id}


@bp.get("/me")
@operation(response=Me)
def me() -> dict[str, Any]:
    """The token's owner and their company."""
    company = current_company()
    return employee_json(current_user) | {"company": CompanySummary.model_validate(company)
                                          .model_dump()}


@bp.get("/employees")
@operation(query=EmployeeQuery, response=Page[Employee])
def list_employees(query: EmployeeQuery) -> dict[str, Any]:
    """People of the company, paginated and filterable.

    Admins and executives see everyone; managers themselves and their reports; others themselves.
    """
    people = service.people_query(current_company().id, query.q, query.team_id, query.role,
                                  query.status).where(visible_people(current_user))
    return paginated(people, employee_json, query)


def _person_data(person: User | None, change: NewEmployee | EmployeeChange) -> service.PersonData:
    base = employee_json(person) if person else {}
    sent = change.model_dump(exclude_unset=True, exclude={"id", "status"})
    merged = base | sent
    return service.PersonData(
        email=merged["email"], name=merged["name"], team_id=merged.get("team_id"),
        manager_id=merged.get("manager_id"), job_title=merged.get("job_title"),
        access_roles=list(merged.get("access_roles") or ["employee"]),
        start_date=merged.get("start_date") if person is None or "start_date" in sent
        else person.start_date)


@bp.post("/employees")
@operation(body=NewEmployee, response=Employee, status=201)
def create_employee(body: NewEmployee) -> dict[str, Any]:
    """Add a person (admin); they get an e-mail invitation."""
    from ..auth import service as accounts

    require_role("admin")
    data = _person_data(None, body)
    data.access_roles = list(body.access_roles)
    user = service.create_person(current_user, data)
    accounts.send_invitation(current_user, user)
    return employee_json(user)


@bp.get("/employees/<int:employee_id>")
@operation(response=Employee)
def get_employee(employee_id: int) -> dict[str, Any]:
    """One person."""
    person = get_or_404(User, employee_id)
    if not may_see(current_user, person):
        raise PermissionDenied("You can see yourself and, as a manager, your reports.")
    return employee_json(person)


@bp.patch("/employees/<int:employee_id>")
@operation(body=EmployeeChange, response=Employee)
def update_employee(employee_id: int, body: EmployeeChange) -> dict[str, Any]:
    """Change a person (admin); `status: left` deactivates, `status: active` reactivates."""
    person = get_or_404(User, employee_id)
    require_role("admin")
    service.update_person(current_user, person, _person_data(person, body))
    if body.status == "left":
        service.deactivate_person(current_user, person)
    elif body.status == "active":
        service.reactivate_person(current_user, person)
    return employee_json(person)


@bp.get("/teams")
@operation(response=TeamList)
def list_teams() -> dict[str, Any]:
    """Teams of the company (nested through parent_id)."""
    teams = db.session.scalars(select(Team).where(Team.company_id == current_company().id)
                               .order_by(Team.name))
    return {"items": [team_json(t) for t in teams]}


@bp.post("/teams")
@operation(body=NewTeam, response=TeamOut, status=201)
def create_team(body: NewTeam) -> dict[str, Any]:
    """Create a team (admin)."""
    require_role("admin")
    return team_json(service.save_team(current_user, body.name, body.parent_id))


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    from ..api.openapi import build_spec

    return jsonify(build_spec(current_app))
