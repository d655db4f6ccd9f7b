"""Side effects wait for the real commit, not for a SAVEPOINT released inside the transaction."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.tasks import after_commit


def test_a_released_savepoint_does_not_run_after_commit_callbacks(app):
    ran: list[str] = []
    db.session.execute(select(1))
    after_commit(db.session(), lambda: ran.append("sent"))
    with db.session.begin_nested():
        db.session.execute(select(1))
    assert ran == []  # the outer transaction could still roll back
    db.session.commit()
    assert ran == ["sent"]


def test_a_rollback_after_a_savepoint_drops_the_callbacks(app):
    ran: list[str] = []
    db.session.execute(select(1))
    after_commit(db.session(), lambda: ran.append("sent"))
    with db.session.begin_nested():
        db.session.execute(select(1))
    db.session.rollback()
    db.session.commit()
    assert ran == []
