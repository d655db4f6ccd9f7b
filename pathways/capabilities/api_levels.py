"""Evidence, levels and gaps over JSON (on the capability API's blueprint).

Who may record which evidence is the access policy's `may_rate`; who may read a person's levels
is `may_see`, and no reply shows a level the caller may not read.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.access import may_see
from app.api.schema import operation
from app.errors import PermissionDenied
from app.models import User
from app.tenancy import get_or_404

from . import gaps, levels, ratings, roles
from .api import bp
from .models import Capability, Role
from .schemas import GapList, GapsQuery, LevelList, LevelsQuery, NewAssessment
from .schemas import Level as LevelOut


def level_json(v: levels.LevelView) -> dict[str, Any]:
    d = v.decided_by
    return {"capability_id": v.capability.id, "capability": v.capability.name,
            "level": v.level, "explanation": v.why,
            "decided_by": None if d is None else {
                "assessment_id": d.id, "source": d.source, "author_id": d.author_id,
                "assessed_on": d.assessed_on.isoformat()}}


def recorded_json(person: User, cap: Capability) -> dict[str, Any]:
    """The reply to a rating: the person's level after it, if the caller may read it."""
    if may_see(current_user, person):
        return level_json(levels.levels_of(person, [cap.id])[cap.id])
    return {"capability_id": cap.id, "capability": cap.name, "level": None, "decided_by": None,
            "explanation": f"Your rating is recorded. {person.name}'s level is shown to them, "
                           "their manager and L&D."}


@bp.post("/assessments")
@operation(body=NewAssessment, response=LevelOut, status=201)
def create_assessment(body: NewAssessment) -> dict[str, Any]:
    """Record evidence: a self-assessment, a manager rating of a direct report, a peer rating
    answering an open rating request, or (admin) an attestation."""
    person = get_or_404(User, body.employee_id)
    cap = get_or_404(Capability, body.capability_id)
    ratings.rate(current_user, person, cap, body.level, body.source, note=body.note,
                 on=body.assessed_on)
    return recorded_json(person, cap)


def _visible_person(employee_id: int) -> User:
    person = get_or_404(User, employee_id)
    if not may_see(current_user, person):
        raise PermissionDenied("You can see yourself and, as a manager, your reports.")
    return person


@bp.get("/employees/<int:employee_id>/levels")
@operation(query=LevelsQuery, response=LevelList)
def employee_levels(employee_id: int, query: LevelsQuery) -> dict[str, Any]:
    """The person's computed levels, each with its explanation (optionally as of a date)."""
    person = _visible_person(employee_id)
    views = levels.levels_of(person, at=query.at)
    return {"items": [level_json(v) for v in sorted(views.values(),
                                                    key=lambda v: v.capability.name)]}


@bp.get("/employees/<int:employee_id>/gaps")
@operation(query=GapsQuery, response=GapList)
def employee_gaps(employee_id: int, query: GapsQuery) -> dict[str, Any]:
    """Gaps against the person's role, or `role_id` (e.g. a target role), biggest first."""
    person = _visible_person(employee_id)
    role: Role | None
    if query.role_id:
        role = get_or_404(Role, query.role_id)
    else:
        assignment = roles.assignment(person)
        role = assignment.role if assignment else None
    rows = gaps.gaps(person, role)
    return {"role_id": role.id if role else None, "readiness": gaps.readiness_of(rows),
            "items": [{"capability_id": g.capability_id, "capability": g.name,
                       "category": g.category, "target": g.target, "level": g.level,
                       "gap": g.gap, "weight": g.weight} for g in rows]}
