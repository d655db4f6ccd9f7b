"""Background jobs with huey: SQLite queue in the instance folder by default, Redis with REDIS_URL.

Run a worker with `huey_consumer app.worker.huey` (`make run` starts one). Tests switch the queue
to immediate mode, so tasks run synchronously after the commit that enqueued them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
F = TypeVar("F", bound=Callable[..., Any])


def instance_path() -> Path:
    return Path(os.environ.get("TRELLIS_INSTANCE_PATH") or ROOT / "instance")


def _make_huey() -> Huey:
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("trellis", url=redis_url)
    path = instance_path()
    path.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("trellis", filename=str(path / "huey.sqlite3"))


huey = _make_huey()


def task(**options: Any) -> Callable[[F], F]:
    """`huey.task(**options)`, typed (huey ships no type information): calling the task queues it
    (or, in immediate mode, runs it)."""
    return cast(Callable[[F], F], huey.task(**options))


def periodic_task(schedule: Callable[..., bool], **options: Any) -> Callable[[F], F]:
    """`huey.periodic_task(schedule)`, typed."""
    return cast(Callable[[F], F], huey.periodic_task(schedule, **options))
_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def with_app_context(fn: F) -> F:
    """Run a task inside the Flask app: the caller's in immediate mode, a worker app otherwise."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _worker_app
        if has_app_context():
            if not huey.immediate:
                return fn(*args, **kwargs)
            # Immediate mode runs the task inside the enqueuing session's after-commit hook:
            # give it an app context (and so a database session) of its own.
            with cast(Any, current_app)._get_current_object().app_context():
                return fn(*args, **kwargs)
        if _worker_app is None:
            from . import create_app

            _worker_app = create_app()
        with _worker_app.app_context():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# --- side effects after commit -------------------------------------------------------------

def after_commit(session: Any, callback: Callable[[], Any]) -> None:
    """Run `callback` once the session's current transaction commits (dropped on rollback)."""
    session.info.setdefault("trellis_after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released: the real commit is still to come
    callbacks = session.info.pop("trellis_after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a SAVEPOINT rolled back: what the outer transaction queued still stands
    session.info.pop("trellis_after_commit", None)
