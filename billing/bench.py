"""Benchmarks of the money engine, for scripts/bench.py and docs/PERFORMANCE.md.

`run(app, record)` is what `make bench` calls (on the app's database, next to the demo data:
it adds its own companies and drops nothing but its scratch table). For a standalone run:

    from billing.bench import run_urls
    numbers = run_urls("sqlite:////tmp/bench.sqlite3", "postgresql://…/scratch", workers=4)

With `reset=True` every table is dropped and created again, so give it scratch databases.
Workers are separate processes (spawn), each with its own app and connections.

- `hold_capture`: each worker repeats hold → commit → capture → commit (what a request that is
  approved and bought does), all capturing from the same company wallet (a contended row).
- `insert_baseline`: the same workers each INSERT one row per committed transaction; the ratio
  says how much of the database's bare write rate the ledger keeps.
- `allocation_run`: one allocation run for N employees (default 10,000) in one transaction,
  its idempotent rerun, and closing the period (rollover and expiry for every budget).
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Callable
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


def _scratch_table(url: str, create: bool) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    BENCH_TABLE.drop_all(engine)
    if create:
        BENCH_TABLE.create_all(engine)
    engine.dispose()


def _setup_company(url: str, workers: int, ops: int) -> list[int]:
    """A company with a funded wallet and one budgeted employee per worker."""
    from app.extensions import db
    from app.models import Company, User
    from billing import budgets, wallet
    from billing.policies import period_for

    app = _app(url)
    with app.app_context():
        company = Company(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}", currency="EUR")
        db.session.add(company)
        db.session.flush()
        people = [User(company_id=company.id, email=f"w{i}@{company.slug}.test",
                       name=f"Worker {i}")
                  for i in range(workers)]
        db.session.add_all(people)
        db.session.flush()
        wallet.record_bank_transfer(people[0], company, 10**12, "BENCH", "bench-fund")
        for person in people:
            budgets.adjust(people[0], person, 100 * ops * 2, "bench", f"bench-{person.id}",
                           period_for(company, DAY))
        ids = [p.id for p in people]  # before the commit expires them (no new transaction)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


def _hold_capture_worker(url: str, user_id: int, ops: int, barrier: Any, out: Any) -> None:
    from app.extensions import db
    from app.models import User
    from billing import holds

    app = _app(url)
    with app.app_context():
        user = db.session.get_one(User, user_id)
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


def race(target: Any, arg_sets: list[tuple[Any, ...]]) -> float:
    """Run the workers together (each reports its (start, end) on `out` after the barrier);
    seconds from the first start to the last finish. Shared with pathways.requests.bench."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(arg_sets)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, out)) for a in arg_sets]
    for p in procs:
        p.start()
    spans = [out.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join()
    return float(max(end for _s, end in spans) - min(start for start, _e in spans))


def throughput(url: str, workers: int = 4, ops: int = 200, reset: bool = True) -> dict[str, Any]:
    """Hold+capture pairs per second with `workers` processes, and the bare INSERT rate."""
    if reset:
        _reset(url)
    users = _setup_company(url, workers, ops)
    ledger_s = race(_hold_capture_worker, [(url, uid, ops) for uid in users])
    _scratch_table(url, create=True)
    try:
        insert_s = race(_insert_worker, [(url, w, ops * 2) for w in range(workers)])
    finally:
        _scratch_table(url, create=False)
    pairs, inserts = workers * ops, workers * ops * 2
    result = {"workers": workers, "hold_capture_pairs": pairs, "seconds": round(ledger_s, 3),
              "pairs_per_second": round(pairs / ledger_s, 1),
              "transactions_per_second": round(2 * pairs / ledger_s, 1),
              "bare_inserts_per_second": round(inserts / insert_s, 1)}
    result["ratio_to_bare_insert"] = round(result["transactions_per_second"]
                                           / result["bare_inserts_per_second"], 3)
    return result


def allocation_run(url: str, employees: int = 10_000, reset: bool = True) -> dict[str, Any]:
    """Seconds for one allocation run over `employees` active people (one transaction), for
    rerunning it (nothing to do) and for closing the period (rollover + expiry for each)."""
    if reset:
        _reset(url)
    app = _app(url)
    with app.app_context():
        result = _allocation(employees)
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    return result


def _allocation(employees: int) -> dict[str, Any]:
    from app.extensions import db
    from app.models import Company, User
    from billing import budgets, policies, verify
    from billing.models import AllocationRun
    from billing.policies import PolicyData, period_for

    slug = f"alloc-{uuid.uuid4().hex[:8]}"
    company = Company(name="Alloc", slug=slug, currency="EUR")
    db.session.add(company)
    db.session.flush()
    db.session.execute(insert(User), [
        {"company_id": company.id, "email": f"p{i}@{slug}.test", "name": f"Person {i}",
         "status": "active", "session_version": 1} for i in range(employees)])
    admin = db.session.scalars(select(User).where(User.company_id == company.id)
                               .limit(1)).one()
    policies.save_policy(admin, PolicyData("default", 120_000, rollover_cap_minor=30_000))
    db.session.commit()
    period = period_for(company, DAY)
    timings = {}
    for name, job in (("seconds", lambda: budgets.run_allocation(admin, company, period, DAY)),
                      ("rerun_seconds",
                       lambda: budgets.run_allocation(admin, company, period, DAY)),
                      ("close_seconds", lambda: budgets.close_period(admin, company, period))):
        start = time.perf_counter()
        outcome = job()
        db.session.commit()
        timings[name] = round(time.perf_counter() - start, 2)
        if name == "seconds" and isinstance(outcome, AllocationRun):
            people = outcome.people
    ok = all(c.ok for c in verify.run_checks(company.id))
    return {"employees": employees, "allocated_people": people, **timings,
            "ledger_verified": ok}


def run(app: Any, record: Callable[..., None], workers: int = 4, ops: int = 200,
        employees: int = 10_000) -> dict[str, Any]:
    """scripts/bench.py: every billing benchmark on the app's database, as report rows."""
    from app.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        alloc = _allocation(employees)
        db.session.remove()
    record("billing", f"allocation run, {employees:,} employees (one transaction)",
           float(alloc["seconds"]), "seconds")
    record("billing", "allocation rerun, nothing to allocate", float(alloc["rerun_seconds"]),
           "")
    record("billing", f"period close, {employees:,} budgets (rollover + expiry)",
           float(alloc["close_seconds"]), "seconds")
    record("billing", "ledger verify after the allocation benchmark",
           "ok" if alloc["ledger_verified"] else "FAILED", "ok")
    with app.app_context():
        db.engine.dispose()  # the workers open their own connections
    pairs = throughput(url, workers, ops, reset=False)
    record("billing", f"hold + capture, {workers} worker processes, pairs per second",
           f"{pairs['pairs_per_second']}/s", "")
    record("billing", f"bare INSERT + commit, {workers} worker processes, rows per second",
           f"{pairs['bare_inserts_per_second']}/s", "")
    record("billing", "ledger transactions per second ÷ bare INSERTs per second",
           f"{pairs['ratio_to_bare_insert']}", "")
    return {"allocation_run": alloc, "hold_capture": pairs}


def run_urls(sqlite_url: str, postgres_url: str | None = None, workers: int = 4,
             ops: int = 200, employees: int = 10_000) -> dict[str, Any]:
    """Every billing benchmark on scratch SQLite (and PostgreSQL) databases (reset first)."""
    results: dict[str, Any] = {}
    for name, url in (("sqlite", sqlite_url), ("postgresql", postgres_url)):
        if url:
            results[name] = {"hold_capture": throughput(url, workers, ops),
                             "allocation_run": allocation_run(url, employees)}
    return results
