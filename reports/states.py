"""Levels as of several dates in one pass: coverage, readiness and levels gained.

The level of a pair (person, capability) on date d is the `previous_level` of the pair's first
level change after d or, when nothing changed after d, today's snapshot (`capability_levels`;
no row: 0). That holds because the level rule writes one `LevelChange` per change of level with
the level before it, and evidence cannot be dated in the future. So the levels of every pair at
the period's start and end (and at the previous period's start) need only the changes after the
earliest of those dates, read once per date by one grouped index scan, instead of one index
seek per person × requirement × date. Dates are inclusive; people are in their current team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.dialects.postgresql import distinct_on

from app.extensions import db
from app.models import User
from pathways.capabilities.models import (
    Capability,
    CapabilityLevel,
    LevelChange,
    RoleAssignment,
    RoleRequirement,
)

from .queries import TeamIds, _in_scope, active_at

Cells = list[tuple[int | None, int, int, int]]  # (team, capability, required, met)
Readiness = dict[int | None, tuple[float, int]]  # team -> (Σ readiness(e), people)


def first_change_after(company_id: int, d: date, name: str) -> Any:
    """Subquery (user_id, capability_id, level): per pair with a change after `d`, its level
    on `d` (the first later change's `previous_level`). None from today on: nothing can have
    changed after today, the snapshot is the level."""
    if d >= date.today():
        return None
    after = and_(LevelChange.company_id == company_id, LevelChange.changed_on > d)
    if db.session.get_bind().dialect.name == "postgresql":
        query: Any = (select(LevelChange.user_id, LevelChange.capability_id,
                             LevelChange.previous_level.label("level"))
                 .where(after).ext(distinct_on(LevelChange.user_id, LevelChange.capability_id))
                 .order_by(LevelChange.user_id, LevelChange.capability_id,
                           LevelChange.changed_on))
    else:
        # SQLite takes a bare column from the row holding the single min(): one ordered
        # pass over the (company, user, capability, date) index, no join back.
        query = (select(LevelChange.user_id, LevelChange.capability_id,
                        func.min(LevelChange.changed_on).label("first_on"),
                        LevelChange.previous_level.label("level"))
                 .where(after).group_by(LevelChange.user_id, LevelChange.capability_id))
    return query.subquery(name)


def _pair(sub: Any, user: Any, capability: Any) -> Any:
    return and_(sub.c.user_id == user, sub.c.capability_id == capability)


def _level(sub: Any) -> Any:
    """A pair's level on the subquery's date (see the module docstring)."""
    if sub is None:
        return func.coalesce(CapabilityLevel.level, 0)
    return func.coalesce(sub.c.level, CapabilityLevel.level, 0)


def _outerjoin(query: Any, sub: Any, user: Any, capability: Any) -> Any:
    return query if sub is None else query.outerjoin(sub, _pair(sub, user, capability))


@dataclass
class State:
    """Figures as of one date: active people, coverage cells and readiness per team."""

    people: dict[int | None, int]
    cells: Cells
    readiness: Readiness


def people_at(company_id: int, start: date, end: date,
              team_ids: TeamIds) -> tuple[dict[int | None, int], dict[int | None, int]]:
    """Active people per team on `start` and on `end`."""
    on_start = func.sum(case((active_at(start), 1), else_=0))
    on_end = func.sum(case((active_at(end), 1), else_=0))
    rows = db.session.execute(
        select(User.team_id, on_start, on_end)
        .where(User.company_id == company_id, or_(active_at(start), active_at(end)),
               _in_scope(team_ids)).group_by(User.team_id)).all()
    return ({t: int(s) for t, s, _e in rows if s}, {t: int(e) for t, _s, e in rows if e})


def states(company_id: int, start: date, end: date, team_ids: TeamIds) -> tuple[State, State]:
    """(state on `start`, state on `end`) in one statement: per active person × role
    requirement, whether the level met the target on each date; grouped per team and
    capability (coverage, retired capabilities left out) and per person (readiness)."""
    fs, fe = first_change_after(company_id, start, "fs"), first_change_after(company_id, end, "fe")
    cap = RoleRequirement.capability_id
    query = (
        select(RoleAssignment.user_id, User.team_id, cap, RoleRequirement.weight,
               case((active_at(start), 1), else_=0).label("act_s"),
               case((active_at(end), 1), else_=0).label("act_e"),
               case((_level(fs) >= RoleRequirement.level, 1), else_=0).label("met_s"),
               case((_level(fe) >= RoleRequirement.level, 1), else_=0).label("met_e"))
        .select_from(RoleAssignment)
        .join(User, User.id == RoleAssignment.user_id)
        .join(RoleRequirement, RoleRequirement.role_id == RoleAssignment.role_id)
        .outerjoin(CapabilityLevel, and_(CapabilityLevel.user_id == RoleAssignment.user_id,
                                         CapabilityLevel.capability_id == cap))
        .where(RoleAssignment.company_id == company_id, User.company_id == company_id,
               or_(active_at(start), active_at(end)), _in_scope(team_ids)))
    for sub in (fs, fe):
        query = _outerjoin(query, sub, RoleAssignment.user_id, cap)
    pairs = query.cte("pairs")
    p = pairs.c
    no_float = cast(null(), Float)
    cells = (select(literal(0).label("part"), p.team_id, p.capability_id,
                    func.sum(p.act_s), func.sum(p.act_s * p.met_s),
                    func.sum(p.act_e), func.sum(p.act_e * p.met_e), no_float, no_float)
             .join(Capability, Capability.id == p.capability_id)
             .where(Capability.retired_at.is_(None))
             .group_by(p.team_id, p.capability_id))

    def ready(met: Any) -> Any:
        return func.sum(p.weight * met) * literal(1.0) / func.sum(p.weight)

    person = (select(p.team_id, func.max(p.act_s).label("act_s"), func.max(p.act_e).label("act_e"),
                     ready(p.met_s).label("r_s"), ready(p.met_e).label("r_e"))
              .group_by(p.user_id, p.team_id).subquery("person"))
    per_team = (select(literal(1), person.c.team_id, null(),
                       func.sum(person.c.act_s), null(), func.sum(person.c.act_e), null(),
                       func.sum(person.c.act_s * person.c.r_s),
                       func.sum(person.c.act_e * person.c.r_e))
                .group_by(person.c.team_id))
    cells_s: Cells = []
    cells_e: Cells = []
    ready_s: Readiness = {}
    ready_e: Readiness = {}
    for part, team, capability, n_s, m_s, n_e, m_e, r_s, r_e in db.session.execute(
            union_all(cells, per_team)).all():
        if part == 0:
            if n_s:
                cells_s.append((team, capability, int(n_s), int(m_s or 0)))
            if n_e:
                cells_e.append((team, capability, int(n_e), int(m_e or 0)))
        else:
            if n_s:
                ready_s[team] = (float(r_s or 0), int(n_s))
            if n_e:
                ready_e[team] = (float(r_e or 0), int(n_e))
    people_s, people_e = people_at(company_id, start, end, team_ids)
    return State(people_s, cells_s, ready_s), State(people_e, cells_e, ready_e)


def levels_gained(company_id: int, before: date, start: date, end: date, team_ids: TeamIds
                  ) -> tuple[list[tuple[int | None, int, int]], list[tuple[int | None, int, int]]]:
    """Levels gained per (team, category) in (start, end] and in (before, start], one pass:
    Σ max(0, level on the later date − level on the earlier one) over the pairs that changed
    after `before` (`before` ≤ `start` ≤ `end`). Rows: (team, category id, levels)."""
    f0 = first_change_after(company_id, before, "f0")
    fs, fe = first_change_after(company_id, start, "fs"), first_change_after(company_id, end, "fe")
    if f0 is None:  # the earlier period starts today or later: nothing changed yet
        return [], []
    l0, ls, le = f0.c.level, _level(fs), _level(fe)
    query = (select(User.team_id, Capability.category_id,
                    func.sum(case((le > ls, le - ls), else_=0)),
                    func.sum(case((ls > l0, ls - l0), else_=0)))
             .select_from(f0)
             .outerjoin(CapabilityLevel, and_(
                 CapabilityLevel.user_id == f0.c.user_id,
                 CapabilityLevel.capability_id == f0.c.capability_id))
             .join(User, User.id == f0.c.user_id)
             .join(Capability, Capability.id == f0.c.capability_id)
             .where(_in_scope(team_ids)))
    for sub in (fs, fe):
        query = _outerjoin(query, sub, f0.c.user_id, f0.c.capability_id)
    rows = db.session.execute(query.group_by(User.team_id, Capability.category_id)).all()
    now = [(t, int(c), int(g or 0)) for t, c, g, _p in rows]
    before_rows = [(t, int(c), int(p or 0)) for t, c, _g, p in rows]
    return now, before_rows
