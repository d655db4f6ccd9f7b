"""The crash test: gunicorn workers killed (SIGKILL, their own PIDs) in the middle of concurrent
money-moving requests and approvals, on SQLite and PostgreSQL. Nothing is lost or doubled:
`ledger verify` holds, every budget is exactly what the calls that got through moved, and
retrying every call with its key converges on one result per key."""

from __future__ import annotations

import http.client
import os
import signal
import urllib.error
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.auth import service as tokens
from app.extensions import db
from app.models import User
from billing import verify, wallet
from billing.queries import person_balances
from pathways.requests.models import OPEN_STATUSES, LearningRequest
from tests.pathways.requests.conftest import acme_world, make_offering  # noqa: F401  (fixtures)
from tests.pathways.requests.test_http_concurrency import Gunicorn, call, gunicorn  # noqa: F401

from .conftest import FY2026

pytestmark = pytest.mark.slow
PEOPLE, REQUESTS_EACH, PRICE, TOP_UP = 3, 3, 7_000, 30_000
KILL_EVERY = 3  # responses between two kills

LOST = object()  # the worker died under the call: no answer


def workers(server: Gunicorn) -> list[int]:
    """The PIDs of gunicorn's worker processes (the master's children)."""
    master = server.proc.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def attempt(fn: Callable[[], tuple[int, dict[str, Any]]]) -> Any:
    try:
        return fn()
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, ValueError):
        return LOST


def race(server: Gunicorn, calls: dict[str, Callable[[], tuple[int, dict[str, Any]]]],
         kills: list[int]) -> dict[str, Any]:
    """Fire every call at once; SIGKILL a worker after every KILL_EVERY-th answer."""
    results: dict[str, Any] = {}
    with ThreadPoolExecutor(8) as pool:
        futures = {pool.submit(attempt, fn): name for name, fn in calls.items()}
        for n, done in enumerate(as_completed(futures), start=1):
            results[futures[done]] = done.result()
            if n % KILL_EVERY == 0 and (alive := workers(server)):
                victim = alive[n % len(alive)]
                os.kill(victim, signal.SIGKILL)
                kills.append(victim)
    return results


def settle(calls: dict[str, Callable[[], tuple[int, dict[str, Any]]]], first: dict[str, Any],
           done: Callable[[Any], bool]) -> dict[str, Any]:
    """Retry each call (same key, same body) until it answers something final."""
    final = dict(first)
    for name, fn in calls.items():
        for _ in range(20):
            if done(final[name]):
                break
            final[name] = attempt(fn)
        assert done(final[name]), (name, final[name])
    return final


def test_killed_workers_lose_and_double_nothing(acme_world, make_offering, gunicorn):  # noqa: F811
    w = acme_world
    people = [w.ada] + [w.max, w.dora][:PEOPLE - 1]
    offering = make_offering(w.company, PRICE, "Crash course")
    wallet.record_bank_transfer(w.harriet, w.company, 10_000_000, "SEPA-CRASH", "fund-crash")
    admin = tokens.create_token(w.harriet, "crash")[1]
    own = {p.id: tokens.create_token(p, "crash")[1] for p in people}
    db.session.commit()
    ids, offering_id, company_id = [p.id for p in people], offering.id, w.company.id
    db.session.remove()  # no connection (nor, on SQLite, a lock) held while the workers race
    url, kills = gunicorn.url + "/api/v1", []

    def top_up(uid: int) -> Callable[[], tuple[int, dict[str, Any]]]:
        return lambda: call(f"{url}/budgets/adjustments", admin, "POST", {
            "employee_id": uid, "amount_minor": TOP_UP, "reason": "crash", "period": "2026"},
            key=f"adj-{uid}")

    # 1. Top-ups, killed mid-flight, then retried with their keys until each answered.
    adjust = {f"adj-{uid}": top_up(uid) for uid in ids}
    adjusted = settle(adjust, race(gunicorn, adjust, kills),
                      lambda r: r is not LOST and r[0] < 500)
    assert all(status == 201 for status, _ in adjusted.values()), adjusted

    def ask(uid: int, j: int) -> Callable[[], tuple[int, dict[str, Any]]]:
        return lambda: call(f"{url}/learning-requests", own[uid], "POST",
                            {"offering_id": offering_id, "note": f"crash {j}"},
                            key=f"req-{uid}-{j}")

    # 2. Requests (each holds its price) racing the kills; retried with the same keys.
    asks = {f"req-{uid}-{j}": ask(uid, j) for uid in ids for j in range(REQUESTS_EACH)}
    first = race(gunicorn, asks, kills)
    asked = settle(asks, first, lambda r: r is not LOST and r[0] < 500)
    assert all(status == 201 for status, _ in asked.values()), asked
    for name, answer in first.items():  # a key that got an answer keeps it
        if answer is not LOST and answer[0] == 201:
            assert answer[1]["id"] == asked[name][1]["id"]
    request_ids = sorted({body["id"] for _s, body in asked.values()})
    assert len(request_ids) == len(asks)

    def approve(rid: int) -> Callable[[], tuple[int, dict[str, Any]]]:
        return lambda: call(f"{url}/learning-requests/{rid}/approve", admin, "POST",
                            {"comment": "ok"})

    # 3. Approvals (an approval that completes the chain captures the hold) racing the kills;
    # a repeat of an approval changes nothing, so they are simply retried until none is pending.
    approvals = {f"approve-{rid}": approve(rid) for rid in request_ids}
    answers = race(gunicorn, approvals, kills)
    for _ in range(5):
        answers = settle(approvals, answers, lambda r: r is not LOST and r[0] < 500)
        if all(a[1].get("status") != "pending" for a in answers.values()):
            break
        answers = {n: LOST for n, a in answers.items() if a[1].get("status") == "pending"} | {
            n: a for n, a in answers.items() if a[1].get("status") != "pending"}
    assert len(kills) >= 4 and gunicorn.proc.poll() is None

    # 4. The ledger holds, and every budget is exactly what got through, once.
    status, report = call(f"{url}/ledger/verify", admin)
    assert status == 200 and report["ok"] is True, report
    checks = verify.run_checks(company_id)
    assert all(c.ok for c in checks), verify.report(checks)
    for uid in ids:
        b = person_balances(db.session.get_one(User, uid), FY2026)
        reqs = db.session.scalars(select(LearningRequest).where(
            LearningRequest.requester_id == uid)).all()
        assert len(reqs) == REQUESTS_EACH
        assert b.allocated_minor == TOP_UP
        assert b.held_minor == sum(r.price_minor for r in reqs if r.status in OPEN_STATUSES)
        assert b.spent_minor == sum(r.captured_minor for r in reqs)
        assert b.available_minor == b.allocated_minor - b.held_minor - b.spent_minor
    assert db.session.scalar(select(func.count(LearningRequest.id))) == len(asks)
