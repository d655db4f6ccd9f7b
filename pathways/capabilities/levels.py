"""Evidence and the level rule: `current_level(e, c, at)` computed from the evidence history.

THE LEVEL RULE (also in docs/levels.md)
---------------------------------------
Evidence falls into three tiers of trust:

1. trusted — manager rating, mentor attestation, completed offering, external statement;
2. peer rating;
3. self-assessment.

The level of employee e in capability c as of date `at` is the level stated by the most recent
piece of evidence dated on or before `at` from the most trusted tier that has any such evidence
(evidence of the same date: the one recorded last wins). Without evidence the level is 0.

So a manager's rating overrides any self-assessment, a newer rating of the same tier replaces
an older one (up or down), and a self-assessment counts only until trusted evidence exists.
In one sentence, as the page says it: "Level 3 from Morgan Avery's manager rating on 2 Mar 2026,
the most recent of the most trusted evidence (manager, mentor, course, external > peer > self)."

The rule only looks at evidence dated on or before `at`, so the level at every date is a step
function of the pair's evidence. `record_evidence` rewrites the pair's `LevelChange` rows (one
row per change of level) and its `CapabilityLevel` snapshot in the same transaction as the
evidence, so "level as of any date" for thousands of people is one indexed SQL query
(`levels_as_of`), and today's levels are a plain join.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import selectinload

from app import audit
from app.access import may_rate, rating_refusal, same_company
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, UserStatus

from .models import (
    SOURCE_LABELS,
    SOURCES,
    Assessment,
    Capability,
    CapabilityLevel,
    LevelChange,
    Source,
)

RULE_SENTENCE = ("the most recent of the most trusted evidence "
                 "(manager, mentor, course, external > peer > self)")
TIER = {
    Source.MANAGER.value: 3, Source.MENTOR.value: 3, Source.OFFERING.value: 3,
    Source.EXTERNAL.value: 3, Source.PEER.value: 2, Source.SELF.value: 1,
}


@dataclass(frozen=True)
class Evidence:
    """The fields of an assessment the rule needs (works for ORM rows and bulk dicts)."""

    id: int
    level: int
    source: str
    assessed_on: date


def winner(evidence: Iterable[Evidence], at: date | None = None) -> Evidence | None:
    """The piece of evidence that decides the level as of `at` (None: level 0)."""
    best: Evidence | None = None
    for e in evidence:
        if at is not None and e.assessed_on > at:
            continue
        if best is None or (TIER[e.source], e.assessed_on, e.id) > (
                TIER[best.source], best.assessed_on, best.id):
            best = e
    return best


def timeline(evidence: Sequence[Evidence]) -> list[tuple[date, int, int, int]]:
    """Every change of level: (date, new level, previous level, deciding evidence id)."""
    ordered = sorted(evidence, key=lambda e: (e.assessed_on, e.id))
    changes: list[tuple[date, int, int, int]] = []
    level = 0
    best: Evidence | None = None
    for i, e in enumerate(ordered):
        if best is None or (TIER[e.source], e.assessed_on, e.id) > (
                TIER[best.source], best.assessed_on, best.id):
            best = e
        last_of_day = i + 1 == len(ordered) or ordered[i + 1].assessed_on != e.assessed_on
        if last_of_day and best.level != level:
            changes.append((e.assessed_on, best.level, level, best.id))
            level = best.level
    return changes


# --- writing evidence --------------------------------------------------------------------------

def check_can_assess(actor: User, employee: User, source: str, invited: bool = False) -> None:
    """Who may record which evidence: the access policy's `may_rate` (`invited`: `employee` has
    an open rating request to `actor`), refused with a message a person can act on."""
    if source not in SOURCES:
        raise ValidationError(f"Unknown source '{source}'; use one of {', '.join(SOURCES)}.",
                              "source")
    if not may_rate(actor, employee, source, invited=invited):
        raise PermissionDenied(rating_refusal(actor, employee, source),
                               "source" if same_company(actor, employee) else None)


def record_evidence(actor: User, employee: User, capability: Capability, level: int, source: str,
                    note: str | None = None, on: date | None = None,
                    reference: str | None = None, check: bool = True,
                    invited: bool = False) -> Assessment:
    """Append one piece of evidence and rewrite the pair's level history (flush, no commit).

    `invited`: the evidence answers an open rating request to `actor` (`ratings`).
    `check=False` is for trusted system callers (completed offerings, attestations from the
    mentor module) that have verified the author themselves.
    """
    if check:
        check_can_assess(actor, employee, source, invited)
    elif source not in SOURCES:
        raise ValidationError(f"Unknown source '{source}'.", "source")
    if employee.status != UserStatus.ACTIVE.value:
        raise ValidationError(f"{employee.name} has left; their levels are kept as they were.")
    if capability.company_id != employee.company_id:
        raise PermissionDenied("That capability belongs to another company.", "capability_id")
    if capability.retired:
        raise ValidationError(f"'{capability.name}' is retired; it keeps its old evidence but "
                              "takes no new ratings.", "capability_id")
    top = capability.framework.scale.max_level
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= top:
        raise ValidationError(f"Choose a level from 1 to {top} on the "
                              f"{capability.framework.scale.name} scale.", "level")
    today = date.today()
    on = on or today
    if on > today:
        raise ValidationError("Evidence cannot be dated in the future.", "assessed_on")
    if note and len(note) > 2000:
        raise ValidationError("Keep the note under 2,000 characters.", "note")
    row = Assessment(company_id=employee.company_id, user_id=employee.id,
                     capability_id=capability.id, level=level, source=str(source),
                     author_id=actor.id, assessed_on=on, note=(note or "").strip() or None,
                     reference=reference)
    db.session.add(row)
    db.session.flush()
    rebuild_pair(employee.company_id, employee.id, capability.id)
    audit.record(actor, employee.company_id, "capability.assess", "user", employee.id,
                 f"{SOURCE_LABELS[Source(source)]} of {employee.name}: {capability.name} "
                 f"level {level}", {"level": (None, level), "source": (None, str(source))})
    return row


def rebuild_pair(company_id: int, user_id: int, capability_id: int) -> None:
    """Recompute the pair's LevelChange rows and snapshot from all of its evidence."""
    rows = db.session.execute(
        select(Assessment.id, Assessment.level, Assessment.source, Assessment.assessed_on)
        .where(Assessment.company_id == company_id, Assessment.user_id == user_id,
               Assessment.capability_id == capability_id)).all()
    changes = timeline([Evidence(*r) for r in rows])
    db.session.execute(delete(LevelChange).where(
        LevelChange.company_id == company_id, LevelChange.user_id == user_id,
        LevelChange.capability_id == capability_id))
    db.session.execute(delete(CapabilityLevel).where(
        CapabilityLevel.user_id == user_id, CapabilityLevel.capability_id == capability_id))
    if changes:
        db.session.execute(insert(LevelChange), [
            {"company_id": company_id, "user_id": user_id, "capability_id": capability_id,
             "changed_on": d, "level": lv, "previous_level": prev, "assessment_id": aid}
            for d, lv, prev, aid in changes])
        d, lv, _prev, aid = changes[-1]
        if lv:
            db.session.add(CapabilityLevel(company_id=company_id, user_id=user_id,
                                           capability_id=capability_id, level=lv, since=d,
                                           assessment_id=aid))
    db.session.flush()


# --- reading levels ----------------------------------------------------------------------------

@dataclass
class LevelView:
    """A computed level with the evidence behind it, for pages and the API."""

    capability: Capability
    level: int
    decided_by: Assessment | None
    evidence: list[Assessment]

    @property
    def why(self) -> str:
        e = self.decided_by
        if e is None:
            return "No evidence yet: add a self-assessment or ask your manager for a rating."
        who = f"{e.author.name}'s " if e.author is not None and e.source != Source.SELF else ""
        what = SOURCE_LABELS[Source(e.source)]
        if e.source == Source.SELF:
            what = "own self-assessment"
        overridden = sum(1 for x in self.evidence
                         if x.assessed_on > e.assessed_on and TIER[x.source] < TIER[e.source])
        tail = (f"; {overridden} newer, less trusted assessment"
                + (" does" if overridden == 1 else "s do") + " not override it"
                ) if overridden else ""
        return (f"Level {self.level} from {who}{what} on {e.assessed_on.isoformat()}, "
                f"{RULE_SENTENCE}{tail}.")


def levels_of(employee: User, capability_ids: Iterable[int] | None = None,
              at: date | None = None) -> dict[int, LevelView]:
    """The computed level of each capability the person has evidence for (with the why)."""
    query = (select(Assessment).options(selectinload(Assessment.author))
             .where(Assessment.company_id == employee.company_id, Assessment.user_id == employee.id)
             .order_by(Assessment.assessed_on.desc(), Assessment.id.desc()))
    if capability_ids is not None:
        query = query.where(Assessment.capability_id.in_(list(capability_ids)))
    if at is not None:
        query = query.where(Assessment.assessed_on <= at)
    by_cap: dict[int, list[Assessment]] = {}
    for a in db.session.scalars(query):
        by_cap.setdefault(a.capability_id, []).append(a)
    if not by_cap:
        return {}
    caps = {c.id: c for c in db.session.scalars(
        select(Capability).where(Capability.id.in_(list(by_cap))))}
    result = {}
    for cid, rows in by_cap.items():
        w = winner([Evidence(a.id, a.level, a.source, a.assessed_on) for a in rows], at)
        decided = next((a for a in rows if w and a.id == w.id), None)
        result[cid] = LevelView(caps[cid], w.level if w else 0, decided, rows)
    return result


def current_level(employee: User, capability: Capability, at: date | None = None) -> int:
    """`current_level(e, c, at)` from the metric definitions (0 without evidence)."""
    query = select(LevelChange.level).where(
        LevelChange.company_id == employee.company_id, LevelChange.user_id == employee.id,
        LevelChange.capability_id == capability.id)
    if at is not None:
        query = query.where(LevelChange.changed_on <= at)
    return db.session.scalar(
        query.order_by(LevelChange.changed_on.desc(), LevelChange.id.desc()).limit(1)) or 0


def levels_as_of(company_id: int, at: date, user_ids: Sequence[int] | None = None,
                 capability_ids: Sequence[int] | None = None) -> dict[tuple[int, int], int]:
    """{(user id, capability id): level} as of `at` for many people, in one SQL query.

    Pairs without evidence by then are absent (level 0).
    """
    latest = (select(LevelChange.user_id, LevelChange.capability_id,
                     func.max(LevelChange.changed_on).label("on"))
              .where(LevelChange.company_id == company_id, LevelChange.changed_on <= at))
    if user_ids is not None:
        latest = latest.where(LevelChange.user_id.in_(list(user_ids)))
    if capability_ids is not None:
        latest = latest.where(LevelChange.capability_id.in_(list(capability_ids)))
    latest_sq = latest.group_by(LevelChange.user_id, LevelChange.capability_id).subquery()
    rows = db.session.execute(
        select(LevelChange.user_id, LevelChange.capability_id, LevelChange.level)
        .join(latest_sq, and_(LevelChange.user_id == latest_sq.c.user_id,
                              LevelChange.capability_id == latest_sq.c.capability_id,
                              LevelChange.changed_on == latest_sq.c.on))
        .where(LevelChange.company_id == company_id))
    return {(u, c): lv for u, c, lv in rows if lv}


def levels_gained(company_id: int, start: date, end: date,
                  user_ids: Sequence[int] | None = None) -> int:
    """Sum over people and capabilities of max(0, level at `end` − level at `start`)."""
    before = levels_as_of(company_id, start, user_ids)
    after = levels_as_of(company_id, end, user_ids)
    return sum(max(0, lv - before.get(key, 0)) for key, lv in after.items())
