"""The ideas board: anyone proposes learning the company should offer (what, for which capability,
why), others vote and comment, and L&D answers: planned, added (linked to the offering or pathway
it became) or declined with a reason. The needs assessment, run in the open."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Select, select

from app import audit
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, utcnow
from pathways.capabilities.models import Capability
from pathways.catalogue.models import Offering
from pathways.learning.models import Pathway

from .models import Idea, IdeaComment, IdeaStatus
from .posts import clean_text

STATUSES = tuple(s.value for s in IdeaStatus)
STATUS_LABELS = {"open": "Open", "planned": "Planned", "added": "Added", "declined": "Declined"}


def ideas_query(company_id: int, status: str | None = None) -> Select[Idea]:
    query = select(Idea).where(Idea.company_id == company_id)
    if status:
        query = query.where(Idea.status == status)
    return query.order_by(Idea.score.desc(), Idea.created_at.desc(), Idea.id.desc())


def _capability(actor: User, capability_id: int | None) -> int | None:
    if capability_id is None:
        return None
    cap = db.session.get(Capability, capability_id)
    if cap is None or cap.company_id != actor.company_id:
        raise ValidationError("Choose a capability of your company.", "capability_id")
    return cap.id


def propose(actor: User, title: str, why: str, capability_id: int | None = None) -> Idea:
    idea = Idea(company_id=actor.company_id, author_id=actor.id, title=clean_text(title, "title", 200),
                why=clean_text(why, "why", 5_000), capability_id=_capability(actor, capability_id))
    db.session.add(idea)
    db.session.flush()
    return idea


def comment(actor: User, idea: Idea, body: str) -> IdeaComment:
    row = IdeaComment(company_id=idea.company_id, idea_id=idea.id, author_id=actor.id,
                      body=clean_text(body, "body", 5_000))
    db.session.add(row)
    idea.comment_count = (idea.comment_count or 0) + 1
    db.session.flush()
    return row


def comments_of(idea: Idea) -> Sequence[IdeaComment]:
    return db.session.scalars(select(IdeaComment).where(IdeaComment.idea_id == idea.id)
                              .order_by(IdeaComment.created_at, IdeaComment.id)).all()


def _linked(actor: User, model: type[Offering] | type[Pathway], object_id: int | None,
            name: str) -> int | None:
    if object_id is None:
        return None
    row = cast(Offering | Pathway | None, db.session.get(model, object_id))
    if row is None or row.company_id != actor.company_id:
        raise ValidationError(f"Choose {name.replace('_id', '')} of your company.", name)
    return int(row.id)


def answer(actor: User, idea: Idea, status: str, response: str | None = None,
           offering_id: int | None = None, pathway_id: int | None = None) -> Idea:
    """L&D (an admin) answers an idea; `added` names what it became, `declined` says why."""
    if not actor.has_role("admin") or actor.company_id != idea.company_id:
        raise PermissionDenied("Only an L&D admin answers ideas.")
    if status not in STATUSES:
        raise ValidationError(f"Status must be one of {', '.join(STATUSES)}.", "status")
    response = clean_text(response, "response", 2_000, required=status == IdeaStatus.DECLINED.value)
    offering = _linked(actor, Offering, offering_id, "offering_id")
    pathway = _linked(actor, Pathway, pathway_id, "pathway_id")
    if status == IdeaStatus.ADDED.value and offering is None and pathway is None:
        raise ValidationError("Link the offering or pathway the idea became.", "offering_id")
    before = idea.status
    idea.status, idea.response = status, response or None
    idea.offering_id = offering if status == IdeaStatus.ADDED.value else None
    idea.pathway_id = pathway if status == IdeaStatus.ADDED.value else None
    idea.responded_by_id, idea.responded_at = actor.id, utcnow()
    audit.record(actor, idea.company_id, "idea.answer", "idea", idea.id,
                 f"Marked the idea “{idea.title}” {status}", {"status": (before, status)})
    db.session.flush()
    return idea


def linked_objects(idea: Idea) -> tuple[Offering | None, Pathway | None]:
    return (db.session.get(Offering, idea.offering_id) if idea.offering_id else None,
            db.session.get(Pathway, idea.pathway_id) if idea.pathway_id else None)
