"""Worker processes for the learning-request concurrency proofs (spawned, nothing inherited)."""

from __future__ import annotations

from typing import Any


def _app(url: str) -> Any:
    from app import create_app
    from tests.appconfig import base_config

    return create_app(base_config(url))


def request_worker(url: str, user_id: int, offering_id: int, attempts: int, worker: int,
                   same_key: bool, barrier: Any, results: Any) -> None:
    """Request the offering `attempts` times as soon as every worker is ready."""
    from app.extensions import db
    from app.models import User
    from billing.errors import InsufficientBudget
    from pathways.catalogue.models import Offering
    from pathways.requests import submit

    app = _app(url)
    outcomes = []
    with app.app_context():
        user = db.session.get(User, user_id)
        offering = db.session.get(Offering, offering_id)
        db.session.rollback()
        barrier.wait()
        for i in range(attempts):
            key = "same-key" if same_key else f"w{worker}-{i}"
            try:
                req = submit.create_for_offering(user, offering, None, key)
                db.session.commit()
                outcomes.append(f"accepted:{req.id}")
            except InsufficientBudget as exc:
                db.session.rollback()
                outcomes.append(exc.message)
        db.engine.dispose()
    results.put(outcomes)
