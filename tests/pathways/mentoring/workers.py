"""Worker processes for the booking race: each builds its own app on the shared database.

Started with the `spawn` method (see tests/billing/workers.py), released together by a barrier.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def book_worker(url: str, mentee_id: int, mentor_id: int, starts_at: datetime, barrier: Any,
                results: Any) -> None:
    """Try to book the slot as soon as every worker is ready; report "booked" or the message."""
    from app.errors import DomainError
    from app.extensions import db
    from app.models import User
    from pathways.mentoring import bookings
    from pathways.mentoring.models import MentorProfile
    from tests.billing.workers import _app

    app = _app(url)
    with app.app_context():
        mentee, mentor = db.session.get(User, mentee_id), db.session.get(MentorProfile, mentor_id)
        db.session.rollback()  # no transaction (and on SQLite no lock) open while waiting
        barrier.wait()
        try:
            bookings.book(mentee, mentor, starts_at)
            db.session.commit()
            outcome = "booked"
        except DomainError as exc:
            db.session.rollback()
            outcome = f"{exc.status}: {exc.message}"
        db.engine.dispose()
    results.put([outcome])
