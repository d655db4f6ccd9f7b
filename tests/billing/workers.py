"""Worker processes for the concurrency proofs: each builds its own app on the shared database.

Started with the `spawn` method, so nothing (connections, sessions, locks) is inherited.
"""

from __future__ import annotations

from datetime import date
from typing import Any


def _app(url: str) -> Any:
    from app import create_app
    from tests.conftest import base_config

    return create_app(base_config(url))


def hold_worker(url: str, user_id: int, price: int, attempts: int, worker: int, day: date,
                barrier: Any, results: Any) -> None:
    """Try `attempts` holds of `price` as soon as every worker is ready; report each outcome."""
    from app.extensions import db
    from app.models import User
    from billing import holds
    from billing.errors import InsufficientBudget

    app = _app(url)
    outcomes = []
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.rollback()  # no transaction (and on SQLite no lock) open while waiting
        barrier.wait()
        for i in range(attempts):
            try:
                holds.hold(user, user, price, f"request:{worker}-{i}", f"w{worker}-{i}", on=day)
                db.session.commit()
                outcomes.append("accepted")
            except InsufficientBudget as exc:
                db.session.rollback()
                outcomes.append(exc.message)
        db.engine.dispose()
    results.put(outcomes)


def capture_worker(url: str, hold_ids: list[int], worker: int, barrier: Any, results: Any) -> None:
    """Capture each given hold; the wallet can only pay for some of them."""
    from app.extensions import db
    from billing import holds
    from billing.errors import InsufficientFunds
    from billing.models import Hold

    app = _app(url)
    outcomes = []
    with app.app_context():
        db.session.rollback()
        barrier.wait()
        for hold_id in hold_ids:
            try:
                holds.capture(None, db.session.get(Hold, hold_id), f"capture-{hold_id}")
                db.session.commit()
                outcomes.append("captured")
            except InsufficientFunds as exc:
                db.session.rollback()
                outcomes.append(exc.message)
        db.engine.dispose()
    results.put(outcomes)


def run(target: Any, arg_sets: list[tuple[Any, ...]]) -> list[str]:
    """Start one spawned process per arg set, release them together, collect the outcomes."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(arg_sets)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for args in arg_sets]
    for p in procs:
        p.start()
    outcomes: list[str] = []
    for _ in procs:
        outcomes.extend(results.get(timeout=300))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return outcomes
