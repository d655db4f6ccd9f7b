"""People and teams: create, edit, deactivate, nest, and keep line management acyclic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, exists, func, select

from .. import audit, signals
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import ACCESS_ROLES, Team, User, UserRole, UserStatus
from ..search import contains_text
from ..tenancy import get_or_404
from ..validators import normalise_email


@dataclass
class PersonData:
    """What an admin (form, API, import) may set on a person."""

    email: str
    name: str
    team_id: int | None = None
    manager_id: int | None = None
    job_title: str | None = None
    access_roles: list[str] = field(default_factory=lambda: ["employee"])
    start_date: date | None = None


def check_roles(roles: list[str], field_name: str = "access_roles") -> list[str]:
    unknown = sorted(set(roles) - set(ACCESS_ROLES))
    if unknown:
        raise ValidationError(
            f"Unknown access role {', '.join(unknown)}; use {', '.join(ACCESS_ROLES)}.", field_name
        )
    if not roles:
        raise ValidationError("Give the person at least one access role.", field_name)
    return sorted(set(roles))


def email_taken(company_id: int, email: str, except_id: int | None = None) -> bool:
    """Whether someone of this company has the address. Other companies' people do not count:
    the address is unique per company, and saying otherwise would tell one company's admin who
    works at another."""
    query = select(User.id).where(User.company_id == company_id, User.email == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def _manager_chain_contains(start_id: int, target_id: int) -> bool:
    """True if walking up from `start_id` through line managers reaches `target_id`."""
    seen: set[int] = set()
    current: int | None = start_id
    while current is not None and current not in seen:
        if current == target_id:
            return True
        seen.add(current)
        current = db.session.scalar(select(User.manager_id).where(User.id == current))
    return False


def _check_links(company_id: int, data: PersonData, person_id: int | None) -> None:
    if data.team_id is not None:
        get_or_404(Team, data.team_id, company_id)
    if data.manager_id is not None:
        manager = db.session.scalar(
            select(User).where(User.id == data.manager_id, User.company_id == company_id)
        )
        if manager is None:
            raise ValidationError("Choose a line manager from this company.", "manager_id")
        if person_id is not None and _manager_chain_contains(data.manager_id, person_id):
            raise ValidationError(
                f"{manager.name} reports (directly or not) to this person; "
                "that would make a management cycle.",
                "manager_id",
            )


def _snapshot(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "name": user.name,
        "team_id": user.team_id,
        "manager_id": user.manager_id,
        "job_title": user.job_title,
        "access_roles": user.access_roles,
        "start_date": user.start_date,
        "status": user.status,
    }


def create_person(actor: User, data: PersonData) -> User:
    email = normalise_email(data.email)
    if email_taken(actor.company_id, email):
        raise Conflict(f"Someone in {actor.company.name} already uses {email}.", "email")
    if not data.name.strip():
        raise ValidationError("Enter the person's name.", "name")
    roles = check_roles(data.access_roles)
    _check_links(actor.company_id, data, None)
    user = User(
        company_id=actor.company_id,
        email=email,
        name=data.name.strip(),
        team_id=data.team_id,
        manager_id=data.manager_id,
        job_title=(data.job_title or "").strip() or None,
        start_date=data.start_date,
        status=UserStatus.ACTIVE.value,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, actor.company_id, "user.create", "user", user.id, f"Added {email}",
                 audit.diff({}, _snapshot(user)))
    signals.people_joined.send(actor, person_ids=[user.id])
    return user


def update_person(actor: User, user: User, data: PersonData) -> User:
    before = _snapshot(user)
    email = normalise_email(data.email)
    if email_taken(user.company_id, email, except_id=user.id):
        raise Conflict(f"Someone in {user.company.name} already uses {email}.", "email")
    if not data.name.strip():
        raise ValidationError("Enter the person's name.", "name")
    roles = check_roles(data.access_roles)
    if user.id == actor.id and "admin" not in roles:
        raise ValidationError("You cannot remove your own admin role.", "access_roles")
    _check_links(actor.company_id, data, user.id)
    user.email = email
    user.name = data.name.strip()
    user.team_id = data.team_id
    user.manager_id = data.manager_id
    user.job_title = (data.job_title or "").strip() or None
    user.start_date = data.start_date
    user.set_roles(roles)
    db.session.flush()
    changes = audit.diff(before, _snapshot(user))
    if changes:
        audit.record(actor, actor.company_id, "user.update", "user", user.id,
                     f"Edited {user.email}", changes)
    return user


def deactivate_person(actor: User, user: User, left_on: date | None = None) -> User:
    """Mark someone as left: they cannot sign in; their history stays."""
    if user.id == actor.id:
        raise ValidationError("You cannot deactivate yourself; ask another admin.")
    if user.status == UserStatus.LEFT.value:
        return user
    user.status = UserStatus.LEFT.value
    user.left_on = left_on or date.today()
    user.session_version += 1
    db.session.flush()
    audit.record(actor, actor.company_id, "user.deactivate", "user", user.id,
                 f"Deactivated {user.email}", {"status": ("active", "left")})
    signals.person_left.send(actor, person_ids=[user.id])
    return user


def reactivate_person(actor: User, user: User) -> User:
    if user.status == UserStatus.ACTIVE.value:
        return user
    user.status = UserStatus.ACTIVE.value
    user.left_on = None
    db.session.flush()
    audit.record(actor, actor.company_id, "user.reactivate", "user", user.id,
                 f"Reactivated {user.email}", {"status": ("left", "active")})
    signals.person_returned.send(actor, person_ids=[user.id])
    return user


# --- teams -----------------------------------------------------------------------------------

def _team_ancestors(team_id: int | None) -> set[int]:
    seen: set[int] = set()
    while team_id is not None and team_id not in seen:
        seen.add(team_id)
        team_id = db.session.scalar(select(Team.parent_id).where(Team.id == team_id))
    return seen


def save_team(actor: User, name: str, parent_id: int | None, team: Team | None = None) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError("Enter the team's name.", "name")
    clash = select(Team.id).where(Team.company_id == actor.company_id, Team.name == name)
    if team is not None:
        clash = clash.where(Team.id != team.id)
    if db.session.scalar(clash) is not None:
        raise ValidationError(f"There is already a team called {name}.", "name")
    if parent_id is not None:
        get_or_404(Team, parent_id, actor.company_id)
        if team is not None and team.id in _team_ancestors(parent_id):
            raise ValidationError("A team cannot sit inside itself or its own sub-team.", "parent_id")
    created = team is None
    if team is None:
        team = Team(company_id=actor.company_id, name=name, parent_id=parent_id)
        db.session.add(team)
    before = {"name": team.name, "parent_id": team.parent_id}
    team.name, team.parent_id = name, parent_id
    db.session.flush()
    audit.record(actor, actor.company_id, "team.create" if created else "team.update", "team",
                 team.id, f"Team {name}", audit.diff({} if created else before,
                                                       {"name": name, "parent_id": parent_id}))
    return team


def delete_team(actor: User, team: Team) -> None:
    members = db.session.scalar(select(func.count(User.id)).where(User.team_id == team.id))
    children = db.session.scalar(select(func.count(Team.id)).where(Team.parent_id == team.id))
    if members or children:
        raise ValidationError(
            f"{team.name} still has {members} people and {children} sub-teams; move them first."
        )
    audit.record(actor, actor.company_id, "team.delete", "team", team.id, f"Deleted team {team.name}")
    db.session.delete(team)
    db.session.flush()


def teams_tree(company_id: int) -> list[tuple[Team, int, int]]:
    """All teams depth-first with their depth and active head count."""
    counts = dict(
        db.session.execute(
            select(User.team_id, func.count(User.id))
            .where(User.company_id == company_id, User.status == UserStatus.ACTIVE.value)
            .group_by(User.team_id)
        ).all()
    )
    teams = list(db.session.scalars(select(Team).where(Team.company_id == company_id).order_by(Team.name)))
    children: dict[int | None, list[Team]] = {}
    for t in teams:
        children.setdefault(t.parent_id, []).append(t)
    out: list[tuple[Team, int, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for t in children.get(parent, []):
            out.append((t, depth, counts.get(t.id, 0)))
            walk(t.id, depth + 1)

    walk(None, 0)
    return out


# --- listing ---------------------------------------------------------------------------------

NO_TEAM = -1  # `?team=-1` lists people without a team


def people_query(
    company_id: int,
    q: str | None = None,
    team_id: int | None = None,
    role: str | None = None,
    status: str | None = None,
) -> Select[User]:
    query = select(User).where(User.company_id == company_id)
    if q:
        query = query.where(contains_text(q, User.name, User.email, User.job_title))
    if team_id == NO_TEAM:
        query = query.where(User.team_id.is_(None))
    elif team_id:
        query = query.where(User.team_id == team_id)
    if role:
        query = query.where(exists().where(UserRole.user_id == User.id, UserRole.role == role))
    if status in (UserStatus.ACTIVE.value, UserStatus.LEFT.value):
        query = query.where(User.status == status)
    elif status == "invited":  # active, but never set a password
        query = query.where(User.status == UserStatus.ACTIVE.value, User.password_hash.is_(None))
    return query.order_by(User.name, User.id)


def reports_of(manager: User) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.manager_id == manager.id, User.status == UserStatus.ACTIVE.value)
        .order_by(User.name)
    ))
