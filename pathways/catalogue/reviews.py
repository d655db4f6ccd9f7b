"""Reviews of offerings, only by people who completed them (flush, never commit)."""

from __future__ import annotations

from sqlalchemy import Select, select

from app import audit
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User

from .completions import has_completed
from .models import (
    Offering,
    Review,
)
from .offerings import clean_text


def save_review(actor: User, offering: Offering, rating: int, text: str | None) -> Review:
    """Add or replace the actor's review; only people who completed the offering may review."""
    if offering.company_id != actor.company_id:
        raise PermissionDenied("That offering belongs to another company.")
    if not has_completed(actor, offering):
        raise PermissionDenied("Only people who completed this offering can review it.",
                               "rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError("Give 1 to 5 stars.", "rating")
    text = clean_text(text, "text", 4000)
    review = db.session.scalar(select(Review).where(Review.offering_id == offering.id,
                                                    Review.user_id == actor.id))
    if review is None:
        review = Review(company_id=actor.company_id, offering_id=offering.id, user_id=actor.id,
                        rating=rating, text=text)
        db.session.add(review)
        offering.rating_count += 1
        offering.rating_sum += rating
    else:
        offering.rating_sum += rating - review.rating
        review.rating, review.text = rating, text
    db.session.flush()
    audit.record(actor, actor.company_id, "offering.review", "offering", offering.id,
                 f"{actor.name} rated {offering.title} {rating}/5")
    return review


def reviews_query(offering: Offering) -> Select[Review]:
    return (select(Review).where(Review.company_id == offering.company_id,
                                 Review.offering_id == offering.id)
            .order_by(Review.created_at.desc(), Review.id.desc()))
