"""Benchmark of the learning-request flow, for scripts/bench.py and docs/PERFORMANCE.md.

    from pathways.requests.bench import run, throughput
    run(app, record)                       # on the bench app's own database
    throughput("postgresql://…/scratch")   # any database that has the schema

Each worker process is one employee with a budget and a manager of their own; a worker repeats
request (hold) → commit → manager approves (capture from the company wallet, a contended row)
→ commit, i.e. what a request that is approved and bought automatically does, e-mails included
(written to the outbox and enqueued for the mail worker, as in production). The same workers then each
INSERT one row per committed transaction into a scratch table: the ratio says how much of the
database's bare write rate the whole request flow keeps. Nothing existing is changed: the
benchmark adds a company of its own and drops its scratch table afterwards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from billing.bench import race

SCRATCH = MetaData()
bench_request_inserts = Table("bench_request_inserts", SCRATCH,
                              Column("id", Integer, primary_key=True), Column("worker", Integer),
                              Column("n", Integer), Column("note", String(40)))
PRICE = 1_000


def _app(url: str, immediate: bool = True) -> Any:
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "HUEY_IMMEDIATE": immediate, "TRELLIS_ENV": "development", "SMTP_HOST": None,
                       "RATELIMIT_ENABLED": False})


def _setup(url: str, workers: int, ops: int) -> tuple[list[tuple[int, int]], int]:
    """A company with a funded wallet, one budgeted employee and one manager per worker."""
    from datetime import date

    from app.extensions import db
    from app.models import Company, User
    from billing import budgets, wallet
    from billing.policies import period_for
    from pathways.catalogue import offerings

    app = _app(url)
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        company = Company(name=f"Bench requests {tag}", slug=f"bench-req-{tag}", currency="EUR")
        db.session.add(company)
        db.session.flush()
        admin = User(company_id=company.id, email=f"admin@{tag}.bench", name="Admin")
        admin.set_roles(["admin"])
        db.session.add(admin)
        db.session.flush()
        pairs = []
        for i in range(workers):
            manager = User(company_id=company.id, email=f"m{i}@{tag}.bench", name=f"Manager {i}")
            manager.set_roles(["manager"])
            db.session.add(manager)
            db.session.flush()
            person = User(company_id=company.id, email=f"e{i}@{tag}.bench", name=f"Employee {i}",
                          manager_id=manager.id)
            person.set_roles(["employee"])
            db.session.add(person)
            db.session.flush()
            budgets.adjust(admin, person, PRICE * ops * 2, "bench", f"bench-{person.id}",
                           period_for(company, date.today()))
            pairs.append((person.id, manager.id))
        wallet.record_bank_transfer(admin, company, 10**12, "BENCH", "bench-fund")
        offering = offerings.save_offering(admin, offerings.OfferingData(
            title="Bench course", type="course", price_minor=PRICE, duration_hours=1))
        db.session.commit()
        offering_id = offering.id
        db.session.remove()  # return the connection before the pool goes
        db.engine.dispose()
    return pairs, offering_id


def _request_worker(url: str, user_id: int, manager_id: int, offering_id: int, ops: int,
                    barrier: Any, out: Any) -> None:
    from app.extensions import db
    from app.models import User
    from pathways.catalogue.models import Offering

    from . import submit, transitions

    app = _app(url, immediate=False)  # mail goes to the queue, as with a running worker
    with app.app_context():
        user, manager = db.session.get(User, user_id), db.session.get(User, manager_id)
        offering = db.session.get(Offering, offering_id)
        assert user is not None and manager is not None, "the bench's people are gone"
        db.session.rollback()
        barrier.wait()
        start = time.monotonic()
        for _ in range(ops):
            req = submit.create_for_offering(user, offering, None)
            db.session.commit()
            transitions.approve(manager, req)
            db.session.commit()
            assert req.status == "purchased"
        out.put((start, time.monotonic()))
        db.session.remove()  # return the connection before the pool goes
        db.engine.dispose()


def _insert_worker(url: str, worker: int, ops: int, barrier: Any, out: Any) -> None:
    from app.extensions import db

    app = _app(url)
    with app.app_context():
        barrier.wait()
        start = time.monotonic()
        for i in range(ops):
            db.session.execute(insert(bench_request_inserts).values(worker=worker, n=i,
                                                                    note="x"))
            db.session.commit()
        out.put((start, time.monotonic()))
        db.session.remove()  # return the connection before the pool goes
        db.engine.dispose()


def throughput(url: str, workers: int = 4, ops: int = 50) -> dict[str, Any]:
    """Requests approved and bought per second with `workers` processes, the bare INSERT
    rate of the same workers, and whether the ledger still verifies."""
    from app.extensions import db
    from billing import verify

    pairs, offering_id = _setup(url, workers, ops)
    flow_s = race(_request_worker, [(url, uid, mid, offering_id, ops) for uid, mid in pairs])
    app = _app(url)
    with app.app_context():
        SCRATCH.create_all(db.engine)
        db.session.remove()  # return the connection before the pool goes
        db.engine.dispose()
    try:
        insert_s = race(_insert_worker, [(url, w, ops * 2) for w in range(workers)])
    finally:
        with app.app_context():
            SCRATCH.drop_all(db.engine)
            ok = all(c.ok for c in verify.run_checks())
            db.session.remove()  # return the connection before the pool goes
            db.engine.dispose()
    requests, inserts = workers * ops, workers * ops * 2
    result = {"workers": workers, "requests": requests, "seconds": round(flow_s, 3),
              "requests_per_second": round(requests / flow_s, 1),
              # each request is two committed write transactions (request, approval)
              "transactions_per_second": round(2 * requests / flow_s, 1),
              "bare_inserts_per_second": round(inserts / insert_s, 1), "ledger_verified": ok}
    result["ratio_to_bare_insert"] = round(result["transactions_per_second"]
                                           / result["bare_inserts_per_second"], 3)
    return result


def run(app: Flask, record: Callable[[str, str, float | str, str], None],
        workers: int = 4, ops: int = 50) -> dict[str, Any]:
    """Hook for scripts/bench.py, on the bench app's own database (SQLite or PostgreSQL)."""
    from app.extensions import db

    url = db.engine.url.render_as_string(hide_password=False)
    name = db.engine.dialect.name
    db.session.remove()  # return the connection before the pool goes
    db.engine.dispose()  # no connection of this process stays open while the workers run
    result = throughput(url, workers, ops)
    record("requests", f"request → approve → capture, {workers} workers on {name}",
           f"{result['requests_per_second']} requests/s", "")
    record("requests", f"… as write transactions/s vs bare INSERT loop ({name})",
           f"{result['transactions_per_second']} vs {result['bare_inserts_per_second']} "
           f"(ratio {result['ratio_to_bare_insert']})", "")
    record("requests", "ledger verify after the benchmark",
           "ok" if result["ledger_verified"] else "FAILED", "ok")
    return result
