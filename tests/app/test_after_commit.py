"""Side effects queued with `after_commit` run once the outermost transaction commits: not when
a SAVEPOINT is released, not at all after a rollback, and they survive a SAVEPOINT rollback."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db
from app.tasks import after_commit


def test_callbacks_wait_for_the_real_commit_and_die_with_a_rollback(app):
    session = db.session()
    fired: list[str] = []
    session.execute(text("SELECT 1"))
    after_commit(session, lambda: fired.append("kept"))
    with session.begin_nested():
        session.execute(text("SELECT 1"))
    assert fired == []  # releasing the SAVEPOINT is not the commit
    try:
        with session.begin_nested():
            raise RuntimeError("the inner step fails")
    except RuntimeError:
        pass
    session.commit()
    assert fired == ["kept"]  # the savepoint's rollback did not drop the outer callback
    session.execute(text("SELECT 1"))
    after_commit(session, lambda: fired.append("dropped"))
    session.rollback()
    session.execute(text("SELECT 1"))
    session.commit()
    assert fired == ["kept"]
