"""Role profiles, their requirements, career moves and who holds which role (flush, no commit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, UserStatus

from .models import Capability, CareerMove, Role, RoleAssignment, RoleRequirement


@dataclass
class RoleData:
    title: str
    family: str | None = None
    seniority: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class Requirement:
    capability_id: int
    level: int
    weight: int = 1


def _clean(company_id: int, data: RoleData, exclude: int | None) -> dict[str, object]:
    title = (data.title or "").strip()
    if not title:
        raise ValidationError("Give the role a title.", "title")
    if len(title) > 160 or len((data.family or "").strip()) > 120:
        raise ValidationError("Titles are at most 160 characters, families 120.", "title")
    if data.seniority is not None and not 0 <= data.seniority <= 20:
        raise ValidationError("Seniority is a number from 0 to 20.", "seniority")
    if db.session.scalar(select(Role.id).where(Role.company_id == company_id, Role.title == title,
                                               Role.id != (exclude or 0))):
        raise Conflict(f"There is already a role called '{title}'.", "title")
    return {"title": title, "family": (data.family or "").strip() or None,
            "seniority": data.seniority, "description": (data.description or "").strip() or None}


def create_role(actor: User, data: RoleData) -> Role:
    role = Role(company_id=actor.company_id, **_clean(actor.company_id, data, None))
    db.session.add(role)
    db.session.flush()
    audit.record(actor, actor.company_id, "role.create", "role", role.id,
                 f"Created role {role.title}")
    return role


def update_role(actor: User, role: Role, data: RoleData) -> Role:
    values = _clean(actor.company_id, data, role.id)
    before = {k: getattr(role, k) for k in values}
    for key, value in values.items():
        setattr(role, key, value)
    db.session.flush()
    audit.record(actor, actor.company_id, "role.update", "role", role.id,
                 f"Changed role {role.title}", audit.diff(before, values))
    return role


def set_requirements(actor: User, role: Role, requirements: Iterable[Requirement],
                     replace: bool = True) -> Role:
    """Set the role's requirements; `replace=False` only adds or changes the given ones.

    A level of 0 removes the requirement.
    """
    wanted = {r.capability_id: r for r in requirements}
    caps = {c.id: c for c in db.session.scalars(select(Capability).where(
        Capability.company_id == actor.company_id, Capability.id.in_(list(wanted))))}
    for cid, r in wanted.items():
        cap = caps.get(cid)
        if cap is None:
            raise ValidationError(f"Capability {cid} does not exist in this company.",
                                  "capability_id")
        top = cap.framework.scale.max_level
        if not 0 <= r.level <= top:
            raise ValidationError(f"'{cap.name}' is rated 1 to {top}; {r.level} is out of range.",
                                  "level")
        if not 1 <= r.weight <= 10:
            raise ValidationError(f"The weight of '{cap.name}' must be from 1 to 10.", "weight")
        existing = next((x for x in role.requirements if x.capability_id == cid), None)
        if cap.retired and r.level and (existing is None or existing.level != r.level):
            raise ValidationError(f"'{cap.name}' is retired and cannot be required anew.",
                                  "capability_id")
    before = {x.capability_id: (x.level, x.weight) for x in role.requirements}
    keep = [x for x in role.requirements if not replace or x.capability_id in wanted]
    by_cap = {x.capability_id: x for x in keep}
    for cid, r in wanted.items():
        if r.level == 0:
            by_cap.pop(cid, None)
        elif cid in by_cap:
            by_cap[cid].level, by_cap[cid].weight = r.level, r.weight
        else:
            by_cap[cid] = RoleRequirement(company_id=actor.company_id, capability_id=cid,
                                          level=r.level, weight=r.weight)
    role.requirements = list(by_cap.values())
    db.session.flush()
    after = {x.capability_id: (x.level, x.weight) for x in role.requirements}
    if before != after:
        audit.record(actor, actor.company_id, "role.requirements", "role", role.id,
                     f"Changed the requirements of {role.title} ({len(after)} capabilities)",
                     {"requirements": (len(before), len(after))})
    return role


def copy_role(actor: User, role: Role, title: str) -> Role:
    """A new role with the same family, seniority and requirements."""
    new = create_role(actor, RoleData(title, role.family, role.seniority, role.description))
    set_requirements(actor, new, [Requirement(x.capability_id, x.level, x.weight)
                                  for x in role.requirements])
    return new


def add_move(actor: User, source: Role, target: Role) -> CareerMove:
    if source.id == target.id:
        raise ValidationError("A career move goes to a different role.", "to_role_id")
    if db.session.scalar(select(CareerMove.id).where(CareerMove.from_role_id == source.id,
                                                     CareerMove.to_role_id == target.id)):
        raise Conflict(f"{source.title} → {target.title} is already a career move.", "to_role_id")
    move = CareerMove(company_id=actor.company_id, from_role_id=source.id, to_role_id=target.id)
    db.session.add(move)
    db.session.flush()
    audit.record(actor, actor.company_id, "role.move", "role", source.id,
                 f"Added career move {source.title} → {target.title}")
    return move


def remove_move(actor: User, move: CareerMove) -> None:
    audit.record(actor, actor.company_id, "role.move_remove", "role", move.from_role_id,
                 f"Removed career move {move.from_role.title} → {move.to_role.title}")
    db.session.delete(move)
    db.session.flush()


def moves_from(role_id: int | None) -> list[Role]:
    if role_id is None:
        return []
    return list(db.session.scalars(select(Role).join(CareerMove, CareerMove.to_role_id == Role.id)
                                   .where(CareerMove.from_role_id == role_id)
                                   .order_by(Role.seniority, Role.title)))


def assignment(user: User) -> RoleAssignment | None:
    return db.session.get(RoleAssignment, user.id)


def assign_role(actor: User, person: User, role: Role | None) -> RoleAssignment:
    """Set a person's current role (admin); a target equal to the new role is cleared."""
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an admin assigns job roles.")
    row = assignment(person) or RoleAssignment(user_id=person.id, company_id=person.company_id)
    old = row.role.title if row.role_id and row.role else None
    row.role_id = role.id if role else None
    if row.target_role_id is not None and row.target_role_id == row.role_id:
        row.target_role_id = None
    db.session.add(row)
    db.session.flush()
    db.session.expire(row, ["role", "target_role"])
    audit.record(actor, actor.company_id, "user.job_role", "user", person.id,
                 f"{person.name} is now {role.title if role else 'without a role'}",
                 {"role": (old, role.title if role else None)})
    return row


def set_target(actor: User, person: User, target: Role | None) -> RoleAssignment:
    """Choose the role a person aims for: their own choice among the career moves, or admin's."""
    row = assignment(person)
    if actor.id != person.id and not actor.has_role("admin"):
        raise PermissionDenied("People choose their own target role.")
    if target is not None:
        if row is None or row.role_id is None:
            raise ValidationError("Ask your admin to set your current role first.",
                                  "target_role_id")
        allowed = {r.id for r in moves_from(row.role_id)}
        if target.id not in allowed and not actor.has_role("admin"):
            raise ValidationError(f"{target.title} is not a career move from your current role.",
                                  "target_role_id")
    row = row or RoleAssignment(user_id=person.id, company_id=person.company_id)
    row.target_role_id = target.id if target else None
    db.session.add(row)
    db.session.flush()
    db.session.expire(row, ["target_role"])
    return row


def role_counts(company_id: int) -> dict[int, int]:
    """Active holders per role id."""
    rows = db.session.execute(
        select(RoleAssignment.role_id, func.count())
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.company_id == company_id, RoleAssignment.role_id.is_not(None),
               User.status == UserStatus.ACTIVE.value)
        .group_by(RoleAssignment.role_id)).all()
    return {role_id: n for role_id, n in rows if role_id is not None}


def without_role_query(company_id: int) -> Select[User]:
    """Active people of the company who hold no job role."""
    return (select(User).outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(User.company_id == company_id, User.status == UserStatus.ACTIVE.value,
                   RoleAssignment.role_id.is_(None)).order_by(User.name, User.id))
