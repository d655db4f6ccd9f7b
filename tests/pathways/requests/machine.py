"""The learning-request state machine's helpers: what the model knows of a request, and a
fingerprint of a company's rows that proves a refused transition changed nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db

# Every table a transition may write (money, requests, history, audit, e-mail, evidence):
# hashing this company's rows before and after a refused transition proves it changed nothing.
TOUCHED = ("ledger_accounts", "ledger_transactions", "budgets", "holds", "learning_requests",
           "request_events", "audit_log", "outbox_messages", "catalogue_offering_completions",
           "capability_assessments", "capability_levels")


def fingerprint(company_id: int) -> str:
    """A hash of the company's rows in every table a transition may touch."""
    digest = hashlib.sha256()
    db.session.expire_all()
    for name in TOUCHED:
        table = db.metadata.tables[name]
        query = select(table).where(table.c.company_id == company_id)
        for row in db.session.execute(query.order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    entries = db.metadata.tables["ledger_entries"]  # no company column; append-only
    digest.update(repr(db.session.execute(select(func.count(), func.max(entries.c.id))).one())
                  .encode())
    db.session.rollback()
    return digest.hexdigest()


@dataclass
class Req:
    """What the model believes about one request."""

    id: int
    who: int
    price: int
    stages: list[str]
    done: int = 0
    status: str = "pending"
    captured: int = 0
    refunded: int = 0
    keys: list[str] = field(default_factory=list)
