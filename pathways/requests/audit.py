"""Learning-request transitions in the company's audit log.

Every `RequestEvent` (requested, approved, rejected, cancelled, purchased, completed, refunded,
and the in-between stages) also writes one audit entry in the same transaction: who, which
request, from → to, and the amount concerned (the event's amount, else the request's price).
"""

from __future__ import annotations

from app import audit
from app.models import User
from app.money import money

from .models import LearningRequest

OBJECT_TYPE = "learning_request"


def record_transition(req: LearningRequest, action: str, before: str | None, after: str,
                      actor: User | None, amount_minor: int | None) -> None:
    """Add the audit entry for one transition (flushed with the caller, never committed)."""
    amount = req.price_minor if amount_minor is None else amount_minor
    summary = (f"Learning request #{req.id} ({req.title}) {action.replace('-', ' ')}: "
               f"{before or 'new'} → {after}, {money(amount, req.currency)}")
    audit.record(actor, req.company_id, f"{OBJECT_TYPE}.{action}", OBJECT_TYPE, req.id,
                 summary, {"status": (before, after), "amount_minor": (None, amount)})
