"""Reads of the catalogue, learning requests, mentors and pathway enrolments, in one place.

These tables come from other rooms (catalogue, learning, requests, mentoring). Each reader checks that
its models are there and otherwise returns what can be said without them, and `available()`
tells the report's method section which sources were read.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import and_, func, select, true

from app.extensions import db
from app.models import User

from .queries import TeamIds, spend_by_reference

UNLINKED = "Not linked to an offering"


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def catalogue() -> ModuleType | None:
    return _module("pathways.catalogue.models")


def learning() -> ModuleType | None:
    return _module("pathways.learning.models")


def requests() -> ModuleType | None:
    return _module("pathways.requests.models")


def mentors() -> ModuleType | None:
    return _module("pathways.mentoring.models")


def available() -> dict[str, bool]:
    return {"catalogue": catalogue() is not None and learning() is not None,
            "requests": requests() is not None,
            "mentors": mentors() is not None}


# --- spend by offering type and provider -----------------------------------------------------

@dataclass(frozen=True)
class SpendSlice:
    kind: str  # offering type label, "Mentor session", or UNLINKED
    provider: str
    spend_minor: int


def spend_by_offering(company_id: int, start: date, end: date,
                      team_ids: TeamIds) -> list[SpendSlice]:
    """Spend in the period by offering type and provider, via the captures' "request:<id>"
    references → learning request → offering (type, provider) or mentor booking."""
    per_ref = spend_by_reference(company_id, start, end, team_ids)
    request_ids: dict[int, int] = {}
    totals: dict[tuple[str, str], int] = {}
    for reference, amount in per_ref:
        prefix, _, raw = (reference or "").partition(":")
        if prefix == "request" and raw.isdigit():
            request_ids[int(raw)] = request_ids.get(int(raw), 0) + amount
        else:
            totals[(UNLINKED, "—")] = totals.get((UNLINKED, "—"), 0) + amount
    req, cat = requests(), catalogue()
    if request_ids and req is not None and cat is not None:
        LearningRequest = req.LearningRequest
        rows = db.session.execute(
            select(LearningRequest.id, LearningRequest.kind, cat.Offering.type,
                   cat.Provider.name)
            .outerjoin(cat.Offering, and_(cat.Offering.id == LearningRequest.offering_id,
                                          cat.Offering.company_id == company_id))
            .outerjoin(cat.Provider, cat.Provider.id == cat.Offering.provider_id)
            .where(LearningRequest.company_id == company_id,
                   LearningRequest.id.in_(list(request_ids)))).all()
        found = set()
        for rid, kind, otype, provider in rows:
            found.add(rid)
            if otype:
                label = cat.OFFERING_TYPE_LABELS.get(otype, otype.title())
            elif kind == "mentor_booking":
                label = "Mentor session"
            else:
                label = UNLINKED
            key = (label, provider or ("Mentors" if label == "Mentor session" else "—"))
            totals[key] = totals.get(key, 0) + request_ids[rid]
        for rid in set(request_ids) - found:
            totals[(UNLINKED, "—")] = totals.get((UNLINKED, "—"), 0) + request_ids[rid]
    elif request_ids:
        totals[(UNLINKED, "—")] = totals.get((UNLINKED, "—"), 0) + sum(request_ids.values())
    slices = [SpendSlice(k, p, v) for (k, p), v in totals.items() if v]
    return sorted(slices, key=lambda s: (-s.spend_minor, s.kind, s.provider))


# --- ways to close a gap ---------------------------------------------------------------------

@dataclass
class Option:
    kind: str  # "Pathway", "Course", "Mentor", …
    title: str
    cost_minor: int | None  # per person


@dataclass
class Closers:
    options: list[Option] = field(default_factory=list)
    mentors: int = 0  # people who offer mentoring in it (or could: at level 4+)


def ways_to_close(company_id: int, capability_ids: Sequence[int],
                  fallback_mentors: dict[int, int]) -> dict[int, Closers]:
    """For each capability: published pathways aimed at it (cost = the sum of its steps), the
    cheapest live offerings that develop it, and the mentors who offer it."""
    result = {c: Closers(mentors=fallback_mentors.get(c, 0)) for c in capability_ids}
    if not capability_ids:
        return result
    ids = list(capability_ids)
    cat, learn = catalogue(), learning()
    if cat is not None and learn is not None:
        Pathway, Step, Offering = learn.Pathway, learn.PathwayStep, cat.Offering
        step_cost = func.coalesce(Offering.price_minor, Step.estimated_cost_minor, 0)
        for pid, title, cap, cost in db.session.execute(
                select(Pathway.id, Pathway.title, Pathway.target_capability_id,
                       func.sum(step_cost))
                .outerjoin(Step, Step.pathway_id == Pathway.id)
                .outerjoin(Offering, Offering.id == Step.offering_id)
                .where(Pathway.company_id == company_id, Pathway.status == "published",
                       Pathway.target_capability_id.in_(ids))
                .group_by(Pathway.id, Pathway.title, Pathway.target_capability_id)
                .order_by(func.sum(step_cost), Pathway.id)).all():
            if len([o for o in result[cap].options if o.kind == "Pathway"]) < 2:
                result[cap].options.append(Option("Pathway", title, int(cost or 0)))
            del pid
        rank = func.row_number().over(partition_by=cat.OfferingCapability.capability_id,
                                      order_by=(Offering.price_minor, Offering.id)).label("rn")
        inner = (select(cat.OfferingCapability.capability_id, Offering.type, Offering.title,
                        Offering.price_minor, rank)
                 .join(Offering, Offering.id == cat.OfferingCapability.offering_id)
                 .where(cat.OfferingCapability.company_id == company_id,
                        cat.OfferingCapability.capability_id.in_(ids),
                        Offering.retired_at.is_(None)).subquery())
        for cap, otype, title, price, _rn in db.session.execute(
                select(inner).where(inner.c.rn <= 2)).all():
            result[cap].options.append(Option(cat.OFFERING_TYPE_LABELS.get(otype, otype),
                                              title, int(price)))
    men = mentors()
    if men is not None:
        rows = db.session.execute(
            select(men.MentorCapability.capability_id, func.count(),
                   func.min(men.MentorProfile.hourly_rate_minor))
            .join(men.MentorProfile, men.MentorProfile.id == men.MentorCapability.mentor_id)
            .where(men.MentorCapability.company_id == company_id,
                   men.MentorCapability.capability_id.in_(ids),
                   men.MentorProfile.active.is_(True))
            .group_by(men.MentorCapability.capability_id)).all()
        for cap, count, rate in rows:
            result[cap].mentors = int(count)
            result[cap].options.append(Option("Mentoring", f"{count} mentor"
                                              + ("s" if count != 1 else "") + " offer it",
                                              int(rate or 0)))
    return result


# --- pathway enrolment and completion --------------------------------------------------------

@dataclass(frozen=True)
class PathwayProgress:
    title: str
    enrolled: int  # enrolments that existed by the period end
    completed: int  # of those, completed by the period end
    completed_in_period: int

    @property
    def completion(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None


def pathway_progress(company_id: int, start: date, end: date,
                     team_ids: TeamIds) -> list[PathwayProgress]:
    learn = learning()
    if learn is None:
        return []
    Enrolment, Pathway = learn.Enrolment, learn.Pathway
    lo = datetime.combine(start, time.min)
    hi = datetime.combine(end + timedelta(days=1), time.min)
    done = and_(Enrolment.completed_at.is_not(None), Enrolment.completed_at < hi)
    scope: Any = User.team_id.in_(list(team_ids)) if team_ids is not None else true()
    rows = db.session.execute(
        select(Pathway.title, func.count(Enrolment.id),
               func.count(Enrolment.id).filter(done),
               func.count(Enrolment.id).filter(done, Enrolment.completed_at >= lo))
        .join(Enrolment, Enrolment.pathway_id == Pathway.id)
        .join(User, User.id == Enrolment.user_id)
        .where(Pathway.company_id == company_id, Enrolment.company_id == company_id,
               Enrolment.created_at < hi, scope)
        .group_by(Pathway.id, Pathway.title)
        .order_by(func.count(Enrolment.id).desc(), Pathway.title)).all()
    return [PathwayProgress(t, int(n), int(c), int(p)) for t, n, c, p in rows]
