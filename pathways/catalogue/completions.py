"""Completed offerings and the capability evidence they imply (flush, never commit)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select

from app import audit
from app.errors import PermissionDenied
from app.extensions import db
from app.models import User
from pathways.capabilities import levels
from pathways.capabilities.models import Source

from .models import (
    Offering,
    OfferingCompletion,
)
from .offerings import clean_text


def has_completed(employee: User, offering: Offering) -> bool:
    """Whether the person completed the offering (pathway step or completed learning request)."""
    return bool(db.session.scalar(select(exists().where(
        OfferingCompletion.company_id == employee.company_id,
        OfferingCompletion.user_id == employee.id,
        OfferingCompletion.offering_id == offering.id))))


def record_offering_completion(actor: User, employee: User, offering: Offering,
                               note: str | None = None, reference: str | None = None,
                               on: date | None = None, evidence: bool = True
                               ) -> OfferingCompletion:
    """Record that `employee` completed `offering` and the evidence its deltas imply.

    For each capability the offering develops, a "completed offering" assessment at its
    `to_level` is recorded when that is above the person's current level (a course never
    lowers a level). The actor is an admin, the person's line manager, or the person (the
    learning-requests flow decides who may complete a request). `reference` names the
    source ("request:42"); flush, no commit.
    """
    if actor.company_id != employee.company_id or offering.company_id != employee.company_id:
        raise PermissionDenied("That offering or person belongs to another company.")
    if not (actor.has_role("admin") or actor.id == employee.id
            or employee.manager_id == actor.id):
        raise PermissionDenied("Only the person, their manager or an L&D admin records a "
                               "completion.")
    note = clean_text(note, "note", 2000)
    on = on or date.today()
    row = OfferingCompletion(company_id=employee.company_id, offering_id=offering.id,
                             user_id=employee.id, completed_on=on, note=note,
                             reference=reference or f"offering:{offering.id}",
                             recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    if evidence:
        record_delta_evidence(actor, employee, offering, on, note)
    audit.record(actor, employee.company_id, "offering.complete", "offering", offering.id,
                 f"{employee.name} completed {offering.title}")
    return row


def record_delta_evidence(actor: User, employee: User, offering: Offering, on: date,
                          note: str | None = None, source: str = Source.OFFERING.value) -> int:
    """Evidence at each `to_level` the offering reaches above the current level; returns count."""
    count = 0
    for delta in offering.capabilities:
        cap = delta.capability
        if cap.retired or levels.current_level(employee, cap) >= delta.to_level:
            continue
        levels.record_evidence(actor, employee, cap, delta.to_level, source,
                               note=note or f"Completed {offering.title}", on=on,
                               reference=f"offering:{offering.id}", check=False)
        count += 1
    return count
