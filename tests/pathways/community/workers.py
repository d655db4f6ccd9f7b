"""Worker processes for the RSVP race: each builds its own app on the shared database and takes
a seat at the same moment as the others (started through `tests.billing.workers.run`)."""

from __future__ import annotations

from typing import Any


def rsvp_worker(url: str, event_id: int, user_id: int, barrier: Any, results: Any) -> None:
    from app import create_app
    from app.errors import Conflict
    from app.extensions import db
    from app.models import User
    from pathways.community import events
    from pathways.community.models import CommunityEvent
    from tests.appconfig import base_config

    app = create_app(base_config(url))
    with app.app_context():
        person = db.session.get(User, user_id)
        event = db.session.get(CommunityEvent, event_id)
        _ = (person.role_rows, event.community.capability_links, event.capacity)
        db.session.rollback()  # no transaction (and on SQLite no lock) open while waiting
        barrier.wait()
        try:
            events.rsvp(person, event)
            db.session.commit()
            outcome = "seat"
        except Conflict as exc:
            db.session.rollback()
            outcome = exc.message
        db.engine.dispose()
    results.put([outcome])
