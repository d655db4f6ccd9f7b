"""Roles over JSON: role profiles and their requirements (on the capability API's blueprint)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.api.plumbing import require_role
from app.api.schema import Paging, operation
from app.errors import ValidationError
from app.pagination import paginated
from app.tenancy import get_or_404, scoped

from . import roles
from .api import bp
from .models import Role
from .schemas import NewRole, Requirement, RoleChange, RolePage
from .schemas import Role as RoleOut


def role_json(r: Role) -> dict[str, Any]:
    return {"id": r.id, "title": r.title, "family": r.family, "seniority": r.seniority,
            "description": r.description,
            "requirements": [{"capability_id": x.capability_id, "level": x.level,
                              "weight": x.weight}
                             for x in sorted(r.requirements, key=lambda x: x.capability_id)],
            "career_moves": [m.id for m in roles.moves_from(r.id)]}


def _requirements(items: list[Requirement]) -> list[roles.Requirement]:
    return [roles.Requirement(x.capability_id, x.level, x.weight) for x in items]


@bp.get("/roles")
@operation(query=Paging, response=RolePage)
def list_roles(query: Paging) -> dict[str, Any]:
    """Roles with their requirements."""
    return paginated(scoped(Role).options(selectinload(Role.requirements)).order_by(Role.title),
                     role_json, query)


@bp.post("/roles")
@operation(body=NewRole, response=RoleOut, status=201)
def create_role(body: NewRole) -> dict[str, Any]:
    """Create a role with its requirements (admin)."""
    require_role("admin")
    role = roles.create_role(current_user, roles.RoleData(body.title, body.family, body.seniority,
                                                          body.description))
    roles.set_requirements(current_user, role, _requirements(body.requirements))
    return role_json(role)


@bp.get("/roles/<int:role_id>")
@operation(response=RoleOut)
def get_role(role_id: int) -> dict[str, Any]:
    """One role."""
    return role_json(get_or_404(Role, role_id))


@bp.patch("/roles/<int:role_id>")
@operation(body=RoleChange, response=RoleOut)
def update_role(role_id: int, body: RoleChange) -> dict[str, Any]:
    """Change a role (admin); `requirements`, when sent, replace the role's requirements."""
    role = get_or_404(Role, role_id)
    require_role("admin")
    sent = body.model_dump(exclude_unset=True, include={"title", "family", "seniority",
                                                        "description"})
    if "title" in sent and sent["title"] is None:
        raise ValidationError("'title' cannot be null.", "title")
    merged = {"title": role.title, "family": role.family, "seniority": role.seniority,
              "description": role.description} | sent
    roles.update_role(current_user, role, roles.RoleData(**merged))
    if body.requirements is not None:
        roles.set_requirements(current_user, role, _requirements(body.requirements))
    return role_json(role)
