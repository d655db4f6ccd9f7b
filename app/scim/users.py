"""SCIM Users ↔ Trellis people, through the people service (so creating, editing and
deactivating do exactly what an admin's form does: the audit, the budgets, the cancelled
sessions of someone who left)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..errors import ValidationError
from ..extensions import db
from ..models import Team, User, UserStatus, utcnow
from ..people import service as people
from ..validators import normalise_email
from . import filters
from .errors import ScimError
from .models import ScimUser
from .resources import ENTERPRISE, USER, boolean, location, text, with_meta

KIND = "User"


def user_name_column() -> Any:
    return func.coalesce(ScimUser.user_name, User.email)


FILTERABLE: dict[str, filters.SqlAttr] = {
    "id": filters.id_column(User.id),
    "username": filters.text_column(user_name_column()),
    "externalid": filters.text_column(ScimUser.external_id),
    "displayname": filters.text_column(User.name),
    "name.formatted": filters.text_column(User.name),
    "emails": filters.text_column(User.email),
    "emails.value": filters.text_column(User.email),
    "title": filters.text_column(User.job_title),
}


def visible(company_id: int) -> Any:  # a Select of (row, link)
    """The company's people as SCIM sees them (all but those SCIM deleted), oldest first."""
    return (select(User, ScimUser).outerjoin(ScimUser, ScimUser.user_id == User.id)
            .where(User.company_id == company_id, ScimUser.deleted_at.is_(None))
            .options(selectinload(User.team)).order_by(User.id))


def query(company_id: int, node: filters.Node | None) -> Any:
    stmt = visible(company_id)
    if node is not None:
        condition: ColumnElement[bool] = filters.to_sql(node, FILTERABLE)
        stmt = stmt.where(condition)
    return stmt


def load(company_id: int, resource_id: str) -> tuple[User, ScimUser | None]:
    """One person of the company by SCIM id, or a SCIM 404 (another company's id included)."""
    row = None
    if resource_id.isdigit() and len(resource_id) < 18:
        row = db.session.execute(visible(company_id).where(User.id == int(resource_id))).first()
    if row is None:
        raise ScimError(404, f"No User {resource_id}.")
    return row[0], row[1]


# --- rendering --------------------------------------------------------------------------------

def derived_name(attrs: dict[str, Any], user_name: str) -> str:
    """The one name Trellis keeps: displayName, else name.formatted, else given + family name."""
    raw = attrs.get("name")
    name: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for candidate in (attrs.get("displayName"), name.get("formatted"),
                      " ".join(str(p) for p in (name.get("givenName"), name.get("familyName")) if p)):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:200]
    return user_name.split("@")[0][:200] or user_name[:200]


def primary_email(emails: Any) -> str | None:
    if not isinstance(emails, list):
        return None
    items = [e for e in emails if isinstance(e, dict) and isinstance(e.get("value"), str) and e["value"].strip()]
    primary = [e for e in items if e.get("primary") in (True, "true", "True")]
    chosen = (primary or items)[:1]
    return str(chosen[0]["value"]).strip() if chosen else None


def render(user: User, link: ScimUser | None) -> dict[str, Any]:
    """The person as a SCIM User: the provider's own words where Trellis still agrees with them."""
    attrs = (link.attrs if link else None) or {}
    user_name = link.user_name if link else user.email
    out: dict[str, Any] = {"schemas": [USER], "id": str(user.id), "userName": user_name}
    if link and link.external_id:
        out["externalId"] = link.external_id
    if attrs and derived_name(attrs, user_name) == user.name:
        out.update({k: attrs[k] for k in ("name", "displayName") if attrs.get(k)})
    else:
        out.update({"name": {"formatted": user.name}, "displayName": user.name})
    stored = attrs.get("emails")
    same = _same_email(primary_email(stored), user.email)
    out["emails"] = stored if same else [{"value": user.email, "type": "work", "primary": True}]
    if user.job_title:
        out["title"] = user.job_title
    out["active"] = user.status == UserStatus.ACTIVE.value
    ext: dict[str, Any] = {}
    team = db.session.get(Team, user.team_id) if user.team_id is not None else None  # not a stale user.team
    if team is not None:
        ext["department"] = team.name
    if user.manager_id is not None:
        ext["manager"] = {"value": str(user.manager_id), "$ref": location("Users", str(user.manager_id))}
    if ext:
        out["schemas"] = [USER, ENTERPRISE]
        out[ENTERPRISE] = ext
    modified = max(user.updated_at, link.updated_at) if link else user.updated_at
    return with_meta(out, KIND, user.created_at, modified)


def _same_email(scim: str | None, trellis: str) -> bool:
    if scim is None:
        return False
    try:
        return normalise_email(scim) == trellis
    except ValidationError:
        return False


# --- writing ----------------------------------------------------------------------------------

def _email_of(data: dict[str, Any], user_name: str) -> str:
    raw = primary_email(data.get("emails")) or (user_name if "@" in user_name else None)
    if raw is None:
        raise ScimError(400, "Give the User an e-mail address (emails, or a userName that is one).",
                        "invalidValue")
    try:
        return normalise_email(raw)
    except ValidationError as exc:
        raise ScimError(400, exc.message, "invalidValue") from None


def _manager_id(company_id: int, ext: dict[str, Any]) -> int | None:
    manager = ext.get("manager")
    value = manager.get("value") if isinstance(manager, dict) else manager
    if value in (None, ""):
        return None
    found = None
    if isinstance(value, str | int) and str(value).isdigit() and len(str(value)) < 18:
        found = db.session.scalar(visible(company_id).with_only_columns(User.id).where(User.id == int(value)))
    if found is None:
        raise ScimError(400, f"The manager {value} is no User of this company.", "invalidValue")
    return int(found)


def _team_id(actor: User, ext: dict[str, Any]) -> int | None:
    name = text(ext, "department", 120)
    if name is None:
        return None
    team_id = db.session.scalar(select(Team.id).where(Team.company_id == actor.company_id, Team.name == name))
    return team_id if team_id is not None else people.save_team(actor, name, None).id


def _check_user_name(company_id: int, user_name: str, user_id: int | None) -> None:
    clash = visible(company_id).with_only_columns(User.id).where(
        func.lower(user_name_column()) == user_name.lower())
    if user_id is not None:
        clash = clash.where(User.id != user_id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise ScimError(409, f"Another User has the userName {user_name}.", "uniqueness")


def _deleted_with_email(company_id: int, email: str) -> tuple[User, ScimUser] | None:
    """A person SCIM deleted earlier with this address: provisioning them again brings them back."""
    row = db.session.execute(select(User, ScimUser).join(ScimUser, ScimUser.user_id == User.id).where(
        User.company_id == company_id, User.email == email, ScimUser.deleted_at.is_not(None))).first()
    return (row[0], row[1]) if row else None


def save(actor: User, data: dict[str, Any], user: User | None = None,
         link: ScimUser | None = None) -> tuple[User, ScimUser]:
    """Create (user None) or replace a person from a normalised SCIM User body."""
    user_name = text(data, "userName", 254, required=True) or ""
    email = _email_of(data, user_name)
    if user is None and (again := _deleted_with_email(actor.company_id, email)):
        user, link = again
    _check_user_name(actor.company_id, user_name, user.id if user else None)
    raw_ext = data.get(ENTERPRISE)
    ext: dict[str, Any] = raw_ext if isinstance(raw_ext, dict) else {}
    person = people.PersonData(
        email=email, name=derived_name(data, user_name), team_id=_team_id(actor, ext),
        manager_id=_manager_id(actor.company_id, ext), job_title=text(data, "title", 200),
        access_roles=user.access_roles if user else ["employee"],
        start_date=user.start_date if user else None)
    active = boolean(data["active"], "active") if data.get("active") is not None else True
    try:
        user = people.create_person(actor, person) if user is None else people.update_person(actor, user, person)
        if not active and user.status == UserStatus.ACTIVE.value:
            people.deactivate_person(actor, user)
        elif active and user.status != UserStatus.ACTIVE.value:
            people.reactivate_person(actor, user)
    except ValidationError as exc:
        taken = "already uses" in exc.message
        raise ScimError(409 if taken else 400, exc.message, "uniqueness" if taken else "invalidValue") from None
    if link is None:
        link = ScimUser(user_id=user.id, company_id=actor.company_id)
        db.session.add(link)
    link.user_name, link.deleted_at = user_name, None
    link.external_id = text(data, "externalId", 254)
    link.attrs = {k: data[k] for k in ("name", "displayName", "emails") if data.get(k) is not None}
    link.updated_at = utcnow()
    db.session.flush()
    return user, link


def delete(actor: User, user: User, link: ScimUser | None) -> None:
    """SCIM DELETE: the person leaves (history kept) and disappears from SCIM."""
    if user.status == UserStatus.ACTIVE.value:
        try:
            people.deactivate_person(actor, user)
        except ValidationError as exc:
            raise ScimError(400, exc.message, "invalidValue") from None
    if link is None:
        link = ScimUser(user_id=user.id, company_id=user.company_id, user_name=user.email)
        db.session.add(link)
    link.deleted_at = utcnow()
    db.session.flush()
    audit.record(actor, actor.company_id, "scim.user.delete", "user", user.id,
                 f"SCIM deleted {user.email} (deactivated, history kept)")
