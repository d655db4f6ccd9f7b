"""Recommendations: rank what closes a person's gaps by levels gained per unit of cost and time.

THE RANKING (also in docs/catalogue.md)
---------------------------------------
For an employee and a target role (their current role or a chosen one), the gaps are the
role's requirements above the person's current level. Candidate *sources* each turn
(employee, gaps) into candidates; the built-in ones are catalogue offerings and published
pathways, and other packages add theirs (mentors) with `add_candidate_source(app, fn)`.

- levels gained by an offering: for each gap capability it develops from `f` to `t`,
  `max(0, min(t, target) − level)`, summed (completing it records evidence at `t`); it only
  counts when the person's level is at least `f − 1` (one level below its start is fine).
- levels gained by a pathway: per gap capability, the highest level any of its steps reaches
  (capped at the target) minus the current level, summed.
- effort = hours + price / 50 (50 units of the company currency count like one hour of
  time), at least 1; score = levels gained / effort.
- Only candidates that fit the remaining budget of the current fiscal period are kept
  (everything, when the person has no budget yet). Highest score first; ties: more levels,
  lower price, title.
Every candidate carries one sentence saying why: "Closes Python 1 → 3; €450; 12 hours."
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from babel.numbers import get_currency_precision
from flask import Flask, current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Company, User
from pathways.capabilities import gaps as gaps_service
from pathways.capabilities import roles
from pathways.capabilities.gaps import Gap
from pathways.capabilities.models import Role
from pathways.catalogue.models import Offering, OfferingCapability

from .models import Pathway, PathwayStep, StepKind

MONEY_PER_HOUR = 50  # major currency units that weigh like one hour of time


@dataclass
class Candidate:
    """One suggestion: an offering, a pathway or (from other sources) a mentor."""

    kind: str
    id: int
    title: str
    levels: int
    cost_minor: int
    hours: float
    currency: str
    closes: list[tuple[str, int, int, int]] = field(default_factory=list)  # name, from, to, target
    note: str | None = None  # e.g. "with an internal mentor"
    reason: str = ""
    deltas: list[tuple[int, int, int]] = field(default_factory=list)  # capability, from, to

    @property
    def effort(self) -> float:
        major = self.cost_minor / (10 ** get_currency_precision(self.currency))
        return max(1.0, float(self.hours) + float(major) / MONEY_PER_HOUR)

    @property
    def score(self) -> float:
        return self.levels / self.effort


Source = Callable[[User, list[Gap]], list[Candidate]]


def add_candidate_source(app: Flask, source: Source) -> None:
    """Register a function (employee, gaps) -> candidates (the mentor module adds its own)."""
    app.extensions.setdefault("trellis_candidate_sources", []).append(source)


def _sources() -> list[Source]:
    return [offering_candidates, pathway_candidates] + list(
        current_app.extensions.get("trellis_candidate_sources", []))


def _hours(h: float) -> str:
    h = round(h, 1)
    text = f"{h:g}"
    return f"{text} hour" if h == 1 else f"{text} hours"


def reason(c: Candidate) -> str:
    from app.money import money

    parts = []
    for name, frm, to, target in c.closes[:3]:
        verb = "closes" if to >= target else "narrows"
        parts.append(f"{verb} {name} {frm} → {to}" + ("" if to >= target else
                                                       f" (target {target})"))
    if len(c.closes) > 3:
        parts.append(f"and {len(c.closes) - 3} more")
    what = ", ".join(parts) if parts else "develops what you need"
    price = money(c.cost_minor, c.currency) + (f" {c.note}" if c.note else "")
    return f"{what[0].upper()}{what[1:]}; {price}; {_hours(c.hours)}."


def _gain(level: int, target: int, frm: int, to: int) -> int:
    if level < frm - 1:
        return 0
    return max(0, min(to, target) - level)


def offering_candidates(employee: User, gaps: list[Gap], keep_all: bool = False
                        ) -> list[Candidate]:
    """Offerings that add levels to the gaps now (`keep_all`: also those that develop a gap
    capability but are out of reach today, for the career plan's later steps)."""
    open_gaps = {g.capability_id: g for g in gaps if g.gap > 0}
    if not open_gaps:
        return []
    rows = db.session.execute(
        select(Offering.id, Offering.title, Offering.price_minor, Offering.duration_hours,
               Offering.currency, OfferingCapability.capability_id,
               OfferingCapability.from_level, OfferingCapability.to_level)
        .join(OfferingCapability, OfferingCapability.offering_id == Offering.id)
        .where(Offering.company_id == employee.company_id, Offering.retired_at.is_(None),
               OfferingCapability.capability_id.in_(list(open_gaps)))).all()
    found: dict[int, Candidate] = {}
    for oid, title, price, hours, currency, cid, frm, to in rows:
        g = open_gaps[cid]
        gain = _gain(g.level, g.target, frm, to)
        if not gain and not keep_all:
            continue
        c = found.get(oid) or found.setdefault(
            oid, Candidate("offering", oid, title, 0, price, hours, currency))
        c.levels += gain
        if gain:
            c.closes.append((g.name, g.level, min(to, g.target), g.target))
        c.deltas.append((cid, frm, to))
    return list(found.values())


def pathway_candidates(employee: User, gaps: list[Gap]) -> list[Candidate]:
    open_gaps = {g.capability_id: g for g in gaps if g.gap > 0}
    if not open_gaps:
        return []
    company = db.session.get(Company, employee.company_id)
    assert company is not None
    steps = db.session.execute(
        select(PathwayStep.pathway_id, Pathway.title, PathwayStep.kind, PathwayStep.required,
               PathwayStep.capability_id, PathwayStep.to_level, PathwayStep.offering_id,
               PathwayStep.estimated_cost_minor, PathwayStep.estimated_hours,
               Offering.price_minor, Offering.duration_hours)
        .join(Pathway, Pathway.id == PathwayStep.pathway_id)
        .outerjoin(Offering, Offering.id == PathwayStep.offering_id)
        .where(Pathway.company_id == employee.company_id, Pathway.status == "published")
        ).all()
    offering_ids = {r.offering_id for r in steps if r.offering_id}
    deltas: dict[int, list[tuple[int, int]]] = {}
    if offering_ids:
        for oid, cid, to in db.session.execute(
                select(OfferingCapability.offering_id, OfferingCapability.capability_id,
                       OfferingCapability.to_level)
                .where(OfferingCapability.offering_id.in_(offering_ids),
                       OfferingCapability.capability_id.in_(list(open_gaps)))):
            deltas.setdefault(oid, []).append((cid, to))
    reach: dict[int, dict[int, int]] = {}
    cost: dict[int, tuple[int, float]] = {}
    titles: dict[int, str] = {}
    for r in steps:
        titles[r.pathway_id] = r.title
        if r.kind == StepKind.OFFERING:
            touched = deltas.get(r.offering_id or 0, [])
            step_cost, step_hours = r.price_minor or 0, r.duration_hours or 0.0
        else:
            touched = [(r.capability_id, r.to_level)] if r.capability_id in open_gaps else []
            step_cost, step_hours = r.estimated_cost_minor or 0, r.estimated_hours or 0.0
        for cid, to in touched:
            caps = reach.setdefault(r.pathway_id, {})
            caps[cid] = max(caps.get(cid, 0), to or 0)
        if r.required:
            c, h = cost.get(r.pathway_id, (0, 0.0))
            cost[r.pathway_id] = (c + step_cost, h + step_hours)
    result = []
    for pid, caps in reach.items():
        closes = []
        total = 0
        for cid, to in caps.items():
            g = open_gaps[cid]
            gain = max(0, min(to, g.target) - g.level)
            if gain:
                total += gain
                closes.append((g.name, g.level, min(to, g.target), g.target))
        if total:
            c, h = cost.get(pid, (0, 0.0))
            result.append(Candidate("pathway", pid, titles[pid], total, c, h, company.currency,
                                    closes))
    return result


def available_budget(employee: User) -> int | None:
    """The remaining budget of the current fiscal period, or None without a budget."""
    from billing.budgets import find_budget
    from billing.policies import period_for
    from billing.queries import person_balances

    company = db.session.get(Company, employee.company_id)
    assert company is not None
    period = period_for(company, date.today())
    if find_budget(employee, period) is None:
        return None
    return person_balances(employee, period).available_minor


@dataclass
class Recommendations:
    role: Role | None
    gaps: list[Gap]
    available_minor: int | None
    candidates: list[Candidate]
    over_budget: int  # how many candidates were left out for not fitting the budget

    def of_kind(self, kind: str, limit: int = 10) -> list[Candidate]:
        return [c for c in self.candidates if c.kind == kind][:limit]


def recommend(employee: User, role: Role | None = None, limit: int = 30,
              kinds: Sequence[str] | None = None) -> Recommendations:
    """Ranked candidates for `employee` toward `role` (default: their current role)."""
    if role is None:
        assignment = roles.assignment(employee)
        role = assignment.role if assignment else None
    role_gaps = gaps_service.gaps(employee, role)
    available = available_budget(employee)
    found: list[Candidate] = []
    for source in _sources():
        # A source that declares its kind is skipped when that kind is not wanted (its
        # queries are not free: the capabilities page leaves mentors to its own links).
        if kinds and getattr(source, "kind", None) not in (None, *kinds):
            continue
        found.extend(source(employee, role_gaps))
    if kinds:
        found = [c for c in found if c.kind in kinds]
    fitting = [c for c in found if available is None or c.cost_minor <= available]
    fitting.sort(key=lambda c: (-c.score, -c.levels, c.cost_minor, c.title, c.id))
    for c in fitting[:limit]:
        c.reason = c.reason or reason(c)
    return Recommendations(role, role_gaps, available, fitting[:limit],
                           len(found) - len(fitting))


@dataclass
class CareerPlan:
    """What it would take to move into `role`: the gap, pathways, and a typical cost and time."""

    role: Role
    gaps: list[Gap]
    pathways: list[Candidate]
    plan: list[Candidate]  # a greedy set of offerings that closes as much of the gap as it can
    cost_minor: int
    hours: float
    uncovered: list[Gap]


def career_plan(employee: User, role: Role) -> CareerPlan:
    role_gaps = gaps_service.gaps(employee, role)
    open_gaps = [g for g in role_gaps if g.gap > 0]
    offers = offering_candidates(employee, open_gaps, keep_all=True)
    paths = sorted(pathway_candidates(employee, open_gaps),
                   key=lambda c: (-c.score, -c.levels, c.cost_minor, c.title))
    for c in paths:
        c.reason = reason(c)
    plan, level = _greedy_plan(offers, open_gaps)
    uncovered = [g for g in open_gaps if level[g.capability_id] < g.target]
    return CareerPlan(role, role_gaps, paths[:10], plan, sum(c.cost_minor for c in plan),
                      sum(c.hours for c in plan), uncovered)


def _greedy_plan(offers: list[Candidate], open_gaps: list[Gap]
                 ) -> tuple[list[Candidate], dict[int, int]]:
    """Repeatedly take the best-scoring offering for the levels still missing, as if the
    offerings already taken were completed; stops when nothing adds a level."""
    level = {g.capability_id: g.level for g in open_gaps}
    gap_of = {g.capability_id: g for g in open_gaps}
    plan: list[Candidate] = []
    pool = list(offers)
    while pool:
        best, best_key, best_gain = None, None, 0
        for c in pool:
            gain = sum(_gain(level[cid], gap_of[cid].target, f, t) for cid, f, t in c.deltas
                       if cid in level)
            if not gain:
                continue
            key = (-gain / c.effort, -gain, c.cost_minor, c.title, c.id)
            if best_key is None or key < best_key:
                best, best_key, best_gain = c, key, gain
        if best is None:
            break
        pool.remove(best)
        closes = []
        for cid, f, t in best.deltas:
            g = gap_of.get(cid)
            if g is None or not _gain(level[cid], g.target, f, t):
                continue
            new = min(t, g.target)
            closes.append((g.name, level[cid], new, g.target))
            level[cid] = new
        step = Candidate(best.kind, best.id, best.title, best_gain, best.cost_minor, best.hours,
                         best.currency, closes, best.note, deltas=best.deltas)
        step.reason = reason(step)
        plan.append(step)
    return plan, level
