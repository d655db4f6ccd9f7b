"""Mentors as recommendations: for the person's largest gaps, the fairest-first mentor who can
take them to the target, as one candidate per gap (a source for `recommend.add_candidate_source`).

A mentor session is counted as one level toward the target per session, up to three sessions:
mentoring moves a level when the mentor attests it, and a longer engagement is a pathway's job.
Only the three largest weighted gaps are looked at, to keep recommendations fast (one matching
query per gap).
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Company, User
from pathways.capabilities.gaps import Gap
from pathways.capabilities.models import Capability
from pathways.learning.recommend import Candidate

MAX_GAPS = 3
MAX_SESSIONS = 3


def mentor_candidates(employee: User, gaps: list[Gap]) -> list[Candidate]:
    from .matching import mentors_for_gap

    open_gaps = sorted((g for g in gaps if g.gap > 0), key=lambda g: (-g.gap * g.weight, g.name))
    if not open_gaps:
        return []
    company = db.session.get(Company, employee.company_id)
    assert company is not None
    found: list[Candidate] = []
    wanted = open_gaps[:MAX_GAPS]
    capabilities = {c.id: c for c in db.session.scalars(
        select(Capability).where(Capability.id.in_([g.capability_id for g in wanted])))}
    for g in wanted:
        capability = capabilities.get(g.capability_id)
        if capability is None:
            continue
        # Mentors at their monthly cap come last; one with no free slot ahead is no suggestion.
        best = next((m for m in mentors_for_gap(employee, capability, g.target)
                     if not m.at_cap or m.next_slot is not None), None)
        if best is None:
            continue
        sessions = min(g.gap, MAX_SESSIONS)
        mentor = best.mentor
        note = "with an external coach" if mentor.is_external else "with an internal mentor"
        if best.at_cap and best.next_slot is not None:
            note += f", next free from {best.next_slot.starts_at:%d %B}"
        found.append(Candidate(
            "mentor", mentor.id, f"{mentor.name}: {g.name}", sessions,
            best.price_per_session_minor * sessions, sessions * mentor.session_minutes / 60,
            company.currency, [(g.name, g.level, g.level + sessions, g.target)], note=note,
            deltas=[(g.capability_id, g.level, g.level + sessions)]))
    return found


# recommend.recommend reads a source's `kind` to skip it when other kinds are asked for.
vars(mentor_candidates)["kind"] = "mentor"
