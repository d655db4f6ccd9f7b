"""Benchmarks of the money engine, for scripts/bench.py and docs/PERFORMANCE.md.

    from billing.bench import run
    numbers = run("sqlite:////tmp/bench.sqlite3", "postgresql://…/scratch", workers=4)

Each database must be a scratch one: with `reset=True` (the default) every table is dropped and
created again. Workers are separate processes (spawn), each with its own app and connections.

- `hold_capture`: each worker repeats hold → commit → capture → commit (what a request that is
  approved and bought does), all capturing from the same company wallet (a contended row).
- `insert_baseline`: the same workers each INSERT one row per committed transaction; the ratio
  says how much of the database's bare write rate the ledger keeps.
- `allocation_run`: one allocation run for N employees (default 10,000) in one transaction.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, insert, select

BENCH_TABLE = MetaData()
bench_inserts = Table("bench_inserts", BENCH_TABLE, Column("id", Integer, primary_key=True),
                      Column("worker", Integer), Column("n", Integer))
DAY = date(2026, 3, 2)


def _app(url: str) -> Any:
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "HUEY_IMMEDIATE": True, "TRELLIS_ENV": "development",
                       "RATELIMIT_ENABLED": False})


def _reset(url: str) -> None:
    from app.extensions import db

    app = _app(url)
    with app.app_context():
        db.drop_all()
        BENCH_TABLE.drop_all(db.engine)
        db.create_all()
        BENCH_TABLE.create_all(db.engine)
        db.engine.dispose()


def _setup_company(url: str, workers: int, ops: int) -> list[int]:
    """A company with a funded wallet and one budgeted employee per worker."""
    from app.extensions import db
    from app.models import Company, User
    from billing import budgets, wallet
    from billing.policies import period_for

    app = _app(url)
    with app.app_context():
        company = Company(name="Bench", slug="bench", currency="EUR")
        db.session.add(company)
        db.session.flush()
        people = [User(company_id=company.id, email=f"w{i}@bench.test", name=f"Worker {i}")
                  for i in range(workers)]
        db.session.add_all(people)
        db.session.flush()
        wallet.record_bank_transfer(people[0], company, 10**12, "BENCH", "bench-fund")
        for person in people:
            budgets.adjust(people[0], person, 100 * ops * 2, "bench", f"bench-{person.id}",
                           period_for(company, DAY))
        db.session.commit()
        ids = [p.id for p in people]
        db.engine.dispose()
    return ids


def _hold_capture_worker(url: str, user_id: int, ops: int, barrier: Any, out: Any) -> None:
    from app.extensions import db
    from app.models import User
    from billing import holds

    app = _app(url)
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.rollback()
        barrier.wait()
        start = time.monotonic()
        for i in range(ops):
            hold = holds.hold(user, user, 100, f"bench:{user_id}-{i}", f"h{user_id}-{i}", on=DAY)
            db.session.commit()
            holds.capture(user, hold, f"c{user_id}-{i}")
            db.session.commit()
        out.put((start, time.monotonic()))
        db.engine.dispose()


def _insert_worker(url: str, worker: int, ops: int, barrier: Any, out: Any) -> None:
    from app.extensions import db

    app = _app(url)
    with app.app_context():
        barrier.wait()
        start = time.monotonic()
        for i in range(ops):
            db.session.execute(insert(bench_inserts).values(worker=worker, n=i))
            db.session.commit()
        out.put((start, time.monotonic()))
        db.engine.dispose()


def _race(target: Any, arg_sets: list[tuple[Any, ...]]) -> float:
    """Run the workers together; seconds from the first start to the last finish."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(arg_sets)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, out)) for a in arg_sets]
    for p in procs:
        p.start()
    spans = [out.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join()
    return max(end for _s, end in spans) - min(start for start, _e in spans)


def throughput(url: str, workers: int = 4, ops: int = 200, reset: bool = True) -> dict[str, Any]:
    """Hold+capture pairs per second with `workers` processes, and the bare INSERT rate."""
    if reset:
        _reset(url)
    users = _setup_company(url, workers, ops)
    ledger_s = _race(_hold_capture_worker, [(url, uid, ops) for uid in users])
    insert_s = _race(_insert_worker, [(url, w, ops * 2) for w in range(workers)])
    pairs, inserts = workers * ops, workers * ops * 2
    result = {"workers": workers, "hold_capture_pairs": pairs, "seconds": round(ledger_s, 3),
              "pairs_per_second": round(pairs / ledger_s, 1),
              "transactions_per_second": round(2 * pairs / ledger_s, 1),
              "bare_inserts_per_second": round(inserts / insert_s, 1)}
    result["ratio_to_bare_insert"] = round(result["transactions_per_second"]
                                           / result["bare_inserts_per_second"], 3)
    return result


def allocation_run(url: str, employees: int = 10_000, reset: bool = True) -> dict[str, Any]:
    """Seconds for one allocation run over `employees` active people (one transaction)."""
    from app.extensions import db
    from app.models import Company, User
    from billing import budgets, policies, verify
    from billing.policies import PolicyData, period_for

    if reset:
        _reset(url)
    app = _app(url)
    with app.app_context():
        company = Company(name="Alloc", slug="alloc", currency="EUR")
        db.session.add(company)
        db.session.flush()
        db.session.execute(insert(User), [
            {"company_id": company.id, "email": f"p{i}@alloc.test", "name": f"Person {i}",
             "status": "active", "session_version": 1} for i in range(employees)])
        admin = db.session.scalars(select(User).where(User.company_id == company.id)
                                   .limit(1)).one()
        policies.save_policy(admin, PolicyData("default", 120_000))
        db.session.commit()
        start = time.perf_counter()
        run = budgets.run_allocation(admin, company, period_for(company, DAY), DAY)
        db.session.commit()
        seconds = time.perf_counter() - start
        ok = all(c.ok for c in verify.run_checks(company.id))
        people = run.people
        db.session.remove()
        db.engine.dispose()
    return {"employees": employees, "allocated_people": people, "seconds": round(seconds, 2),
            "ledger_verified": ok}


def run(sqlite_url: str, postgres_url: str | None = None, workers: int = 4, ops: int = 200,
        employees: int = 10_000) -> dict[str, Any]:
    """Every billing benchmark on SQLite (and PostgreSQL when given)."""
    results: dict[str, Any] = {}
    for name, url in (("sqlite", sqlite_url), ("postgresql", postgres_url)):
        if url:
            results[name] = {"hold_capture": throughput(url, workers, ops),
                             "allocation_run": allocation_run(url, employees)}
    return results
