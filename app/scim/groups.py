"""SCIM Groups ↔ Trellis teams. A person belongs to one team, so adding someone to a group moves
them out of the team they were in; members that name no User of this company are ignored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.exc import SQLAlchemyError

from .. import audit
from ..errors import ValidationError
from ..extensions import db
from ..models import Team, User, utcnow
from ..people import service as people
from . import filters
from .errors import ScimError
from .models import ScimGroup, ScimUser
from .resources import GROUP, location, text, with_meta

KIND = "Group"
PREFIX = "team-"


def scim_id(team_id: int) -> str:
    """Group ids differ from User ids (RFC 7643 §3.1: unique across the service provider)."""
    return f"{PREFIX}{team_id}"


def team_id_of(resource_id: Any) -> int | None:
    raw = str(resource_id)
    digits = raw[len(PREFIX):] if raw.startswith(PREFIX) else ""
    return int(digits) if digits.isdigit() and len(digits) < 18 else None


def _id_filter(op: str, value: Any) -> ColumnElement[bool]:
    return filters.id_column(Team.id)(op, str(team_id_of(value)) if team_id_of(value) is not None else "x")


def _member_filter(op: str, value: Any) -> ColumnElement[bool]:
    member = exists().where(User.team_id == Team.id, User.id == (
        int(value) if isinstance(value, str) and value.isdigit() and len(value) < 18 else -1))
    if op == "pr":
        return exists().where(User.team_id == Team.id)
    if op not in ("eq", "ne"):
        raise ScimError(400, "Compare members with eq.", "invalidFilter")
    return member if op == "eq" else ~member


FILTERABLE: dict[str, filters.SqlAttr] = {
    "id": _id_filter,
    "displayname": filters.text_column(Team.name),
    "externalid": filters.text_column(ScimGroup.external_id),
    "members": _member_filter,
    "members.value": _member_filter,
}


def visible(company_id: int) -> Any:  # a Select of (row, link)
    return (select(Team, ScimGroup).outerjoin(ScimGroup, ScimGroup.team_id == Team.id)
            .where(Team.company_id == company_id, ScimGroup.deleted_at.is_(None)).order_by(Team.id))


def query(company_id: int, node: filters.Node | None) -> Any:
    stmt = visible(company_id)
    return stmt.where(filters.to_sql(node, FILTERABLE)) if node is not None else stmt


def load(company_id: int, resource_id: str) -> tuple[Team, ScimGroup | None]:
    tid = team_id_of(resource_id)
    row = db.session.execute(visible(company_id).where(Team.id == tid)).first() if tid is not None else None
    if row is None:
        raise ScimError(404, f"No Group {resource_id}.")
    return row[0], row[1]


def _members(team: Team) -> list[User]:
    return list(db.session.scalars(
        select(User).outerjoin(ScimUser, ScimUser.user_id == User.id)
        .where(User.team_id == team.id, ScimUser.deleted_at.is_(None)).order_by(User.id)))


def render(team: Team, link: ScimGroup | None) -> dict[str, Any]:
    out: dict[str, Any] = {"schemas": [GROUP], "id": scim_id(team.id), "displayName": team.name}
    if link and link.external_id:
        out["externalId"] = link.external_id
    members = [{"value": str(u.id), "$ref": location("Users", str(u.id))} for u in _members(team)]
    if members:
        out["members"] = members
    modified = max(team.created_at, link.updated_at) if link else team.created_at
    return with_meta(out, KIND, team.created_at, modified)


def _wanted_members(company_id: int, data: dict[str, Any]) -> set[int]:
    members = data.get("members") or []
    if not isinstance(members, list):
        raise ScimError(400, "'members' must be a list.", "invalidValue")
    ids = {int(m["value"]) for m in members
           if isinstance(m, dict) and str(m.get("value", "")).isdigit() and len(str(m["value"])) < 18}
    if not ids:
        return set()
    found = db.session.scalars(select(User.id).outerjoin(ScimUser, ScimUser.user_id == User.id).where(
        User.company_id == company_id, User.id.in_(ids), ScimUser.deleted_at.is_(None)))
    return set(found)


def _move(actor: User, user: User, team_id: int | None) -> None:
    data = people.PersonData(email=user.email, name=user.name, team_id=team_id, manager_id=user.manager_id,
                             job_title=user.job_title, access_roles=user.access_roles,
                             start_date=user.start_date)
    people.update_person(actor, user, data)


def save(actor: User, data: dict[str, Any], team: Team | None = None,
         link: ScimGroup | None = None) -> tuple[Team, ScimGroup]:
    """Create (team None) or replace a team from a normalised SCIM Group body."""
    name = text(data, "displayName", 120, required=True) or ""
    wanted = _wanted_members(actor.company_id, data)
    try:
        team = people.save_team(actor, name, team.parent_id if team else None, team)
        current = {u.id: u for u in _members(team)}
        for user in current.values():
            if user.id not in wanted:
                _move(actor, user, None)
        for user in db.session.scalars(select(User).where(User.id.in_(wanted - set(current)))):
            _move(actor, user, team.id)
    except ValidationError as exc:
        taken = "already a team" in exc.message
        raise ScimError(409 if taken else 400, exc.message, "uniqueness" if taken else "invalidValue") from None
    if link is None:
        link = ScimGroup(team_id=team.id, company_id=actor.company_id)
        db.session.add(link)
    link.external_id = text(data, "externalId", 254)
    link.updated_at = utcnow()
    db.session.flush()
    return team, link


def delete(actor: User, team: Team, link: ScimGroup | None) -> None:
    """SCIM DELETE: members leave the team; the team goes, or (when budgets or reports still name
    it, or it has sub-teams) stays in Trellis hidden from SCIM."""
    for user in _members(team):
        _move(actor, user, None)
    if link is None:
        link = ScimGroup(team_id=team.id, company_id=team.company_id)
        db.session.add(link)
    link.deleted_at = utcnow()
    db.session.flush()
    audit.record(actor, actor.company_id, "scim.group.delete", "team", team.id, f"SCIM deleted group {team.name}")
    savepoint = db.session.begin_nested()
    try:
        db.session.delete(link)
        people.delete_team(actor, team)
        savepoint.commit()
    except (ValidationError, SQLAlchemyError):  # a sub-team, or a row elsewhere names it: keep it
        savepoint.rollback()
