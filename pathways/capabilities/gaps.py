"""Gaps, readiness and coverage, per the metric definitions, as SQL aggregates.

- gap(e, c) = max(0, target(role, c) − current_level(e, c, today))
- readiness(e) = share of e's role requirements met (weighted by requirement weight)
- coverage(group, c) = among the group's active employees whose role requires c, the share at
  or above target
Today's levels come from the `capability_levels` snapshot the level rule keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Case, Select, and_, case, false, func, select

from app.extensions import db
from app.models import Team, User, UserStatus

from .models import Capability, CapabilityLevel, Category, Role, RoleAssignment, RoleRequirement


@dataclass(frozen=True)
class Gap:
    capability_id: int
    name: str
    category: str
    target: int
    level: int
    weight: int

    @property
    def gap(self) -> int:
        return max(0, self.target - self.level)

    @property
    def met(self) -> bool:
        return self.level >= self.target


def gaps(employee: User, role: Role | None) -> list[Gap]:
    """Every requirement of `role` with the person's level, biggest weighted gap first."""
    if role is None:
        return []
    rows = db.session.execute(
        select(RoleRequirement.capability_id, Capability.name, Category.name,
               RoleRequirement.level, func.coalesce(CapabilityLevel.level, 0),
               RoleRequirement.weight)
        .join(Capability, Capability.id == RoleRequirement.capability_id)
        .join(Category, Category.id == Capability.category_id)
        .outerjoin(CapabilityLevel, and_(CapabilityLevel.user_id == employee.id,
                                         CapabilityLevel.capability_id
                                         == RoleRequirement.capability_id))
        .where(RoleRequirement.role_id == role.id,
               RoleRequirement.company_id == employee.company_id)).all()
    result = [Gap(*r) for r in rows]
    return sorted(result, key=lambda g: (-g.gap * g.weight, -g.gap, -g.weight, g.name))


def readiness_of(rows: Sequence[Gap]) -> float | None:
    """Weighted share of requirements met (None when the role requires nothing)."""
    total = sum(g.weight for g in rows)
    return None if not total else sum(g.weight for g in rows if g.met) / total


def _met_expr() -> Case[int]:
    return case((func.coalesce(CapabilityLevel.level, 0) >= RoleRequirement.level, 1), else_=0)


def _requirement_rows(company_id: int) -> Select[Any]:
    """(person × requirement of their role) with today's level, for active people."""
    return (select()
            .select_from(RoleAssignment)
            .join(User, User.id == RoleAssignment.user_id)
            .join(RoleRequirement, RoleRequirement.role_id == RoleAssignment.role_id)
            .outerjoin(CapabilityLevel, and_(
                CapabilityLevel.user_id == RoleAssignment.user_id,
                CapabilityLevel.capability_id == RoleRequirement.capability_id))
            .where(RoleAssignment.company_id == company_id,
                   User.status == UserStatus.ACTIVE.value))


def team_and_descendants(company_id: int, team_id: int) -> list[int]:
    parents = dict(db.session.execute(select(Team.id, Team.parent_id)
                                      .where(Team.company_id == company_id)).all())
    found, frontier = {team_id}, {team_id}
    while frontier:
        frontier = {t for t, p in parents.items() if p in frontier} - found
        found |= frontier
    return sorted(found)


@dataclass(frozen=True)
class CoverageRow:
    capability_id: int
    name: str
    category: str
    required: int
    met: int
    group: int | None = None  # team id in per-team coverage

    @property
    def coverage(self) -> float | None:
        return self.met / self.required if self.required else None


def coverage(company_id: int, team_ids: Sequence[int] | None = None, role_id: int | None = None,
             category_id: int | None = None, by_team: bool = False) -> list[CoverageRow]:
    """coverage(group, c) for every required capability, in one aggregate query."""
    met = func.sum(_met_expr())
    cols = [RoleRequirement.capability_id, Capability.name, Category.name,
            func.count(), met]
    group = [RoleRequirement.capability_id, Capability.name, Category.name]
    if by_team:
        cols.append(User.team_id)
        group.append(User.team_id)
    query = (_requirement_rows(company_id).add_columns(*cols)
             .join(Capability, Capability.id == RoleRequirement.capability_id)
             .join(Category, Category.id == Capability.category_id)
             .where(Capability.retired_at.is_(None)))
    if team_ids is not None:
        query = query.where(User.team_id.in_(list(team_ids)))
    if role_id is not None:
        query = query.where(RoleAssignment.role_id == role_id)
    if category_id is not None:
        query = query.where(Capability.category_id == category_id)
    rows = db.session.execute(query.group_by(*group)).all()
    result = [CoverageRow(r[0], r[1], r[2], r[3], int(r[4] or 0), r[5] if by_team else None)
              for r in rows]
    return sorted(result, key=lambda r: (r.coverage if r.coverage is not None else 1, r.name))


def readiness_by_person(company_id: int, user_ids: Sequence[int]) -> dict[int, float]:
    """readiness(e) for many people at once (people whose role requires nothing are absent)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        _requirement_rows(company_id)
        .add_columns(RoleAssignment.user_id, func.sum(RoleRequirement.weight),
                     func.sum(RoleRequirement.weight * _met_expr()))
        .where(RoleAssignment.user_id.in_(list(user_ids)))
        .group_by(RoleAssignment.user_id)).all()
    return {uid: int(met or 0) / int(total) for uid, total, met in rows if total}


@dataclass
class Heatmap:
    people: list[User]
    capabilities: list[tuple[int, str]]
    cells: dict[tuple[int, int], tuple[int, int]]  # (user, capability) -> (target, level)
    readiness: dict[int, float]
    team_readiness: float | None
    roles: dict[int, str]


def team_size(manager: User) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.company_id == manager.company_id, User.manager_id == manager.id,
        User.status == UserStatus.ACTIVE.value)) or 0


def team_query(manager: User) -> Select[User]:
    return (select(User).where(User.company_id == manager.company_id,
                               User.manager_id == manager.id,
                               User.status == UserStatus.ACTIVE.value)
            .order_by(User.name, User.id))


def team_heatmap(manager: User, people: Sequence[User]) -> Heatmap:
    """People × the capabilities their roles require, with target and level per cell.

    `people` is the page of reports to show; team readiness covers every report.
    """
    ids = [p.id for p in people]
    rows = db.session.execute(
        _requirement_rows(manager.company_id)
        .add_columns(RoleAssignment.user_id, RoleRequirement.capability_id, Capability.name,
                     RoleRequirement.level, func.coalesce(CapabilityLevel.level, 0))
        .join(Capability, Capability.id == RoleRequirement.capability_id)
        .where(RoleAssignment.user_id.in_(ids) if ids else false())).all()
    cells = {(u, c): (t, lv) for u, c, _n, t, lv in rows}
    caps = sorted({(c, n) for _u, c, n, _t, _l in rows}, key=lambda x: x[1])
    readiness = readiness_by_person(manager.company_id, ids)
    roles = dict(db.session.execute(
        select(RoleAssignment.user_id, Role.title).join(Role, Role.id == RoleAssignment.role_id)
        .where(RoleAssignment.user_id.in_(ids) if ids else false())).all())
    return Heatmap(list(people), caps, cells, readiness, team_readiness(manager), roles)


def team_readiness(manager: User) -> float | None:
    """The average readiness(e) of the manager's active reports who have requirements."""
    per_person = (_requirement_rows(manager.company_id)
                  .add_columns(RoleAssignment.user_id,
                               (func.sum(RoleRequirement.weight * _met_expr()) * 1.0
                                / func.sum(RoleRequirement.weight)).label("readiness"))
                  # Drive the join from the manager's reports (index on users.manager_id).
                  .where(RoleAssignment.user_id.in_(
                      select(User.id).where(User.manager_id == manager.id)
                      .scalar_subquery()))
                  .group_by(RoleAssignment.user_id).subquery())
    value = db.session.scalar(select(func.avg(per_person.c.readiness)))
    return None if value is None else float(value)


def heat_class(target: int, level: int) -> str:
    """CSS class of a heatmap cell: heat-4 = met … heat-0 = gap of 4 or more."""
    return f"heat-{max(0, 4 - max(0, target - level))}"


def people_per_team(company_id: int, role_id: int | None = None) -> dict[int | None, int]:
    """Active people holding a role, per team (for hiding aggregates of small groups)."""
    query = (select(User.team_id, func.count())
             .join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(User.company_id == company_id, User.status == UserStatus.ACTIVE.value,
                    RoleAssignment.role_id.is_not(None)))
    if role_id is not None:
        query = query.where(RoleAssignment.role_id == role_id)
    return dict(db.session.execute(query.group_by(User.team_id)).all())


def add_gap_section(app: Flask, template: str) -> None:
    """A higher room's template to include on "My capabilities" after the gaps (the learning
    room adds its recommendations for them); it gets the page's context."""
    sections = app.extensions.setdefault("trellis_gap_sections", [])
    if template not in sections:
        sections.append(template)
