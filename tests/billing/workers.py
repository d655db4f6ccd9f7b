"""Worker processes for the concurrency proofs: each builds its own app on the shared database.

Started from a `forkserver`, so nothing (connections, sessions, locks) is inherited: the
fork server is a fresh process that has only imported the code (preloaded once per test
worker, which saves each process the ~2 s of imports a `spawn` costs) and never touched a
database.
"""

from __future__ import annotations

from datetime import date
from typing import Any


def _app(url: str) -> Any:
    from app import create_app
    from tests.appconfig import base_config

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


def company_job_worker(url: str, company_id: int, admin_id: int, job: str, day: date,
                       worker: int, barrier: Any, results: Any) -> None:
    """Run a whole-company allocation run or period close at the same moment as the others."""
    from app.extensions import db
    from app.models import Company, User
    from billing import budgets
    from billing.policies import period_for

    app = _app(url)
    with app.app_context():
        company, admin = db.session.get(Company, company_id), db.session.get(User, admin_id)
        period = period_for(company, day)
        db.session.rollback()
        barrier.wait()
        if job == "allocate":
            run = budgets.run_allocation(admin, company, period, day, key=f"run-{worker}")
            outcome = f"allocated {run.allocated_minor} to {run.people}"
        else:
            rolled, expired = budgets.close_period(admin, company, period)
            outcome = f"rolled {rolled} expired {expired}"
        db.session.commit()
        db.engine.dispose()
    results.put([outcome])


def pool_grant_worker(url: str, team_id: int, manager_id: int, people: list[int], price: int,
                      worker: int, barrier: Any, results: Any) -> None:
    """Grant `price` from the team's pool to each of `people`; the pool covers only some."""
    from app.extensions import db
    from app.models import Team, User
    from billing import pools
    from billing.errors import InsufficientBudget
    from billing.policies import Period

    fy2026 = Period(date(2026, 1, 1), date(2026, 12, 31))  # not from conftest: no test set-up here
    app = _app(url)
    outcomes = []
    with app.app_context():
        team, manager = db.session.get(Team, team_id), db.session.get(User, manager_id)
        db.session.rollback()
        barrier.wait()
        for i, person_id in enumerate(people):
            try:
                pools.grant(manager, team, db.session.get(User, person_id), price, "Course",
                            f"w{worker}-{i}", fy2026)
                db.session.commit()
                outcomes.append("granted")
            except InsufficientBudget as exc:
                db.session.rollback()
                outcomes.append(exc.message)
        db.engine.dispose()
    results.put(outcomes)


PRELOAD = ["tests.preload"]


def run(target: Any, arg_sets: list[tuple[Any, ...]]) -> list[str]:
    """Start one worker process per arg set, release them together, collect the outcomes."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)  # read when the fork server starts (the first run)
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
