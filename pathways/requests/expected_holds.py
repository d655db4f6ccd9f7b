"""What `ledger verify` checks for this room: every open learning request (pending, or approved
and waiting for the purchase) holds exactly its price on the requester's budget."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from billing.verify import add_expected_holds

from .models import OPEN_STATUSES, LearningRequest


def open_request_holds(company_id: int) -> Iterator[tuple[str, int]]:
    """("request:<id>", price) of every open request of the company."""
    rows = db.session.execute(select(LearningRequest.id, LearningRequest.price_minor).where(
        LearningRequest.company_id == company_id, LearningRequest.status.in_(OPEN_STATUSES),
        LearningRequest.price_minor > 0))
    for request_id, price in rows:
        yield f"request:{request_id}", int(price)


def register(app: Flask) -> None:
    add_expected_holds(app, "learning request", open_request_holds)
